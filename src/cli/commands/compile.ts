/**
 * `tpusim compile WORKLOAD.json [-o OUT.s]`: the training step (or inference) as readable assembly,
 * with its simulated cycles (one fast-mode run), its lower bound and their ratio (docs/BOUND.md).
 */
import type { Argv } from "yargs";
import { compileInference, compileTrainingStep, emitAssembly, type GradientForm } from "../../compiler/index.js";
import { encodeProgram } from "../../isa/binary.js";
import { writeFileAtomic } from "../../io/atomic-write.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { boundJson, boundReport, boundText, measureBound } from "../../jobs/program-bound.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit } from "../output.js";
import { hardwareFlags, withHardware, withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { positiveInt, withWorkloadOverrides } from "./workload-options.js";

export const command = "compile <workload>";
export const describe = "compile a workload's training step (or --inference) to TPU assembly (.s) or a binary (.bin)";

export function builder(y: Argv) {
  return withHardware(withJson(y))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec" })
    .option("out", { alias: "o", type: "string", describe: "output: .s assembly, anything else binary (default: write nothing)" })
    .option("simulate", { type: "boolean", default: true, describe: "run the program once in fast mode for its cycles (--no-simulate: the bound alone)" })
    .option("inference", { type: "boolean", default: false, describe: "forward pass only" })
    .option("batch", { type: "number", describe: "batch size (default: the workload's)" })
    .option("check", { type: "boolean", default: true, describe: "verify the IR between passes" })
    .option("gradient-form", {
      choices: ["auto", "plain", "transposed"] as const,
      default: "auto" as const,
      describe: "weight gradients: by the compiler's estimate, or forced delta^T·X / X^T·delta where possible (docs/BOUND.md)",
    })
    .check(positiveInt(["batch"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const out = argv.out as string | undefined;
  if (out !== undefined) refuseClobber([named("the workload", argv.workload)], [named("--out", out)]);
  const spec = withWorkloadOverrides(loadWorkload(argv.workload as string), argv);
  const hw = resolveHardware(hardwareFlags(argv), spec.hardware);
  const opts = { check: argv.check as boolean, gradientForm: argv.gradientForm as GradientForm };
  const compiled = argv.inference ? compileInference(spec, hw, undefined, opts) : compileTrainingStep(spec, hw, opts);
  const assembly = out !== undefined && /\.(s|asm)$/i.test(out);
  if (out !== undefined) writeFileAtomic(out, assembly ? emitAssembly(compiled) : encodeProgram(compiled.program));
  const counts: Record<string, number> = {};
  for (const ins of compiled.program.instructions) counts[ins.op] = (counts[ins.op] ?? 0) + 1;
  const report = argv.simulate ? measureBound(compiled.program, hw) : null;
  const bound = report ? boundJson(report) : { cycles: null, bound: boundJson(boundReport(compiled.program, hw, 0)).bound, ratio: null };
  emit(argv.json as boolean, { out: out ?? null, kind: compiled.kind, instructions: compiled.program.instructions.length, counts, ...bound, memory: compiled.memory, hardware: hw }, () =>
    `${compiled.kind} of ${spec.name} for ${hw.rows}x${hw.cols} ${hw.dtype}: ${compiled.program.instructions.length} instructions${out !== undefined ? ` -> ${out}` : ""}\n` +
    (report ? `  ${boundText(report)}\n` : `  lower bound ${bound.bound.cycles.toLocaleString("en-US")} cycles (${bound.bound.binding})\n`) +
    Object.entries(counts).map(([k, v]) => `  ${k.padEnd(5)} ${v}`).join("\n"),
    out !== undefined ? [{ role: assembly ? "assembly" : "binary program", path: out }] : [],
  );
}

/**
 * `tpusim fool WORKLOAD.json --weights W --target D`: from random noise, gradient steps on the input
 * (computed on the chip) until the network reports digit D with high confidence: a pattern no
 * person would call a digit, strongly identified as one.
 */
import type { Argv } from "yargs";
import { readWeights } from "../../data/weights.js";
import { foolingPattern } from "../../jobs/fool.js";
import { resolveHardware } from "../../jobs/hardware.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { fmtJoules } from "../energy-text.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { UsageError, hardwareFlags, withHardware, withJson } from "../options.js";
import { checkDigit } from "./adversarial.js";
import { named, refuseClobber } from "../output-paths.js";
import { checkDigitPaths, confidenceTable, digitArt, digitOutputs, saveDigits, sideBySide } from "./digit-image.js";
import { positiveInt } from "./workload-options.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";

export const command = "fool <workload>";
export const describe = "grow a random-noise pattern that the network reports as a chosen digit with high confidence";

export function builder(y: Argv) {
  return withReport(withHardware(withJson(y)))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec the weights were trained with" })
    .option("weights", { type: "string", demandOption: true, describe: "weights file written by train --save" })
    .option("target", { type: "number", demandOption: true, describe: "digit the pattern should be taken for" })
    .option("steps", { type: "number", default: 200, describe: "most gradient steps" })
    .option("seed", { type: "number", default: 1, describe: "seed of the starting noise (uniform in [0, 1))" })
    .option("step-size", { type: "number", default: 0.01, describe: "change of every pixel per step (signed gradient)" })
    .option("threshold", { type: "number", default: 0.9, describe: "stop when the digit's output exceeds this and is the largest" })
    .option("save-npy", { type: "string", describe: "write PREFIX-noise.npy and PREFIX-pattern.npy (28x28 float32)" })
    .option("save-image", { type: "string", describe: "write PREFIX-noise.pgm and PREFIX-pattern.pgm" })
    .option("mode", { type: "string", choices: ["fast", "detailed"], default: "fast", describe: "simulation mode (identical results)" })
    .check(positiveInt(["steps"]))
    .check((argv) => {
      checkDigit(argv.target as number);
      const seed = argv.seed as number;
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError(`--seed must be a whole number in [0, 4294967295], got ${seed}`);
      const s = argv["step-size"] as number;
      if (!(s > 0 && s <= 1)) throw new UsageError(`--step-size must be in (0, 1], got ${s}`);
      const t = argv.threshold as number;
      if (!(t > 0 && t < 1)) throw new UsageError(`--threshold must be in (0, 1), got ${t}`);
      return true;
    });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const outputs = digitOutputs(["noise", "pattern"], argv["save-npy"] as string | undefined, argv["save-image"] as string | undefined);
  refuseClobber([named("the workload", argv.workload), named("--weights", argv.weights)], [...outputs, reportOutput(argv)]);
  const spec = loadWorkload(argv.workload as string);
  const params = readWeights(argv.weights as string, spec);
  const hw = resolveHardware(hardwareFlags(argv), spec.hardware);
  checkDigitPaths(["noise", "pattern"], argv["save-npy"] as string | undefined, argv["save-image"] as string | undefined);
  const mode = argv.mode as SimMode;
  const report = reportPath(argv.report);
  const r = await foolingPattern({
    spec,
    hw,
    params,
    mode,
    target: argv.target as number,
    steps: argv.steps as number,
    seed: argv.seed as number,
    stepSize: argv["step-size"] as number,
    threshold: argv.threshold as number,
  });
  const saved = saveDigits(
    [
      { name: "noise", pixels: r.noise },
      { name: "pattern", pixels: r.pattern },
    ],
    argv["save-npy"] as string | undefined,
    argv["save-image"] as string | undefined,
  );
  const { noise: _n, pattern: _p, ...rest } = r;
  const output = {
    command: "fool" as const,
    workload: spec.name,
    hardware: hw,
    mode,
    ...rest,
    noiseOutputs: Array.from(r.noiseOutputs),
    outputs: Array.from(r.outputs),
    saved,
    noisePixels: Array.from(r.noise),
    patternPixels: Array.from(r.pattern),
  };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () => {
    const lines = [
      sideBySide([
        { title: `start: noise (seed ${r.seed})`, lines: digitArt(r.noise) },
        { title: `after ${r.steps} steps: network says ${r.predicted}`, lines: digitArt(r.pattern) },
      ]),
      "",
      confidenceTable([
        { title: "noise", outputs: r.noiseOutputs },
        { title: "pattern", outputs: r.outputs },
      ]),
      "",
      r.reached
        ? `the network reports ${r.target} with output ${r.confidence.toFixed(4)} (normalised ${fmtPct(r.normalized)}) after ${r.steps} steps of ${argv["step-size"]}`
        : `not reached in ${r.steps} steps: output for ${r.target} is ${r.confidence.toFixed(4)}, the network says ${r.predicted}`,
      "outputs from the inference program on the simulated chip; gradients from the input-gradient program",
      `simulated cycles: input gradient ${fmtInt(r.cycles.inputGradient)}, inference ${fmtInt(r.cycles.inference)}`,
      `simulated energy: input gradient ${fmtJoules(r.energy.inputGradient.totalJ)}, inference ${fmtJoules(r.energy.inference.totalJ)} (docs/ENERGY.md)`,
    ];
    if (saved.length > 0) lines.push(`saved ${saved.join(", ")}`);
    if (reported) lines.push(reported);
    return lines.join("\n");
  }, [...saved.map((path) => ({ role: "image", path })), ...reportFiles(report)]);
}

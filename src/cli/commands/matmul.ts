/** `tpusim matmul A B -o C`: a matrix product on the simulated chip, tiled as needed. */
import type { Argv } from "yargs";
import { resolve } from "node:path";
import { matrixFormatOf } from "../../data/matrix.js";
import { UserInputError } from "../../errors.js";
import { checkWritable } from "../../io/atomic-write.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { matmulFiles } from "../../jobs/matmul.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";

export const command = "matmul <a> <b>";
export const describe = "multiply two matrices (.npy or .csv) of any size on the simulated chip, streamed; A's values and B's are rounded to the data type";

export function builder(y: Argv) {
  return withTrace(withRun(withHardware(withJson(y)), "fast"))
    .positional("a", { type: "string", demandOption: true, describe: "left matrix M x K (.npy or .csv)" })
    .positional("b", { type: "string", demandOption: true, describe: "right matrix K x N (.npy or .csv)" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "product M x N (.npy or .csv), exact: int32 ('<i4') for int8, fp32 ('<f4') for bf16" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const out = argv.out as string;
  for (const input of [argv.a as string, argv.b as string]) {
    if (resolve(input) === resolve(out)) throw new UserInputError(`-o ${out} would overwrite the input ${input}`, { field: "--out" });
  }
  const hw = resolveHardware(hardwareFlags(argv), { preset: "tpu-v2", overrides: {} });
  const mode = argv.mode as SimMode;
  // A bad output name fails now, not after the run (and before a trace is opened).
  matrixFormatOf(out);
  checkWritable(out);
  const sink = traceSinkFrom(argv, mode);
  const r = await withSink(sink, () =>
    matmulFiles({ aPath: argv.a as string, bPath: argv.b as string, outPath: out, hw, mode, maxCycles: argv["max-cycles"] as number, sink, stop: stopFlag }),
  );
  emit(argv.json as boolean, { out, m: r.m, k: r.k, n: r.n, outType: r.outType, mode, hardware: hw, plan: r.plan, panels: r.panels, instructions: r.instructions, cycles: r.stats.cycles, stats: r.stats }, () =>
    `C (${r.m}x${r.n}, ${r.outType}) = A (${r.m}x${r.k}) · B (${r.k}x${r.n}) written to ${out}\n` +
    `on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode): ${r.plan.mBlocks} block(s) of ${r.plan.blockRows} rows${r.panels > 1 ? ` x ${r.panels} weight panels` : ""}, ${r.instructions} instructions\n${formatStats(r.stats)}`,
  );
}

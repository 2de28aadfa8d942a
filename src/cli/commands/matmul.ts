/** `tpusim matmul A B -o C`: a matrix product of any size on the simulated chip, streamed. */
import { gemmBoundJson } from "../../jobs/gemm-run.js";
import { boundText } from "../../jobs/program-bound.js";
import type { Argv } from "yargs";
import { matrixFormatOf } from "../../data/matrix.js";
import { checkWritable } from "../../io/atomic-write.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { matmulFiles } from "../../jobs/matmul.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportFiles, reportOutput, reportPath, runViewsFrom, withReport, writeReport } from "../report-option.js";

/** The machine `matmul` runs on unless told otherwise (named in its help). */
const MATMUL_PRESET = "tpu-v2";

export const command = "matmul <a> <b>";
export const describe = "multiply two matrices (.npy or .csv) of any size on the simulated chip, streamed; A's values and B's are rounded to the data type";

export function builder(y: Argv) {
  return withReport(withTrace(withRun(withHardware(withJson(y), MATMUL_PRESET), "fast"), { report: true }))
    .positional("a", { type: "string", demandOption: true, describe: "left matrix M x K (.npy or .csv)" })
    .positional("b", { type: "string", demandOption: true, describe: "right matrix K x N (.npy or .csv)" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "product M x N (.npy or .csv), exact: int32 ('<i4') for int8, fp32 ('<f4') for bf16" })
    .option("header", { type: "boolean", default: false, describe: "CSV inputs start with a header row of column names: skip it" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const out = argv.out as string;
  refuseClobber([named("input A", argv.a), named("input B", argv.b)], [named("--out", out), ...traceOutputs(argv), reportOutput(argv)]);
  const hw = resolveHardware(hardwareFlags(argv), { preset: MATMUL_PRESET, overrides: {} });
  const mode = argv.mode as SimMode;
  // A bad output name fails now, not after the run (and before a trace is opened).
  matrixFormatOf(out);
  checkWritable(out);
  const report = reportPath(argv.report);
  const views = runViewsFrom(argv, mode, report !== undefined || argv.json === true);
  const sink = traceSinkFrom(argv, mode, { report: true });
  const r = await withSink(sink, () =>
    matmulFiles({
      aPath: argv.a as string,
      bPath: argv.b as string,
      outPath: out,
      hw,
      mode,
      maxCycles: argv["max-cycles"] as number,
      sink,
      stop: stopFlag,
      views,
      csv: { header: argv.header as boolean },
    }),
  );
  const output = {
    command: "matmul" as const,
    out,
    m: r.m,
    k: r.k,
    n: r.n,
    outType: r.outType,
    mode,
    hardware: hw,
    plan: r.plan,
    panels: r.panels,
    instructions: r.instructions,
    cycles: r.stats.cycles,
    ...gemmBoundJson(hw, r.m, r.k, r.n, r.stats.cycles),
    stats: r.stats,
    timeline: r.timeline,
    arrayView: r.arrayView,
  };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () =>
    `C (${r.m}x${r.n}, ${r.outType}) = A (${r.m}x${r.k}) · B (${r.k}x${r.n}) written to ${out}\n` +
    `on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode): ${r.plan.mBlocks} block(s) of ${r.plan.blockRows} rows${r.panels > 1 ? ` x ${r.panels} weight panels` : ""}, ${r.instructions} instructions\n` +
    (output.bound ? `${boundText({ cycles: output.cycles, bound: output.bound, ratio: output.ratio })}\n` : "") +
    `${formatStats(r.stats)}` +
    (reported ? `\n${reported}` : ""),
    [{ role: "product", path: out }, ...traceFiles(argv), ...reportFiles(report)],
  );
}

/** `tpusim matmul A B -o C`: a matrix product on the simulated chip, tiled as needed. */
import type { Argv } from "yargs";
import { matrixFormatOf, readMatrix, writeMatrix } from "../../data/matrix.js";
import { checkWritable } from "../../io/atomic-write.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { matmul } from "../../jobs/matmul.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportFiles, reportOutput, reportPath, runViewsFrom, withReport, writeReport } from "../report-option.js";

/** The machine matmul runs on unless told otherwise (named in --help). */
const MATMUL_PRESET = "tpu-v2";

export const command = "matmul <a> <b>";
export const describe = "multiply two matrices (.npy or .csv) on the simulated chip; A's values and B's are rounded to the data type";

export function builder(y: Argv) {
  return withReport(withTrace(withRun(withHardware(withJson(y), MATMUL_PRESET), "fast"), { report: true }))
    .positional("a", { type: "string", demandOption: true, describe: "left matrix M x K (.npy or .csv)" })
    .positional("b", { type: "string", demandOption: true, describe: "right matrix K x N (.npy or .csv)" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "product M x N (.npy float32 or .csv); exact int32/fp32 accumulator values" })
    .option("header", { type: "boolean", default: false, describe: "CSV inputs start with a header row of column names: skip it" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  refuseClobber([named("input A", argv.a), named("input B", argv.b)], [named("--out", argv.out), ...traceOutputs(argv), reportOutput(argv)]);
  const csv = { header: argv.header as boolean };
  const a = readMatrix(argv.a as string, csv);
  const b = readMatrix(argv.b as string, csv);
  const hw = resolveHardware(hardwareFlags(argv), { preset: MATMUL_PRESET, overrides: {} });
  const mode = argv.mode as SimMode;
  // A bad output name fails now, not after the run (and before a trace is opened).
  matrixFormatOf(argv.out as string);
  checkWritable(argv.out as string);
  const report = reportPath(argv.report);
  const views = runViewsFrom(argv, mode, report !== undefined || argv.json === true);
  const sink = traceSinkFrom(argv, mode, { report: true });
  const r = await withSink(sink, () =>
    matmul({ a, b, hw, mode, maxCycles: argv["max-cycles"] as number, sink, stop: stopFlag, aName: argv.a as string, bName: argv.b as string, views }),
  );
  writeMatrix(argv.out as string, r.c);
  const output = {
    command: "matmul" as const,
    out: argv.out as string,
    m: r.m,
    k: r.k,
    n: r.n,
    mode,
    hardware: hw,
    cycles: r.cycles,
    stats: r.stats,
    timeline: r.timeline,
    arrayView: r.arrayView,
  };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () =>
    `C (${r.m}x${r.n}) = A (${r.m}x${r.k}) · B (${r.k}x${r.n}) written to ${argv.out}\non ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode)\n${formatStats(r.stats)}` +
    (reported ? `\n${reported}` : ""),
    [{ role: "product", path: argv.out as string }, ...traceFiles(argv), ...reportFiles(report)],
  );
}

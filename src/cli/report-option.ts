/**
 * `--report FILE.html` on the commands that run something: the file is checked before the run
 * (writable, an .html name, not one of the command's inputs) and written atomically after it.
 */
import type { Argv } from "yargs";
import { UserInputError } from "../errors.js";
import { checkWritable, writeFileAtomic } from "../io/atomic-write.js";
import type { ReportSource } from "../io/report/sources.js";
import { DEFAULT_ARRAY_LIMITS } from "../io/report/array-recorder.js";
import { parsePeRegion, traceWindow } from "../io/trace-sinks.js";
import type { RunViews } from "../jobs/run-program.js";
import type { SimMode } from "../sim/controller.js";
import type { WrittenFile } from "./output.js";
import { named, type NamedPath } from "./output-paths.js";

export function withReport<T>(y: Argv<T>) {
  return y.option("report", { type: "string", describe: "also write a report page: one self-contained HTML file (charts, timeline, images; no network needed)" });
}

/**
 * The report path of `--report` (or `flag`), checked now so a bad path fails before a long run.
 * That it is none of the command's other files is refuseClobber's check (`reportOutput`).
 */
export function reportPath(value: unknown, flag = "--report"): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") throw new UserInputError("give a file name such as report.html", { field: flag });
  if (!/\.html?$/i.test(value)) throw new UserInputError(`a report is an HTML page: give a file name ending in .html, got "${value}"`, { field: flag });
  checkWritable(value);
  return value;
}

/** The report as one of the command's outputs, for refuseClobber. */
export function reportOutput(argv: Record<string, unknown>, flag = "--report"): NamedPath | undefined {
  return named(flag, argv[flag.replace(/^--/, "")]);
}

/** The report among the files a finished command lists. */
export function reportFiles(path: string | undefined): WrittenFile[] {
  return path === undefined ? [] : [{ role: "report", path }];
}

/** Builds the page from the result and writes it atomically; returns a line for the human output. */
export async function writeReport(path: string | undefined, source: ReportSource): Promise<string | null> {
  if (path === undefined) return null;
  // Loaded on demand: Vega and Vega-Lite take about half a second to import, which no other run should pay.
  const { buildReport } = await import("../io/report/build-report.js");
  writeFileAtomic(path, await buildReport(source));
  return `report written to ${path}`;
}

/**
 * What `run` and `matmul` record for a report or `--json`: the timeline, and in detailed mode the
 * PEs of `--trace-pe` (default: the top-left 16x16) over `--trace-from`..`--trace-to`.
 */
export function runViewsFrom(argv: Record<string, unknown>, mode: SimMode, wanted: boolean): RunViews | undefined {
  const pe = argv["trace-pe"] as string | undefined;
  if (pe !== undefined && mode !== "detailed") {
    throw new UserInputError("PE traces need the register model: add --mode detailed", { field: "--trace-pe" });
  }
  if (!wanted) return undefined;
  if (mode !== "detailed") return {};
  const side = DEFAULT_ARRAY_LIMITS.side;
  const region = pe === undefined ? { r0: 0, r1: side, c0: 0, c1: side } : parsePeRegion(pe);
  const { from, to } = traceWindow({ from: argv["trace-from"] as number | undefined, to: argv["trace-to"] as number | undefined });
  return { array: { region, from, to } };
}

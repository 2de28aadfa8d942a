/** Option groups shared by commands (yargs builders) and their translation into job inputs. */
import { existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { Argv } from "yargs";
import { PRESETS } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { createTraceSink, defaultPePath, parsePeRegion, traceWindow, type AbortableTraceSink } from "../io/trace-sinks.js";
import type { HardwareFlags } from "../jobs/hardware.js";
import { DEFAULT_MAX_CYCLES, type SimMode } from "../sim/controller.js";
import { createdFolders, type WrittenFile } from "./output.js";
import type { NamedPath } from "./output-paths.js";

/** A flag value yargs-level checks reject: shown with the usage help. */
export class UsageError extends Error {}

export function withJson<T>(y: Argv<T>) {
  return y.option("json", { type: "boolean", default: false, describe: "print one JSON object with the results on stdout" });
}

/** `presetDefault` is what the help names as the default preset; the command must use exactly that. */
export function withHardware<T>(y: Argv<T>, presetDefault = "the workload's") {
  return y
    .option("preset", { type: "string", choices: Object.keys(PRESETS), describe: `hardware preset (default: ${presetDefault})` })
    .option("array", { type: "string", describe: "systolic array size RxC, e.g. 16x16 or 3x5" })
    .option("dtype", { type: "string", choices: ["int8", "bf16"], describe: "array data type" })
    .option("set", { type: "string", array: true, describe: "override a hardware parameter: name=value (see `tpusim info`)" })
    .check((argv) => {
      const a = argv.array as string | undefined;
      if (a !== undefined && !/^\s*[1-9]\d*\s*[xX×]\s*[1-9]\d*\s*$/.test(a)) throw new UsageError(`--array must be RxC with R, C >= 1 (e.g. 16x16), got "${a}"`);
      return true;
    });
}

export function withRun<T>(y: Argv<T>, defaultMode: SimMode) {
  return y
    .option("mode", { type: "string", choices: ["fast", "detailed"], default: defaultMode, describe: "fast: whole-instruction execution; detailed: every PE every cycle (identical results)" })
    .option("max-cycles", { type: "number", default: DEFAULT_MAX_CYCLES, describe: "watchdog: fault if the machine passes this cycle" })
    .check((argv) => {
      const m = argv["max-cycles"] as number;
      if (!Number.isInteger(m) || m < 1) throw new UsageError(`--max-cycles must be a whole number >= 1, got ${m}`);
      return true;
    });
}

/** `report`: the command's --report shows the array, so the PE and window flags may go with --report alone. */
export function withTrace<T>(y: Argv<T>, opts: { report?: boolean } = {}) {
  return y
    .option("trace", { type: "string", describe: "write a trace: .csv (per cycle), .vcd (waveform), .json (Perfetto timeline); a bare file name goes to traces/" })
    .option("trace-format", { type: "string", choices: ["csv", "vcd", "perfetto"], describe: "trace format (default: from the extension)" })
    .option("trace-from", { type: "number", describe: "first traced cycle" })
    .option("trace-to", { type: "number", describe: "last traced cycle" })
    .option("trace-every", { type: "number", describe: "trace every Nth cycle" })
    .option("trace-pe", { type: "string", describe: "also trace PEs R0:R1,C0:C1 (end excluded) to <trace>.pe.csv; needs --mode detailed" })
    .option("trace-date", { type: "string", hidden: true, describe: "fixed VCD $date text (reproducible example traces)" })
    .check((argv) => {
      const given = (flag: string) => argv[flag] !== undefined;
      if (!given("trace") && !(opts.report && given("report"))) {
        const orphan = ["trace-format", "trace-from", "trace-to", "trace-every", "trace-pe"].find(given);
        if (orphan !== undefined) throw new UsageError(`--${orphan} needs --trace FILE${opts.report ? " or --report FILE.html" : ""}`);
      }
      try {
        traceWindow({ from: argv["trace-from"] as number | undefined, to: argv["trace-to"] as number | undefined, every: argv["trace-every"] as number | undefined });
      } catch (err) {
        if (err instanceof UserInputError) throw new UsageError(`${err.where.field}: ${err.detail}`);
        throw err;
      }
      return true;
    });
}

export function hardwareFlags(argv: Record<string, unknown>): HardwareFlags {
  return {
    preset: argv.preset as string | undefined,
    array: argv.array as string | undefined,
    dtype: argv.dtype as string | undefined,
    set: argv.set as string[] | undefined,
  };
}

/** The default output folder a bare --trace file name goes to. */
export const TRACES_FOLDER = "traces";

/** Where --trace and the PE trace of --trace-pe will be written (a bare file name lands in traces/). */
export function tracePaths(argv: Record<string, unknown>): { trace: string; pe: string | undefined } | undefined {
  const given = argv.trace;
  if (typeof given !== "string") return undefined;
  const trace = /[\\/]/.test(given) ? given : join(TRACES_FOLDER, given);
  return { trace, pe: argv["trace-pe"] === undefined ? undefined : defaultPePath(trace) };
}

/** The trace files as outputs, for refuseClobber. */
export function traceOutputs(argv: Record<string, unknown>): NamedPath[] {
  const p = tracePaths(argv);
  if (p === undefined) return [];
  return p.pe === undefined ? [{ flag: "--trace", path: p.trace }] : [{ flag: "--trace", path: p.trace }, { flag: "--trace-pe", path: p.pe }];
}

/** The trace files a finished run wrote, for the command's report. */
export function traceFiles(argv: Record<string, unknown>): WrittenFile[] {
  return traceOutputs(argv).map((o) => ({ role: o.flag === "--trace" ? "trace" : "PE trace", path: o.path }));
}

/** The trace sink the flags ask for, or undefined. */
export function traceSinkFrom(argv: Record<string, unknown>, mode: SimMode, opts: { report?: boolean } = {}): AbortableTraceSink | undefined {
  const paths = tracePaths(argv);
  const peText = argv["trace-pe"] as string | undefined;
  if (paths === undefined) {
    // A report records its own window and PE region: the trace flags then need no trace file.
    if (opts.report && argv.report !== undefined) return undefined;
    for (const flag of ["trace-format", "trace-from", "trace-to", "trace-every", "trace-pe"]) {
      if (argv[flag] !== undefined) throw new UserInputError(`--${flag} needs --trace FILE`, { field: `--${flag}` });
    }
    return undefined;
  }
  if (peText !== undefined && mode !== "detailed") {
    throw new UserInputError("PE traces need the register model: add --mode detailed", { field: "--trace-pe" });
  }
  const options = {
    path: paths.trace,
    format: argv["trace-format"] as string | undefined,
    from: argv["trace-from"] as number | undefined,
    to: argv["trace-to"] as number | undefined,
    every: argv["trace-every"] as number | undefined,
    pe: peText === undefined ? undefined : parsePeRegion(peText),
    vcdDate: argv["trace-date"] as string | undefined,
  };
  // The folder is made only for a trace that is about to be opened in it (and said so).
  if (paths.trace !== argv.trace && !existsSync(TRACES_FOLDER)) {
    mkdirSync(TRACES_FOLDER, { recursive: true });
    createdFolders.push(TRACES_FOLDER);
  }
  try {
    return createTraceSink(options);
  } catch (err) {
    removeEmptyCreatedFolders();
    throw err;
  }
}

/** After a failure: folders this process made and left empty go again. */
export function removeEmptyCreatedFolders(): void {
  for (let i = createdFolders.length - 1; i >= 0; i--) {
    try {
      if (readdirSync(createdFolders[i]).length === 0) {
        rmdirSync(createdFolders[i]);
        createdFolders.splice(i, 1);
      }
    } catch {
      // Gone already, or not ours to judge: nothing to clean.
    }
  }
}

/** Run `body` with the sink; commit it on success, remove its temp file on failure. */
export async function withSink<R>(sink: AbortableTraceSink | undefined, body: () => Promise<R>): Promise<R> {
  try {
    const result = await body();
    if (sink) await sink.close();
    return result;
  } catch (err) {
    if (sink) await sink.abort().catch(() => undefined);
    removeEmptyCreatedFolders();
    throw err;
  }
}

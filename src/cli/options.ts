/** Option groups shared by commands (yargs builders) and their translation into job inputs. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Argv } from "yargs";
import { PRESETS } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { createTraceSink, parsePeRegion, traceWindow, type AbortableTraceSink } from "../io/trace-sinks.js";
import type { HardwareFlags } from "../jobs/hardware.js";
import { DEFAULT_MAX_CYCLES, type SimMode } from "../sim/controller.js";

/** A flag value yargs-level checks reject: shown with the usage help. */
export class UsageError extends Error {}

export function withJson<T>(y: Argv<T>) {
  return y.option("json", { type: "boolean", default: false, describe: "print one JSON object with the results on stdout" });
}

export function withHardware<T>(y: Argv<T>) {
  return y
    .option("preset", { type: "string", choices: Object.keys(PRESETS), describe: "hardware preset (default: the workload's, else tpu-v2)" })
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

/** The trace sink the flags ask for, or undefined. */
export function traceSinkFrom(argv: Record<string, unknown>, mode: SimMode, opts: { report?: boolean } = {}): AbortableTraceSink | undefined {
  const given = argv.trace as string | undefined;
  // A bare file name lands in traces/ (the default output folder, git-ignored); paths are kept.
  const path = given !== undefined && !/[\\/]/.test(given) ? join("traces", given) : given;
  const peText = argv["trace-pe"] as string | undefined;
  if (path === undefined) {
    if (opts.report && argv.report !== undefined) return undefined;
    for (const flag of ["trace-format", "trace-from", "trace-to", "trace-every", "trace-pe"]) {
      if (argv[flag] !== undefined) throw new UserInputError(`--${flag} needs --trace FILE`, { field: `--${flag}` });
    }
    return undefined;
  }
  if (path !== given) mkdirSync("traces", { recursive: true });
  if (peText !== undefined && mode !== "detailed") {
    throw new UserInputError("PE traces need the register model: add --mode detailed", { field: "--trace-pe" });
  }
  return createTraceSink({
    path,
    format: argv["trace-format"] as string | undefined,
    from: argv["trace-from"] as number | undefined,
    to: argv["trace-to"] as number | undefined,
    every: argv["trace-every"] as number | undefined,
    pe: peText === undefined ? undefined : parsePeRegion(peText),
    vcdDate: argv["trace-date"] as string | undefined,
  });
}

/** Run `body` with the sink; commit it on success, remove its temp file on failure. */
export async function withSink<R>(sink: AbortableTraceSink | undefined, body: () => Promise<R>): Promise<R> {
  try {
    const result = await body();
    if (sink) await sink.close();
    return result;
  } catch (err) {
    if (sink) await sink.abort().catch(() => undefined);
    throw err;
  }
}

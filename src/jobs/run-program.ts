/** `tpusim run`: one program on one machine, with statistics and an optional trace. */
import type { HwConfig } from "../config/hw-config.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import type { Program } from "../isa/program.js";
import { Simulator, type SimMode } from "../sim/controller.js";
import type { TraceSink } from "../sim/trace.js";
import { driveToHalt, type StopFlag } from "./drive.js";
import { CaptureSink } from "../io/report/capture-sink.js";
import type { ArrayRegion, ArrayView, Timeline } from "../io/report/views.js";

/** What a report of the run shows: always a timeline; the PE registers of a region in detailed mode. */
export interface RunViews {
  array?: { region: ArrayRegion; from: number; to: number };
}
import type { MemoryContents } from "./memory-dump.js";

export interface RunProgramOptions {
  program: Program;
  hw: HwConfig;
  mode: SimMode;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  /** Record views for a report (see RunViews). */
  views?: RunViews;
}

export interface RunProgramResult {
  mode: SimMode;
  hardware: HwConfig;
  stats: HardwareSummary;
  /** Host memory after the run (for callers that read results). */
  host: Float64Array;
  /** With `views`: the run's timeline and, in detailed mode with a region, the array's registers. */
  timeline: Timeline | null;
  arrayView: ArrayView | null;
  /** Every memory after the run (run --dump). */
  memory: MemoryContents;
}

export async function runProgram(opts: RunProgramOptions): Promise<RunProgramResult> {
  const sim = new Simulator(opts.hw, { mode: opts.mode });
  sim.load(opts.program);
  const { hw, views } = opts;
  const array = views?.array && opts.mode === "detailed" ? { ...views.array, arrayRows: hw.rows, arrayCols: hw.cols, dtype: hw.dtype } : undefined;
  const capture = views ? new CaptureSink({ timeline: { from: sim.now }, array, forward: opts.sink }) : null;
  await driveToHalt(sim, { sink: capture ?? opts.sink, maxCycles: opts.maxCycles, stop: opts.stop });
  return {
    mode: opts.mode,
    hardware: hw,
    stats: summarizeHardware(sim.stats, hw),
    host: sim.dp.host,
    timeline: capture?.timeline("the whole run", sim.now) ?? null,
    arrayView: capture?.arrayView(sim.now) ?? null,
    memory: { ub: sim.dp.ub, acc: sim.dp.acc.data, host: sim.dp.host, wm: sim.dp.wm },
  };
}

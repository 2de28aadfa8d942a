/** `tpusim run`: one program on one machine, with statistics and an optional trace. */
import type { HwConfig } from "../config/hw-config.js";
import type { Program } from "../isa/program.js";
import { Simulator, type SimMode } from "../sim/controller.js";
import { summarize, type RunSummary } from "../sim/stats.js";
import type { TraceSink } from "../sim/trace.js";
import { driveToHalt, type StopFlag } from "./drive.js";
import type { MemoryContents } from "./memory-dump.js";

export interface RunProgramOptions {
  program: Program;
  hw: HwConfig;
  mode: SimMode;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
}

export interface RunProgramResult {
  mode: SimMode;
  hardware: HwConfig;
  stats: RunSummary;
  /** Host memory after the run (for callers that read results). */
  host: Float64Array;
  /** Every memory after the run (run --dump). */
  memory: MemoryContents;
}

export async function runProgram(opts: RunProgramOptions): Promise<RunProgramResult> {
  const sim = new Simulator(opts.hw, { mode: opts.mode });
  sim.load(opts.program);
  await driveToHalt(sim, { sink: opts.sink, maxCycles: opts.maxCycles, stop: opts.stop });
  const dp = sim.dp;
  return { mode: opts.mode, hardware: opts.hw, stats: summarize(sim.stats, opts.hw), host: dp.host, memory: { ub: dp.ub, acc: dp.acc.data, host: dp.host, wm: dp.wm } };
}

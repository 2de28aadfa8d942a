/** `tpusim run`: one program on one machine, with statistics and an optional trace. */
import type { HwConfig } from "../config/hw-config.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import type { Program } from "../isa/program.js";
import { Simulator, type SimMode } from "../sim/controller.js";
import type { TraceSink } from "../sim/trace.js";
import { driveToHalt, type StopFlag } from "./drive.js";

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
  stats: HardwareSummary;
  /** Host memory after the run (for callers that read results). */
  host: Float64Array;
}

export async function runProgram(opts: RunProgramOptions): Promise<RunProgramResult> {
  const sim = new Simulator(opts.hw, { mode: opts.mode });
  sim.load(opts.program);
  await driveToHalt(sim, { sink: opts.sink, maxCycles: opts.maxCycles, stop: opts.stop });
  return { mode: opts.mode, hardware: opts.hw, stats: summarizeHardware(sim.stats, opts.hw), host: sim.dp.host };
}

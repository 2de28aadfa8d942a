/**
 * Runs a loaded simulator to HALT in slices, so that trace sinks can be flushed with backpressure
 * and Ctrl-C can stop the run between slices. The simulator itself stays synchronous.
 */
import type { Simulator } from "../sim/controller.js";
import type { TraceSink } from "../sim/trace.js";

/** Set by the CLI's SIGINT handler; jobs stop at the next slice or batch boundary. */
export interface StopFlag {
  stopped: boolean;
}

export class StopRequested extends Error {}

export interface DriveOptions {
  sink?: TraceSink;
  maxCycles?: number;
  stop?: StopFlag;
  sliceCycles?: number;
}

export async function driveToHalt(sim: Simulator, opts: DriveOptions = {}): Promise<void> {
  const slice = opts.sliceCycles ?? 200_000;
  for (;;) {
    const halted = sim.run({ sink: opts.sink, maxCycles: opts.maxCycles, sliceCycles: slice });
    if (opts.sink?.needsFlush) await opts.sink.flush();
    if (halted) return;
    if (opts.stop?.stopped) throw new StopRequested();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

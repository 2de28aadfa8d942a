/**
 * Mutation gaps in sim/trace-runs.ts (docs/mutation/trace-runs.md): a sliced fast run into a sink
 * that asks to be flushed returns after one stretch of rows, also inside an interval without events.
 */
import { describe, expect, it } from "vitest";
import type { Program } from "../../src/isa/program.js";
import { Simulator } from "../../src/sim/controller.js";
import type { TraceRow } from "../../src/sim/trace.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith } from "../helpers/timing.js";

/** A recording sink that always asks to be flushed, and counts the runs handed to it. */
class FullSink extends RecordingSink {
  calls = 0;
  constructor() {
    super();
    // RecordingSink's field says false; this sink's buffer is always full.
    Object.defineProperty(this, "needsFlush", { value: true });
  }
  override cycle(row: Readonly<TraceRow>, count: number): void {
    this.calls++;
    super.cycle(row, count);
  }
}

/** Run `prog` detailed (the reference rows) and fast in slices into a full sink; the sink's calls per slice. */
function slicedIntoFullSink(prog: Program, links: Record<string, number>): number[] {
  const hw = hwWith(2, 2, links);
  const whole = new Simulator(hw, { mode: "detailed" });
  const ref = new RecordingSink();
  whole.load(prog);
  expect(whole.run({ sink: ref, maxCycles: 10_000 })).toBe(true);
  const sim = new Simulator(hw, { mode: "fast" });
  const sink = new FullSink();
  expect(sink.needsFlush).toBe(true);
  sim.load(prog);
  const perSlice: number[] = [];
  for (let i = 0; i < 100; i++) {
    const before = sink.calls;
    const halted = sim.run({ sink, sliceCycles: 1_000, maxCycles: 10_000 });
    perSlice.push(sink.calls - before);
    if (halted) break;
  }
  expect(sink.rows).toEqual(ref.rows);
  expect(sim.now).toBe(whole.now);
  return perSlice;
}

describe("a sliced traced fast run into a full sink", () => {
  it("returns after the stepped cycle and one stretch, where a host read's per-cycle counts change every cycle", () => {
    // 3 host bytes a cycle into 2-byte bf16 elements: 1 or 2 whole elements land per cycle, so the
    // row changes every cycle, with no event in between (RHM of 8 x 2 values: 32 bytes, 11 cycles).
    const perSlice = slicedIntoFullSink(program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 8, cols: 2 }), ins("HALT")]), { hostBytesPerCycle: 3 });
    // Each slice: one stepped cycle, then at most one stretch before it returns to be flushed.
    expect(Math.max(...perSlice)).toBeLessThanOrEqual(2);
    expect(perSlice.length).toBeGreaterThan(4);
  });

  it("returns after a stretch that ends in a completion, though another unit still works", () => {
    // An RHM (16 bytes at 2 a cycle: one whole bf16 element a cycle, steady) completes while an RDW
    // (a 2 x 2 tile of fp32 masters at 1 byte a cycle) goes on: the slice that reaches the RHM's
    // completion must return there to be flushed, not run on through the RDW's stretch.
    const rhmBesideRdw = program([
      ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 4, cols: 2 }),
      ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
      ins("HALT"),
    ]);
    const perSlice = slicedIntoFullSink(rhmBesideRdw, { hostBytesPerCycle: 2, weightBytesPerCycle: 1 });
    // Each slice: one stepped cycle, at most one stretch, and the row of the completion ending it.
    expect(Math.max(...perSlice)).toBe(3);
    expect(perSlice.length).toBeGreaterThan(3);
  });
});

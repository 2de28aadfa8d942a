/**
 * Mutation gaps in sim/trace-runs.ts lines 100-208 (docs/mutation/trace-runs-2.md): a traced fast
 * run cuts its runs of rows wherever the matrix unit's per-cycle counts may change (a pass's
 * wavefront filling and draining: vectors read, psum reads, result writes, MACs). Detailed mode,
 * which steps every cycle, is the reference; the shapes put every ramp boundary of timing.ts
 * (min(B, C), max(B, C), x + y - 1, z of the sizes (B, tile rows, tile cols)) at a different cycle.
 */
import { describe, expect, it } from "vitest";
import { assemble } from "../../src/isa/assembler.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator } from "../../src/sim/controller.js";
import { RecordingSink } from "../helpers/programs.js";
import { hwWith, runBoth } from "../helpers/timing.js";

/** B vectors through a tr x tc tile on an R x C grid, then (optionally) a second, accumulating pass. */
function passes(tr: number, tc: number, B: number, second: boolean, accumulate: boolean): Program {
  const x = Array.from({ length: B * tr }, (_, i) => (i % 5) + 1).join(", ");
  const w = Array.from({ length: tr * tc }, (_, i) => (i % 3) + 1).join(", ");
  return assemble(`
.host 0
X:  .f32 ${x}
.weights 0
W:  .f32 ${w}
.text
    RHM  host=X hstride=${tr} ub=0 ustride=${tr} rows=${B} cols=${tr}
    RDW  wm=W wstride=${tc} rows=${tr} cols=${tc}
    ${second ? `RDW  wm=W wstride=${tc} rows=${tr} cols=${tc}` : "NOP"}
    MMUL ub=0 ustride=${tr} rows=${B} cols=${tr} acc=0 switch${accumulate ? " accumulate" : ""}
    ${second ? `MMUL ub=0 ustride=${tr} rows=${B} cols=${tr} acc=${B + 2} switch accumulate` : "NOP"}
    HALT
`);
}

describe("traced fast runs cut at the matrix unit's ramps", () => {
  // (rows, cols, tile rows, tile cols, vectors): B below, equal to and above the grid's sides.
  const shapes: [number, number, number, number, number][] = [
    [3, 4, 3, 4, 1], [3, 4, 3, 4, 2], [3, 4, 3, 4, 4], [3, 4, 3, 4, 7], [3, 4, 2, 3, 5], [3, 4, 1, 2, 6],
    [4, 2, 4, 2, 3], [4, 2, 3, 1, 9], [5, 5, 2, 5, 3], [2, 6, 2, 4, 11],
  ];
  for (const [R, C, tr, tc, B] of shapes) {
    it(`${R}x${C} grid, ${tr}x${tc} tile, ${B} vectors: every row as detailed mode, one pass and two overlapping`, () => {
      const hw = hwWith(R, C, { hostBytesPerCycle: 64, weightBytesPerCycle: 64 });
      for (const [second, accumulate] of [[false, false], [false, true], [true, false]] as const) {
        const { sim, sink } = runBoth(hw, passes(tr, tc, B, second, accumulate));
        expect(sim.stats.macs).toBe((second ? 2 : 1) * B * tr * tc);
        // Not vacuous: some cycle does MACs, but fewer than the full tile (a ramp).
        const macs = sink.rows.map((r) => r.macs);
        expect(macs.some((n) => n > 0 && n < tr * tc)).toBe(true);
      }
    });
  }

  it("a windowed, sampled, sliced traced fast run gives detailed mode's rows of the window", () => {
    const hw = hwWith(3, 4, { hostBytesPerCycle: 64, weightBytesPerCycle: 64 });
    const prog = passes(2, 3, 7, true, false);
    const d = new Simulator(hw, { mode: "detailed" });
    const ref = new RecordingSink();
    d.load(prog);
    expect(d.run({ sink: ref, maxCycles: 10_000 })).toBe(true);
    for (const [from, to, every, slice] of [[3, 20, 1, 5], [5, 30, 2, 3], [8, 16, 3, 7]]) {
      const f = new Simulator(hw, { mode: "fast" });
      const sink = new RecordingSink(from, to, undefined, every);
      f.load(prog);
      while (!f.run({ sink, sliceCycles: slice, maxCycles: 10_000 }));
      expect(sink.rows).toEqual(ref.rows.filter((r) => r.cycle >= from && r.cycle <= to && (r.cycle - from) % every === 0));
      expect(f.stats).toEqual(d.stats);
    }
  });
});

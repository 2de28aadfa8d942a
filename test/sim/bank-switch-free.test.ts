/**
 * docs/ARCHITECTURE.md "Weight shift": a bank an MMUL switches away from at cycle t is free from
 * t + 1 (the shift decision precedes the issue in a cycle). With C = 1 this, not the bank-clear rule
 * s >= tl + C - 1, sets when the next-but-one tile may shift: the reconciliation with the naive model
 * corrected the "no bubble" sentence for C = 1. Cycles hand-derived, both modes.
 */
import { describe, expect, it } from "vitest";
import { ins, program } from "../helpers/programs.js";
import { causes, hwWith, ints, runBoth } from "../helpers/timing.js";

describe("a bank switched away from at t takes a new shift from t + 1", () => {
  it("R = 2, C = 1: the third tile shifts at t1 + 1, one cycle after the bank cleared the array", () => {
    const R = 2;
    const C = 1;
    const hw = hwWith(R, C, { weightBytesPerCycle: 64, weightFifoTiles: 4 });
    const rdw = (wm: number) => ins("RDW", { wm, wstride: 1, rows: R, cols: C });
    const mmul = (rows: number) => ins("MMUL", { ub: 0, ustride: 1, rows, cols: R, acc: 0, switch: 1 });
    const prog = program([rdw(0), rdw(2), rdw(4), mmul(2), mmul(1), mmul(1), ins("HALT")], [
      { memory: "weights", address: 0, values: ints(6, 1) },
    ]);
    const { sim, sink } = runBoth(hw, prog);
    // RDWs issue at 0, 1, 2 (tc = t0). Tile 0 shifts 1..2 into bank 0, ready at 2; tile 1 shifts 3..4
    // into bank 1, ready at 4.
    const p0 = 3; // the head after three loads; bank 0 ready since 2
    const B0 = 2;
    const tl0 = p0 + B0; // bank 0's last vector read at tl0 - 1
    const p1 = Math.max(p0 + B0, 4); // matrix free and bank 1 ready: 5
    expect(sink.life(3).issue).toBe(p0);
    expect(sink.life(4).issue).toBe(p1);
    // Bank 0 clears the array from tl0 + C - 1 = 5 but is switched away from at p1 = 5: free from 6.
    const s2 = Math.max(tl0 + C - 1, p1 + 1);
    const p2 = s2 + R - 1; // bank ready at s + R - 1 (the matrix unit is free from p1 + 1 = 6)
    expect(s2).toBe(6);
    expect(sink.life(5).issue).toBe(p2);
    expect(causes(sink)[p1 + 1]).toBe("weight_shift");
    // Last pass: tc = t0 + B + R + C - 1; HALT the cycle after.
    expect(sim.stats.cycles).toBe(p2 + 1 + R + C - 1 + 1 + 1);
  });
});

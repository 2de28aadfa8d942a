/**
 * Regression (found by the naive-model comparison, test/sim/naive-chip.test.ts): HALT and SYNC issued
 * while the weight shifter was still shifting a tile, because the controller waited only for
 * in-flight instructions. docs/ARCHITECTURE.md "Controller": SYNC (and HALT likewise) issues when
 * every unit is idle and nothing is in flight; the weight shifter is a unit ("Units and shared
 * resources"). Cycles hand-derived, both modes.
 */
import { describe, expect, it } from "vitest";
import { ins, program } from "../helpers/programs.js";
import { causes, hwWith, ints, runBoth, seq } from "../helpers/timing.js";

describe("regression: HALT and SYNC wait for the weight shifter", () => {
  // R = 4, C = 2, W = 64: RDW of a 4 x 2 bf16 tile (16 bytes) completes at tc = 0; the tile is ready
  // at the end of 0 and the shift starts on its own at s = 1, steps 1 .. s + R - 1 = 4.
  const R = 4;
  const C = 2;
  const hw = hwWith(R, C, { weightBytesPerCycle: 64 });
  const rdw = ins("RDW", { wm: 0, wstride: C, rows: R, cols: C });
  const data = [{ memory: "weights" as const, address: 0, values: ints(R * C, 3) }];
  const shiftEnd = 1 + R - 1;

  it("HALT issues the cycle after the shift's last step, and the run counts the whole shift", () => {
    const { sim, sink } = runBoth(hw, program([rdw, ins("HALT")], data));
    // Before the fix HALT issued at 1 (cycles = 2).
    expect(sim.stats.cycles).toBe(shiftEnd + 1 + 1);
    // Cycle 0: RDW issuing (weight_load); 1 .. 4: HALT waits for the machine to empty; 5: HALT issues.
    expect(causes(sink)).toEqual(["weight_load", ...seq<string>(["drain", R]), "drain"]);
    expect(sim.stats.ops.tilesShifted).toBe(1);
    expect(sim.stats.ops.weightRegisterWrites).toBe((C * R * (R + 1)) / 2);
    expect(sim.stats.bytes.weightFifoRead).toBe(R * C * 2);
    expect(sink.rows.map((r) => r.fifoTiles)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it("SYNC waits for the shift too; the HALT behind it issues the cycle after", () => {
    const { sim, sink } = runBoth(hw, program([rdw, ins("SYNC"), ins("HALT")], data));
    expect(sink.rows.map((r) => r.headPc)).toEqual([0, 1, 1, 1, 1, 1, 2]);
    expect(sim.stats.cycles).toBe(shiftEnd + 1 + 2);
  });
});

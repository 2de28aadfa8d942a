/**
 * Detailed mode without a trace (docs/MUTATION.md, `hw/systolic-array.ts` 126). Untraced, detailed
 * mode clocks stretches in which only the matrix unit works in a tight loop (TpuDatapath
 * .clockMatrixOnly), which steps neither the shifter's counters nor the FIFO; `SystolicArray.busy`
 * (shifting, or a shift commanded) is what keeps a shift out of that loop. Every other timing test
 * runs traced, where the loop is off, so a `busy` that missed a shift into bank 0 made an untraced
 * "RDW; HALT" run forever and no test noticed. Cycles hand-derived from docs/ARCHITECTURE.md
 * ("Weight loader", "Weight shift", "Controller": HALT waits for the shifter), as in
 * test/sim/halt-waits-for-shifter.test.ts, here untraced in both modes.
 */
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/sim/controller.js";
import type { Program } from "../../src/isa/program.js";
import { ins, program } from "../helpers/programs.js";
import { hwWith, ints } from "../helpers/timing.js";

// R = 4, C = 2, W = 64: the RDW of a 4 x 2 bf16 tile (16 bytes) completes at 0, the shift starts on
// its own at s = 1 (into bank 0: both banks free) and steps 1 .. s + R - 1 = 4.
const R = 4;
const C = 2;
const hw = hwWith(R, C, { weightBytesPerCycle: 64 });
const rdw = ins("RDW", { wm: 0, wstride: C, rows: R, cols: C });
const data = [{ memory: "weights" as const, address: 0, values: ints(R * C, 3) }];
const shiftEnd = 1 + R - 1;

function runUntraced(prog: Program, mode: "detailed" | "fast"): Simulator {
  const sim = new Simulator(hw, { mode });
  sim.load(prog);
  // A run that never halts fails fast (the watchdog throws).
  expect(sim.run({ maxCycles: 1000 })).toBe(true);
  return sim;
}

describe.each(["detailed", "fast"] as const)("untraced %s mode: a shift into bank 0 with nothing else to do", (mode) => {
  it("RDW; HALT: HALT issues the cycle after the last step, and the shift is counted whole", () => {
    const s = runUntraced(program([rdw, ins("HALT")], data), mode).stats;
    // Cycles 0 .. shiftEnd + 1, HALT issuing in the last.
    expect(s.cycles).toBe(shiftEnd + 2);
    // Cycle 0: RDW issuing (weight_load); 1 .. 5: HALT waiting for the machine to empty, then issuing.
    expect(s.stalls.weight_load).toBe(1);
    expect(s.stalls.drain).toBe(R + 1);
    expect(s.ops.tilesShifted).toBe(1);
    // Step k writes k + 1 rows of C registers: C (1 + 2 + ... + R).
    expect(s.ops.weightRegisterWrites).toBe((C * R * (R + 1)) / 2);
    expect(s.bytes.weightFifoRead).toBe(R * C * 2);
  });

  it("RDW; SYNC; HALT: SYNC waits for the shift, HALT issues the cycle after it", () => {
    const s = runUntraced(program([rdw, ins("SYNC"), ins("HALT")], data), mode).stats;
    expect(s.cycles).toBe(shiftEnd + 3);
    expect(s.ops.tilesShifted).toBe(1);
    expect(s.ops.weightRegisterWrites).toBe((C * R * (R + 1)) / 2);
  });
});

import { describe, expect, it } from "vitest";
import { compileTrainingStep } from "../../src/compiler/index.js";
import { hoistLoads, sinkUpdates } from "../../src/compiler/schedule.js";
import { checkProgram } from "../../src/compiler/verify-program.js";
import { makeInstruction as I } from "../../src/isa/opcodes.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { grid, makeSpec } from "./harness.js";

const rdw = (wm: number) => I("RDW", { wm, wstride: 2, rows: 2, cols: 2 });
const mmul = (acc: number) => I("MMUL", { ub: 0, ustride: 2, rows: 2, cols: 2, acc, switch: 1 });
const names = (p: readonly Instruction[]) =>
  p.map((i) => (i.op === "RDW" ? `L${i.f.wm}` : i.op === "RDWU" ? `U${i.f.ub}` : i.op === "MMUL" ? `M${i.f.acc}` : i.op === "VSGD" ? `S${i.f.acc}` : i.op));
const sgd = (acc: number) => I("VSGD", { wm: 100 + acc, wstride: 2, acc, rows: 2, cols: 2 });

describe("schedule", () => {
  it("hoists loads to the start, in load order, at most weightFifoTiles ahead of their switches", () => {
    const flat = [I("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 })];
    for (let t = 0; t < 5; t++) flat.push(rdw(t * 10), mmul(t));
    flat.push(I("HALT"));
    expect(names(hoistLoads(flat, 2))).toEqual(["L0", "L10", "RHM", "M0", "L20", "M1", "L30", "M2", "L40", "M3", "M4", "HALT"]);
    expect(names(hoistLoads(flat, 1))).toEqual(["L0", "RHM", "M0", "L10", "M1", "L20", "M2", "L30", "M3", "L40", "M4", "HALT"]);
  });

  it("never hoists a load above an instruction writing what it reads", () => {
    const act = I("ACT", { acc: 0, rows: 2, cols: 2, ub: 100, ustride: 2 });
    const sgd = I("VSGD", { wm: 40, wstride: 2, acc: 0, rows: 2, cols: 2 });
    const rdwu = I("RDWU", { ub: 102, ustride: 2, rows: 1, cols: 2 });
    const flat = [mmul(0), act, rdwu, mmul(1), sgd, rdw(40), mmul(2), rdw(0), mmul(3), I("HALT")];
    // RDWU waits for the ACT producing its rows; RDW of M at 40 waits for the VSGD updating it; the load
    // after it keeps load order. The very first MMUL has no tile: hoistLoads does not invent one.
    expect(names(hoistLoads(flat, 4))).toEqual(["M0", "ACT", "U102", "M1", "S0", "L40", "L0", "M2", "M3", "HALT"]);
  });

  it("moves a VSGD down past passes until its gradient pass has completed", () => {
    // 4x4, 2-vector passes: each at least max(2, (2+4+4)/2) = 5 cycles apart; the producer needs
    // R + C - 1 = 7 more cycles after the next pass issues: two passes (10 >= 7), not one (5).
    const flat = [mmul(0), sgd(0), rdw(0), mmul(10), mmul(20), mmul(30), I("HALT")];
    expect(names(sinkUpdates(flat, 4, 4))).toEqual(["M0", "L0", "M10", "M20", "S0", "M30", "HALT"]);
    // Already two passes after its producer: it stays.
    expect(names(sinkUpdates([mmul(0), mmul(10), mmul(20), sgd(0), mmul(30)], 4, 4))).toEqual(["M0", "M10", "M20", "S0", "M30"]);
    // A pass writing the rows it reads (acc 1 overlaps 0..1), or another unit's instruction, stops it.
    expect(names(sinkUpdates([mmul(0), sgd(0), mmul(1), mmul(20)], 4, 4))).toEqual(["M0", "S0", "M1", "M20"]);
    const act = I("ACT", { acc: 40, rows: 2, cols: 2, ub: 100, ustride: 2 });
    expect(names(sinkUpdates([mmul(0), sgd(0), mmul(10), act, mmul(20)], 4, 4))).toEqual(["M0", "M10", "S0", "ACT", "M20"]);
    // A VSGD never passes another (the vector unit's order): S0 (one pass after M0) stays before S2,
    // which then moves past two passes.
    expect(names(sinkUpdates([mmul(0), mmul(2), sgd(0), sgd(2), mmul(10), mmul(20), mmul(30)], 4, 4))).toEqual(["M0", "M2", "S0", "M10", "M20", "S2", "M30"]);
  });

  it("compiled programs keep the FIFO protocol and put a load before every switch", () => {
    for (const fifo of [1, 2, 4]) {
      const hw = grid(3, 2, { weightFifoTiles: fifo });
      const c = compileTrainingStep(makeSpec(7, [[5, "sigmoid"], [3, "relu"]], 4), hw);
      expect(checkProgram(c.program.instructions, hw, c.host.elements)).toEqual([]);
      // Prefetch happened: some load sits more than one instruction before its MMUL.
      const p = c.program.instructions;
      expect(p.findIndex((i) => i.op === "RDW")).toBe(0);
      expect(p.slice(0, fifo).every((i) => i.op === "RDW")).toBe(true);
    }
  });
});

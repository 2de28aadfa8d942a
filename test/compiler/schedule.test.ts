import { describe, expect, it } from "vitest";
import { compileTrainingStep } from "../../src/compiler/index.js";
import { hoistLoads } from "../../src/compiler/schedule.js";
import { placeUpdates } from "../../src/compiler/schedule-updates.js";
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

  it("places each VSGD by estimated issue: after the passes that can issue before its gradient is done", () => {
    // grid(4, 4): W = 16 B/cycle, 4 lanes, bf16. A 2-vector switching pass keeps the matrix unit
    // max(2, ceil((2+4+4-2)/2)) = 4 cycles and completes t0 + 2+4+4 - 1 = t0 + 9. M0 issues at 0,
    // so S0 could issue at 10; M10 (at 4) and M20 (at 8) come first, M30 (at 12) after S0.
    const hw = grid(4, 4);
    expect(names(placeUpdates([mmul(0), sgd(0), rdw(0), mmul(10), mmul(20), mmul(30), I("HALT")], hw))).toEqual(["M0", "L0", "M10", "M20", "S0", "M30", "HALT"]);
    // A 2x16 VSGD moves 320 bytes: 20 cycles. S0 issues at 10 and holds the vector unit to 30, so
    // S2 (gradient M2 at 4, done 13) waits for it: M20 .. M50 (12, 16, 20, 24) go first, and S2
    // must precede HALT.
    const big = (acc: number) => I("VSGD", { wm: 100 * (acc + 1), wstride: 16, acc, rows: 2, cols: 16 });
    const flat = [mmul(0), mmul(2), big(0), big(2), mmul(10), mmul(20), mmul(30), mmul(40), mmul(50), I("HALT")];
    expect(names(placeUpdates(flat, hw))).toEqual(["M0", "M2", "M10", "S0", "M20", "M30", "M40", "M50", "S2", "HALT"]);
  });

  it("never moves a VSGD past what conflicts with it, a vector-unit instruction, or another VSGD", () => {
    const hw = grid(4, 4);
    // The RDW reads the weights S0 updates: S0 goes before it although its gradient is not done.
    const load = I("RDW", { wm: 100, wstride: 2, rows: 2, cols: 2 });
    expect(names(placeUpdates([mmul(0), sgd(0), mmul(10), load, mmul(20), I("HALT")], hw))).toEqual(["M0", "M10", "S0", "L100", "M20", "HALT"]);
    // A pass writing the rows S0 reads (acc 1 overlaps 0..1) must come after it.
    expect(names(placeUpdates([mmul(0), sgd(0), mmul(1), mmul(20)], hw))).toEqual(["M0", "S0", "M1", "M20"]);
    // VTR runs on the vector unit: S0 stays in front of it.
    const vtr = I("VTR", { src: 200, sstride: 2, rows: 2, cols: 2, dst: 300, dstride: 2 });
    expect(names(placeUpdates([mmul(0), sgd(0), mmul(10), vtr, mmul(20)], hw))).toEqual(["M0", "M10", "S0", "VTR", "M20"]);
    // S0's gradient (M0, done 9) is ready before S2's (M2 at 4, done 13), but S2 comes first in the
    // program and VSGDs keep their order: S2 at 14 (3 cycles), then S0 waits for the vector unit
    // (17) behind M30 (16).
    expect(names(placeUpdates([mmul(0), mmul(2), sgd(2), sgd(0), mmul(10), mmul(20), mmul(30)], hw))).toEqual(["M0", "M2", "M10", "M20", "S2", "M30", "S0"]);
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

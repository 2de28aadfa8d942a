/**
 * Boundaries of the timing rules and of the arbitration that mutation testing showed no other test
 * pins down (docs/MUTATION.md). Cycles derived here by hand from docs/ARCHITECTURE.md: a transfer
 * issued at t moving n bytes over a link of width w is busy in t .. t + ceil(n / w) - 1 and completes
 * in its last cycle; a vector step (Lv = 0) reads and writes in the cycle it is granted; an
 * accumulating MMUL over rows overlapping a pass issued at t0 from accumulator row acc waits for
 * t0 + R + 1 + (acc' - acc), and one over disjoint rows only for the matrix unit.
 */
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { causes, hwWith, ints, matmulRow, runBoth, seq, states } from "../helpers/timing.js";

const DMA = 0;
const WEIGHTS = 1;
const VECTOR = 4;

describe("a unit that asks nothing of a resource is never refused by it", () => {
  it("an RDW that takes the whole weight-memory channel does not stall a VEC or an RHM behind it", () => {
    // bf16 (2 bytes per element), W = 2 bytes/cycle: the 2 x 2 tile is 8 bytes, 4 cycles (0..3), and
    // the loader leaves nothing on the channel in any of them. The VEC copy (issued at 1, 2 rows of
    // 2 lanes) steps at 1 and 2; the RHM (issued at 2, 2 x 2 = 8 bytes at H = 4) moves at 2 and 3.
    const hw = hwWith(2, 2, { weightBytesPerCycle: 2, hostBytesPerCycle: 4, vectorLatency: 0, vectorLanes: 2 });
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
        ins("VEC", { fn: "copy", dst: 40, dstride: 2, a: 20, astride: 2, b: 20, bstride: 2, rows: 2, cols: 2 }),
        ins("RHM", { host: 0, hstride: 2, ub: 60, ustride: 2, rows: 2, cols: 2 }),
        ins("HALT"),
      ],
      [
        { memory: "weights", address: 0, values: ints(4, 1) },
        { memory: "host", address: 0, values: ints(4, 5) },
      ],
    );
    const rdw = Math.ceil((2 * 2 * 2) / 2); // 4 cycles
    const rhm = Math.ceil((2 * 2 * 2) / 4); // 2 cycles
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: rdw - 1 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: 2 });
    expect(sink.life(2)).toEqual({ issue: 2, complete: 2 + rhm - 1 });
    expect(sink.rows.map((r) => r.weightReadBytes).slice(0, rdw)).toEqual(seq([2, rdw]));
    expect(states(sink, WEIGHTS).slice(0, rdw)).toEqual(seq(["busy", rdw]));
    expect(states(sink, VECTOR).slice(1, 3)).toEqual(seq(["busy", 2]));
    expect(states(sink, DMA).slice(2, 4)).toEqual(seq(["busy", 2]));
    expect(sim.stats.resourceStalls.weightMemory).toBe(0);
    expect(sim.stats.unitStalledCycles.vector).toBe(0);
    expect(sim.stats.unitStalledCycles.dma).toBe(0);
  });
});

describe("the accumulator rule's row ranges are half-open", () => {
  // R = 4, C = 2, one vector per pass, the same tile (no switch on the second pass). Pass 1 at
  // accumulator row a1 issues at t1 (after the RHM); the matrix unit is free again at t1 + 1.
  const R = 4;
  const C = 2;
  function run(a1: number, a2: number) {
    const hw = hwWith(R, C, { hostBytesPerCycle: 1, weightBytesPerCycle: 64 });
    const x = ints(2 * R, 3);
    const w = ints(R * C, 5);
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
        ins("RHM", { host: 0, hstride: R, ub: 0, ustride: R, rows: 2, cols: R }),
        ins("MMUL", { ub: 0, ustride: R, rows: 1, cols: R, acc: a1, switch: 1 }),
        ins("MMUL", { ub: R, ustride: R, rows: 1, cols: R, acc: a2, accumulate: 1 }),
        ins("HALT"),
      ],
      [
        { memory: "host", address: 0, values: x },
        { memory: "weights", address: 0, values: w },
      ],
    );
    const { sim, sink } = runBoth(hw, prog);
    const row = (a: number) => Array.from(sim.dp.acc.data.subarray(a * C, a * C + C));
    return { t1: sink.life(2).issue, t2: sink.life(3).issue, row, x, w };
  }

  it("a pass just above the previous one (rows [0, 1) after [1, 2)) waits only for the matrix unit", () => {
    const { t1, t2, row, x, w } = run(1, 0);
    // Overlap would mean t1 + R + 1 + (0 - 1) = t1 + 4; disjoint rows need only t1 + B = t1 + 1.
    expect(t2).toBe(t1 + 1);
    expect(row(1)).toEqual(matmulRow(x, 0, R, w, C, 0));
    expect(row(0)).toEqual(matmulRow(x, 1, R, w, C, 0));
  });

  it("the same row waits for t1 + R + 1 and adds onto the first result", () => {
    const { t1, t2, row, x, w } = run(1, 1);
    expect(t2).toBe(t1 + R + 1);
    const first = matmulRow(x, 0, R, w, C, 0);
    expect(row(1)).toEqual(matmulRow(x, 1, R, w, C, 0).map((v, c) => v + first[c]));
  });
});

describe("the scoreboard names the unit it waits for", () => {
  it("a VSGD that writes the weights an RDW is still reading waits, charged to weight_load", () => {
    // bf16, W = 2 bytes/cycle: the RDW moves 2 x 2 x 2 = 8 bytes in cycles 0..3. The VSGD (issued
    // after the RDW completes, at 4) moves 4 + 4 + 2 = 10 bytes per weight, 20 bytes: cycles 4..13.
    const hw = hwWith(2, 2, { weightBytesPerCycle: 2, vectorLanes: 2 });
    const prog = program([
      ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
      ins("VSGD", { wm: 0, wstride: 2, acc: 0, rows: 1, cols: 2, lr: 0.5 }),
      ins("HALT"),
    ]);
    const { sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 3 });
    expect(sink.life(1)).toEqual({ issue: 4, complete: 4 + 20 / 2 - 1 });
    expect(causes(sink).slice(0, 5)).toEqual(seq(["weight_load", 4], ["non_matrix", 1]));
  });
});

describe("an instruction with nothing to wait for", () => {
  const faultIn = (prog: ReturnType<typeof program>, mode: SimMode, hw = hwWith(2, 2, { hostBytesPerCycle: 2 })) => {
    const sim = new Simulator(hw, { mode });
    const sink = new RecordingSink();
    sim.load(prog);
    try {
      sim.run({ maxCycles: 10_000, sink });
    } catch (e) {
      expect(e).toBeInstanceOf(RuntimeFault);
      return { fault: e as RuntimeFault, sink };
    }
    throw new Error(`${mode}: expected a RuntimeFault`);
  };

  it.each(["detailed", "fast"] as const)("%s: an MMUL without `switch` and no active tile faults when it reaches the head, not after the RHM it reads", (mode) => {
    // The RHM moves 4 x 2 = 8 bytes at 2 per cycle (cycles 0..3); the MMUL reads what it writes, but
    // with no tile it can never run: it is issued (and faults, "raised at issue") at 1.
    const prog = program([
      ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }),
      ins("MMUL", { ub: 0, ustride: 2, rows: 2, cols: 2, acc: 0 }),
      ins("HALT"),
    ]);
    const { fault } = faultIn(prog, mode);
    expect([fault.cycle, fault.instruction.slice(0, 7)]).toEqual([1, "pc 1: M"]);
    expect(fault.detail).toMatch(/no active weight tile/);
  });

  it.each(["detailed", "fast"] as const)("%s: with no instruction left the cycles are charged to drain", (mode) => {
    // The RHM moves 8 bytes at 2 per cycle (0..3), the NOP issues at 1; at 2 and 3 nothing is left to
    // issue (drain), and at 4 the run faults: no HALT.
    const prog = program([ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }), ins("NOP")]);
    const { fault, sink } = faultIn(prog, mode);
    expect(fault.detail).toMatch(/without HALT/);
    expect(fault.cycle).toBe(4);
    expect(causes(sink).slice(0, 4)).toEqual(["host_transfer", "non_matrix", "drain", "drain"]);
  });

  it("a run that ends without HALT charges the same stall cycles traced or not, in both modes", () => {
    // Cycles 0..4 as above: host_transfer at 0, non_matrix at 1 (the NOP issues), drain at 2, 3
    // and 4 (the faulting cycle is stepped, then the machine is seen stuck). Untraced fast mode
    // used to see it stuck one cycle early and charged only 2 drain cycles.
    const prog = program([ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }), ins("NOP")]);
    for (const mode of ["detailed", "fast"] as const) {
      for (const traced of [true, false]) {
        const sim = new Simulator(hwWith(2, 2, { hostBytesPerCycle: 2 }), { mode });
        sim.load(prog);
        expect(() => sim.run({ maxCycles: 10_000, sink: traced ? new RecordingSink() : undefined })).toThrow(/without HALT/);
        const { host_transfer, non_matrix, drain } = sim.stats.stalls;
        expect([mode, traced, host_transfer, non_matrix, drain]).toEqual([mode, traced, 1, 1, 3]);
      }
    }
  });
});

/**
 * The matrix unit, the weight shift, the bank rules, the weight FIFO and the accumulator rule, with
 * cycles derived here by hand from docs/ARCHITECTURE.md "Timing rules" (arithmetic in the comments),
 * checked against detailed runs and fast runs (which must agree on every trace row). The rules are
 * exact: tests run them one cycle early (through the controller's bank-rule methods) and show the
 * numbers go wrong.
 */
import { describe, expect, it } from "vitest";
import type { HwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator } from "../../src/sim/controller.js";
import { ins, program } from "../helpers/programs.js";
import { causes, hwWith, ints, matmulRow, runBoth, seq } from "../helpers/timing.js";

/** A chip whose bank rules are one cycle early (the test hook the rules are methods for). */
class EarlyBanks extends Simulator {
  constructor(hw: HwConfig, private readonly early: { free?: boolean; ready?: boolean }) {
    super(hw, { mode: "detailed" });
  }
  override bankFreeCycle(tl: number): number {
    return super.bankFreeCycle(tl) - (this.early.free ? 1 : 0);
  }
  override bankReadyCycle(s: number): number {
    return super.bankReadyCycle(s) - (this.early.ready ? 1 : 0);
  }
}

describe("a single pass (ARCHITECTURE 'MatrixMultiply', bank ready at s + R - 1)", () => {
  const R = 4;
  const C = 3;
  const B = 5;
  const hw = hwWith(R, C, { hostBytesPerCycle: 16, weightBytesPerCycle: 8 });
  const a = ints(B * R, 1);
  const w = ints(R * C, 5);
  const prog = program(
    [
      ins("RHM", { host: 0, hstride: R, ub: 0, ustride: R, rows: B, cols: R }),
      ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
      ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 0, switch: 1 }),
      ins("HALT"),
    ],
    [
      { memory: "host", address: 0, values: a },
      { memory: "weights", address: 0, values: w },
    ],
  );
  // RHM: 5*4 elements * 2 bytes = 40 bytes at 16 per cycle -> cycles 0, 1, 2.
  // RDW issues at 1: 4*3*2 = 24 bytes at 8 per cycle -> cycles 1, 2, 3; the tile is ready at the end of 3.
  // The shift starts at s = 4 and runs 4..7; the bank is ready at s + R - 1 = 7, so t0 = 7.
  // Last result at t0 + B + R + C - 1 = 18; HALT issues at 19; the run has 20 cycles.
  const t0 = 7;
  const tc = 18;

  it("issues and completes where the rules say, in both modes", () => {
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 2 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: 3 });
    expect(sink.life(2)).toEqual({ issue: t0, complete: tc });
    expect(sim.stats.cycles).toBe(20);
    expect(sim.stats.macs).toBe(B * R * C);
    expect(sim.stats.matrixBusyCycles).toBe(B);
  });

  it("charges every other cycle to the head instruction's cause", () => {
    const { sink } = runBoth(hw, prog);
    expect(causes(sink)).toEqual(
      seq(
        ["host_transfer", 1], // 0: RHM issuing
        ["weight_load", 1], // 1: RDW issuing
        ["weight_load", 2], // 2..3: the MMUL waits for a tile still loading
        ["weight_shift", 3], // 4..6: ... for the tile shifting in
        ["none", B], // 7..11: the pass streams
        ["drain", 8], // 12..18: HALT waits for the pass; 19: HALT issues
      ),
    );
  });

  it("a switching MMUL one cycle before s + R - 1 reads a bank row that is not final yet", () => {
    const want = Array.from({ length: B }, (_, b) => matmulRow(a, 0, R, w, C, b)).flat();
    const right = new EarlyBanks(hw, {});
    right.load(prog);
    right.run();
    expect(Array.from(right.dp.acc.data.subarray(0, B * C))).toEqual(want);
    const early = new EarlyBanks(hw, { ready: true });
    early.load(prog);
    early.run();
    // At t0 = s + R - 2 = 6 vector 0 meets PE(0, 0) at 7, during the shift's last step: bank row 0
    // still holds tile row 1 (the gated shift puts tile row 0 there at the end of 7).
    expect(Array.from(early.dp.acc.data.subarray(0, B * C))).not.toEqual(want);
  });

  it("writes result (b, c) at t0 + b + R + c + 1: first at t0 + R + 1, last at t0 + B + R + C - 1", () => {
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    const want = Array.from({ length: B }, (_, b) => matmulRow(a, 0, R, w, C, b));
    const seen = new Map<string, number>();
    while (!sim.run({ sliceCycles: 1 })) {
      const t = sim.now - 1;
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < C; c++) {
          const v = sim.dp.acc.data[b * C + c];
          if (v !== 0 && !seen.has(`${b},${c}`)) {
            expect(v, `result (${b}, ${c}) when it appears`).toBe(want[b][c]);
            seen.set(`${b},${c}`, t);
          }
        }
      }
    }
    expect(seen.size).toBe(B * C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) expect(seen.get(`${b},${c}`), `(${b}, ${c})`).toBe(t0 + b + R + c + 1);
    expect(seen.get("0,0")).toBe(t0 + R + 1);
    expect(Math.max(...seen.values())).toBe(tc);
  });
});

describe("back-to-back passes and the bank rules (ARCHITECTURE 'Weight shift')", () => {
  const R = 3;
  /**
   * Three tiles loaded up front, three switching passes of B vectors. RHM and each RDW take one
   * cycle (bytes <= link width): RHM at 0, RDWs at 1, 2, 3. Tile 1 shifts at s1 = 2 (ready at 4),
   * tile 2 when the shifter frees at s2 = 5 (ready at 7). Pass 1 issues at t1 = 4. Pass 2 at
   * t2 = max(t1 + B, 7). Tile 3 needs bank 0: free of state after t2's switch (a shift can start the
   * cycle after) and of its last vector: s3 = max(t2 + 1, t1 + B + C - 1, s2 + R). Pass 3 at
   * t3 = max(t2 + B, s3 + R - 1).
   */
  function threePasses(B: number, C: number) {
    const hw = hwWith(R, C, { hostBytesPerCycle: 256, weightBytesPerCycle: 64 });
    const x = ints(3 * B * R, 2);
    const w = ints(3 * R * C, 3);
    const prog = program(
      [
        ins("RHM", { host: 0, hstride: R, ub: 0, ustride: R, rows: 3 * B, cols: R }),
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
        ins("RDW", { wm: R * C, wstride: C, rows: R, cols: C }),
        ins("RDW", { wm: 2 * R * C, wstride: C, rows: R, cols: C }),
        ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 0, switch: 1 }),
        ins("MMUL", { ub: B * R, ustride: R, rows: B, cols: R, acc: B, switch: 1 }),
        ins("MMUL", { ub: 2 * B * R, ustride: R, rows: B, cols: R, acc: 2 * B, switch: 1 }),
        ins("HALT"),
      ],
      [
        { memory: "host", address: 0, values: x },
        { memory: "weights", address: 0, values: w },
      ],
    );
    const expected = (pass: number) => Array.from({ length: B }, (_, b) => matmulRow(x, pass * B, R, w.subarray(pass * R * C), C, b)).flat();
    return { hw, prog, expected };
  }

  it("B = R + C - 2 hides the third tile's load: three passes stream without a bubble", () => {
    // C = 4, B = 5: t1 = 4, t2 = max(9, 7) = 9, s3 = max(10, 4 + 5 + 3, 8) = 12, t3 = max(14, 14) = 14.
    const { hw, prog } = threePasses(5, 4);
    const { sim, sink } = runBoth(hw, prog);
    expect([4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([4, 9, 14]);
    expect(causes(sink).slice(4, 19)).toEqual(seq(["none", 15]));
    expect(sim.stats.matrixBusyCycles).toBe(15);
  });

  it("B = R + C - 3: the third pass waits one cycle for its tile (weight_shift)", () => {
    // C = 4, B = 4: t1 = 4, t2 = max(8, 7) = 8, s3 = max(9, 4 + 4 + 3, 8) = 11, t3 = max(12, 13) = 13.
    const { hw, prog } = threePasses(4, 4);
    const { sink } = runBoth(hw, prog);
    expect([4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([4, 8, 13]);
    expect(causes(sink).slice(4, 17)).toEqual(seq(["none", 8], ["weight_shift", 1], ["none", 4]));
  });

  it("the third tile starts shifting into bank 0 exactly at tl + C - 1 and frees its FIFO slot after the shift", () => {
    // B = 1, C = 5: t1 = 4 (tl = 5), t2 = max(5, 7) = 7, s3 = max(8, 4 + 1 + 4, 8) = 9: the bank rule
    // decides. The shift runs 9..11; t3 = max(8, 9 + 2) = 11.
    const { hw, prog, expected } = threePasses(1, 5);
    const { sink } = runBoth(hw, prog);
    expect(sink.life(6).issue).toBe(11);
    // Slots in use at the end of each cycle 3..12: three tiles after RDW 3; tile 1's slot frees at
    // the end of its last step (4), tile 2's at 7, tile 3's (shifting 9..11) at 11.
    const fifo = sink.rows.map((r) => r.fifoTiles);
    expect(fifo.slice(3, 13)).toEqual([3, 2, 2, 2, 1, 1, 1, 1, 0, 0]);
    // Detailed model: bank 0 (weights slot 1) keeps tile 1 until the commit of cycle s3 = 9.
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    const bank0 = () => Array.from(sim.dp.array.weights.subarray(R * 5, 2 * R * 5)).join();
    let before = "";
    let changedAt = -1;
    while (!sim.run({ sliceCycles: 1 })) {
      const now = bank0();
      if (sim.now - 1 > 4 && changedAt < 0 && now !== before) changedAt = sim.now - 1;
      before = now;
    }
    expect(changedAt).toBe(9);
    expect(Array.from(sim.dp.acc.data.subarray(0, 5))).toEqual(expected(0));
  });

  it("a shift one cycle before tl + C - 1 corrupts the last column of the bank's last pass", () => {
    const { hw, prog, expected } = threePasses(1, 5);
    const early = new EarlyBanks(hw, { free: true });
    early.load(prog);
    expect(early.run()).toBe(true);
    // Pass 1's vector (read at 4) reaches PE(r, 4) at 4 + 1 + r + 4 = 9 + r; a shift at 8 writes row r
    // at the end of 8 + r, visible at 9 + r: column 4 multiplies by tile 3's weights.
    const got = Array.from(early.dp.acc.data.subarray(0, 5));
    expect(got.slice(0, 4)).toEqual(expected(0).slice(0, 4));
    expect(got[4]).not.toBe(expected(0)[4]);
    for (let p = 1; p < 3; p++) expect(Array.from(early.dp.acc.data.subarray(5 * p, 5 * p + 5))).toEqual(expected(p));
  });

});

describe("the accumulator rule (ARCHITECTURE 'Controller')", () => {
  const R = 3;
  const C = 2;
  const B = 2;
  /**
   * Two tiles loaded early (RDW at 0 and 1, one cycle each; shifts 1..3 and 4..6), then an RHM of
   * 2*B*R = 12 elements = 24 bytes at 1 byte per cycle: cycles 2..25. Pass 1 issues at t1 = 26,
   * pass 2 at max(t1 + B, t1 + R + 1 + (a2 - a1) when it accumulates onto overlapping rows).
   */
  function twoPasses(a1: number, a2: number, accumulate: number): { hw: HwConfig; prog: Program; x: Float32Array; w: Float32Array } {
    const hw = hwWith(R, C, { hostBytesPerCycle: 1, weightBytesPerCycle: 64 });
    const x = ints(2 * B * R, 4);
    const w = ints(2 * R * C, 6);
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
        ins("RDW", { wm: R * C, wstride: C, rows: R, cols: C }),
        ins("RHM", { host: 0, hstride: R, ub: 0, ustride: R, rows: 2 * B, cols: R }),
        ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: a1, switch: 1 }),
        ins("MMUL", { ub: B * R, ustride: R, rows: B, cols: R, acc: a2, switch: 1, accumulate }),
        ins("HALT"),
      ],
      [
        { memory: "host", address: 0, values: x },
        { memory: "weights", address: 0, values: w },
      ],
    );
    return { hw, prog, x, w };
  }

  it.each([
    [0, 0, 1, 26 + 4, "same rows: t1 + R + 1"],
    [0, 1, 1, 26 + 5, "one row further: t1 + R + 2"],
    [1, 0, 1, 26 + 3, "one row earlier: t1 + R"],
    [0, 0, 0, 26 + 2, "not accumulating: only t1 + B"],
    [0, B, 1, 26 + 2, "disjoint rows: only t1 + B"],
  ])("pass 1 at acc %i, pass 2 at acc %i (accumulate %i) issues at %i: %s", (a1, a2, accumulate, t2) => {
    const { hw, prog, x, w } = twoPasses(a1, a2, accumulate);
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(3).issue).toBe(26);
    expect(sink.life(4).issue).toBe(t2);
    expect(causes(sink).slice(26 + B, t2)).toEqual(seq(["data_dependency", t2 - 26 - B]));
    // The numbers: pass 2 added onto what pass 1 wrote, row by row (exact small integers).
    const expected = new Map<number, number[]>();
    for (let b = 0; b < B; b++) expected.set(a1 + b, matmulRow(x, 0, R, w, C, b));
    const w2 = w.subarray(R * C);
    for (let b = 0; b < B; b++) {
      const add = matmulRow(x, B, R, w2, C, b);
      const prev = accumulate ? expected.get(a2 + b) ?? [0, 0] : [0, 0];
      expected.set(a2 + b, add.map((v, c) => v + prev[c]));
    }
    for (const [row, values] of expected) expect(Array.from(sim.dp.acc.data.subarray(row * C, row * C + C)), `row ${row}`).toEqual(values);
  });
});

describe("the weight FIFO is exactly F deep (ARCHITECTURE 'Weight loader')", () => {
  it("a slot is reserved at issue and freed after its tile's shift: with one slot the second RDW waits for s + R", () => {
    const R = 2;
    const C = 2;
    const hw = hwWith(R, C, { weightFifoTiles: 1, weightBytesPerCycle: 64 });
    const prog = program([
      ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
      ins("RDW", { wm: 4, wstride: C, rows: R, cols: C }),
      ins("MMUL", { ub: 0, ustride: R, rows: 1, cols: R, acc: 0, switch: 1 }),
      ins("MMUL", { ub: 0, ustride: R, rows: 1, cols: R, acc: 1, switch: 1 }),
      ins("HALT"),
    ]);
    // RDW 0 at 0 (8 bytes, one cycle); its tile shifts 1..2 and leaves the slot at the end of 2: RDW 1
    // issues at 3 (a FIFO of F + 1 would have let it in at 2).
    const { sink } = runBoth(hw, prog);
    expect(sink.life(1).issue).toBe(3);
    expect(causes(sink).slice(0, 4)).toEqual(seq(["weight_load", 4]));
    expect(Math.max(...sink.rows.map((r) => r.fifoTiles))).toBe(1);
    const two = runBoth(hwWith(R, C, { weightFifoTiles: 2, weightBytesPerCycle: 64 }), prog);
    expect(two.sink.life(1).issue).toBe(1);
  });

  it("more tiles than FIFO + banks: the RDW behind two passes waits for the next-but-one shift", () => {
    const R = 2;
    const C = 3;
    const hw = hwWith(R, C, { weightFifoTiles: 1, weightBytesPerCycle: 64 });
    const tile = (i: number) => ins("RDW", { wm: i * R * C, wstride: C, rows: R, cols: C });
    const pass = (acc: number) => ins("MMUL", { ub: 0, ustride: R, rows: 1, cols: R, acc, switch: 1 });
    const prog = program([tile(0), tile(1), tile(2), pass(0), pass(1), tile(3), pass(2), pass(3), ins("HALT")], [
      { memory: "weights", address: 0, values: ints(4 * R * C, 1) },
    ]);
    // Each RDW is 12 bytes: one cycle. RDW 0 at 0; tile 0 shifts 1..2 into bank 0 (ready at 2), slot
    // free from 3: RDW 1 at 3; tile 1 shifts 4..5 into bank 1 (ready at 5), slot free from 6: RDW 2 at 6.
    // Pass 0 at 7 (tl = 8), pass 1 at 8 (releases bank 0). Tile 2 may shift into bank 0 from
    // max(9, tl + C - 1 = 10) = 10, runs 10..11 (ready at 11), slot free from 12: RDW 3 at 12 (it
    // would have issued at 9 with a free slot). Pass 2 at 13 (after RDW 3; releases bank 1, tl = 9),
    // tile 3 shifts 14..15 (ready at 15), pass 3 at 15, last result at 15 + 1 + R + C - 1 = 20.
    const { sim, sink } = runBoth(hw, prog);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((pc) => sink.life(pc).issue)).toEqual([0, 3, 6, 7, 8, 12, 13, 15]);
    expect(sim.stats.cycles).toBe(22);
    expect(Math.max(...sink.rows.map((r) => r.fifoTiles))).toBe(1);
    expect(sim.stats.ops.tilesShifted).toBe(4);
    // Every shift moves C * R(R+1)/2 weight registers and reads R*C*2 FIFO bytes.
    expect(sim.stats.ops.weightRegisterWrites).toBe(4 * C * 3);
    expect(sim.stats.bytes.weightFifoRead).toBe(4 * R * C * 2);
    expect(sim.stats.bytes.weightFifoWritten).toBe(4 * R * C * 2);
  });
});

describe("stall attribution (ARCHITECTURE 'Stall attribution')", () => {
  it("SYNC: drain while it waits for the machine to empty, non_matrix in the cycle it issues", () => {
    const hw = hwWith(2, 2, { hostBytesPerCycle: 2 });
    const prog = program([ins("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 2, cols: 3 }), ins("SYNC"), ins("NOP"), ins("HALT")]);
    // RHM: 6 elements * 2 bytes at 2 per cycle = 6 cycles (0..5). SYNC issues at 6, NOP at 7, HALT at 8.
    const { sim, sink } = runBoth(hw, prog);
    expect(causes(sink)).toEqual(seq(["host_transfer", 1], ["drain", 5], ["non_matrix", 2], ["drain", 1]));
    expect(sim.stats.instructions).toBe(4);
  });

  it("data_dependency on the scoreboard, non_matrix for the vector unit and NOP, host_transfer, drain", () => {
    const R = 2;
    const C = 2;
    const hw = hwWith(R, C, { activationLatency: 3, vectorLanes: 2, vectorLatency: 1, hostBytesPerCycle: 2, weightBytesPerCycle: 64 });
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }), // 0: t=0, shift 1..2, bank ready at 2
        ins("ACT", { acc: 0, rows: 2, cols: C, ub: 0, ustride: C, fn: "relu" }), // 1: t=1, tc = 1 + 2 + 3 - 1 = 5
        ins("MMUL", { ub: 0, ustride: C, rows: 2, cols: R, acc: 4, switch: 1 }), // 2: reads the ACT's rows: t=6
        ins("RHM", { host: 0, hstride: 2, ub: 20, ustride: 2, rows: 2, cols: 2 }), // 3: t=7, 8 bytes at 2: 7..10
        ins("MMUL", { ub: 20, ustride: 2, rows: 1, cols: 2, acc: 8 }), // 4: reads what the RHM writes: t=11
        ins("VEC", { fn: "add", dst: 40, dstride: 2, a: 0, astride: 2, b: 0, bstride: 2, rows: 2, cols: 2 }), // 5: t=12, 2 steps + Lv: 12..14
        ins("VEC", { fn: "sub", dst: 50, dstride: 2, a: 0, astride: 2, b: 0, bstride: 2, rows: 2, cols: 2 }), // 6: t=15..17
        ins("NOP"), // 7: t=16
        ins("HALT"), // 8: after the last VEC (17) and pass 4 (11 + 1 + 2 + 2 - 1 = 15): t=18
      ],
      [{ memory: "host", address: 0, values: ints(4, 1) }],
    );
    const { sim, sink } = runBoth(hw, prog);
    expect([0, 1, 2, 3, 4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([0, 1, 6, 7, 11, 12, 15]);
    expect(sim.stats.cycles).toBe(19);
    expect(causes(sink)).toEqual(
      seq(
        ["weight_load", 1], // 0: RDW issuing
        ["non_matrix", 1], // 1: ACT issuing
        ["data_dependency", 4], // 2..5: the MMUL waits for the ACT (its tile is ready at 2)
        ["none", 2], // 6..7: pass 2 streams; RHM issues at 7
        ["host_transfer", 3], // 8..10: MMUL 4 waits for the RHM
        ["none", 1], // 11
        ["non_matrix", 1], // 12: VEC 5 issuing
        ["non_matrix", 2], // 13..14: VEC 6 waits for the vector unit
        ["non_matrix", 1], // 15: VEC 6 issuing
        ["non_matrix", 1], // 16: NOP
        ["drain", 2], // 17: HALT waits; 18: HALT issues
      ),
    );
    for (const c of ["weight_load", "data_dependency", "host_transfer", "non_matrix", "drain"] as const) {
      expect(sim.stats.stalls[c], c).toBe(causes(sink).filter((x) => x === c).length);
    }
  });
});

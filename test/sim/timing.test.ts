/**
 * Hand-written programs whose cycle counts are derived here from the formulas of src/sim/timing.ts
 * and docs/ARCHITECTURE.md "Timing rules", then checked against detailed runs (and fast runs, which
 * must agree). Issue and completion cycles come from the trace sink's instruction lifetimes; result
 * write cycles from stepping the detailed model one cycle at a time.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import { Simulator } from "../../src/sim/controller.js";
import * as T from "../../src/sim/timing.js";
import { STALL_CAUSES, type StallCause } from "../../src/sim/trace.js";
import { RecordingSink, ins, program, runTraced } from "../helpers/programs.js";

function hwWith(rows: number, cols: number, over: Record<string, unknown> = {}): HwConfig {
  return buildHwConfig("small", { rows, cols, dtype: "bf16", ...over });
}

/** Run detailed and fast with a trace; both must agree on everything; returns the detailed run. */
function runBoth(hw: HwConfig, prog: ReturnType<typeof program>): { sim: Simulator; sink: RecordingSink } {
  const d = runTraced(hw, prog, "detailed");
  const f = runTraced(hw, prog, "fast");
  expect(d.sink.rows.length).toBeGreaterThan(0);
  expect(f.sink.instructions).toEqual(d.sink.instructions);
  expect(f.sink.rows).toEqual(d.sink.rows);
  expect(f.sim.stats).toEqual(d.sim.stats);
  const s = d.sim.stats;
  expect(s.matrixBusyCycles + Object.values(s.stalls).reduce((x, y) => x + y, 0)).toBe(s.cycles);
  return d;
}

function causes(sink: RecordingSink): StallCause[] {
  return sink.rows.map((r) => STALL_CAUSES[r.stall]);
}

/** [cause, count] runs -> one cause per cycle. */
function seq(...runs: [StallCause, number][]): StallCause[] {
  return runs.flatMap(([c, n]) => Array<StallCause>(Math.max(0, n)).fill(c));
}

/** Row-major small positive integers (exact in bf16), distinct enough to see every result. */
function ints(n: number, from: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i * 7 + from) % 13) + 1);
}

function matmulRows(a: Float32Array, b0: number, k: number, w: Float32Array, cols: number, b: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < k; r++) s += a[(b0 + b) * k + r] * w[r * cols + c];
    return s;
  });
}

describe("a single pass (ARCHITECTURE 'MatrixMultiply')", () => {
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
  // Derivation: RHM issues at 0; RDW at 1 and pushes its tile at 1 + L - 1; the shifter starts the
  // next cycle and the bank is ready R cycles later; the pass waits for the tile and the RHM.
  const D = T.dmaCycles(hw, B, R);
  const L = T.weightLoadCycles(hw, R, C);
  const rdwDone = 1 + L - 1;
  const shiftStart = rdwDone + 1;
  const ready = shiftStart + T.weightShiftCycles(hw);
  const t0 = Math.max(2, D, ready);
  const tc = T.passCompleteCycle(hw, t0, B);

  it("issues and completes where the rules say, in both modes", () => {
    expect([D, L]).toEqual([3, 3]); // the bandwidths chosen make both transfers take several cycles
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: D - 1 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: rdwDone });
    expect(sink.life(2)).toEqual({ issue: t0, complete: t0 + B + R + C - 1 });
    expect(tc).toBe(t0 + B + R + C - 1);
    // HALT issues once nothing is in flight, and the run ends in that cycle.
    expect(sim.stats.cycles).toBe(tc + 2);
    expect(sim.stats.macs).toBe(B * R * C);
    expect(sim.stats.matrixBusyCycles).toBe(B);
  });

  it("charges every other cycle to the head instruction's cause", () => {
    const { sink } = runBoth(hw, prog);
    expect(causes(sink)).toEqual(
      seq(
        ["host_transfer", 1], // RHM issuing
        ["weight_load", 1], // RDW issuing
        ["weight_load", rdwDone - 1], // MMUL waits for a tile not yet in the FIFO
        ["weight_shift", ready - shiftStart], // ... for the tile shifting in
        ["none", B],
        ["drain", tc - (t0 + B) + 2], // HALT waits for the pass, then issues
      ),
    );
  });

  it("writes result (b, c) at t0 + b + R + c + 1: first at t0 + R + 1, last at t0 + B + R + C - 1", () => {
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    const want = Array.from({ length: B }, (_, b) => matmulRows(a, 0, R, w, C, b));
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
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) expect(seen.get(`${b},${c}`), `(${b}, ${c})`).toBe(T.resultWriteCycle(hw, t0, b, c));
    }
    expect(seen.get("0,0")).toBe(T.firstResultCycle(hw, t0));
    expect(T.firstResultCycle(hw, t0)).toBe(t0 + R + 1);
    expect(Math.max(...seen.values())).toBe(tc);
  });
});

describe("back-to-back passes and the bank-reuse rule (ARCHITECTURE 'Weight shift')", () => {
  const R = 3;
  /**
   * Three tiles loaded up front (one cycle each), three switching passes of B vectors. Tile 1 shifts
   * at 2, tile 2 right after it; tile 3 must wait for bank 0's last vector (t1 + B) plus C cycles.
   */
  function threePasses(B: number, C: number) {
    const hw = hwWith(R, C, { hostBytesPerCycle: 256, weightBytesPerCycle: 64 });
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
        { memory: "host", address: 0, values: ints(3 * B * R, 2) },
        { memory: "weights", address: 0, values: ints(3 * R * C, 3) },
      ],
    );
    expect(T.dmaCycles(hw, 3 * B, R)).toBe(1);
    expect(T.weightLoadCycles(hw, R, C)).toBe(1);
    const s1 = 2; // tile 1 pushed at the end of cycle 1
    const s2 = Math.max(3, s1 + R); // one shifter
    const t1 = Math.max(4, s1 + R); // in order after the third RDW
    const t2 = Math.max(t1 + B, s2 + R);
    const s3 = Math.max(t2 + 1, T.bankFreeAt(hw, t1 + B), s2 + R); // bank 0 is shadow only after t2's switch
    const t3 = Math.max(t2 + B, s3 + R);
    return { hw, prog, t1, t2, s3, t3 };
  }

  it("with B = R + C the third tile is ready in time: three passes stream without a bubble", () => {
    const C = 2;
    const B = R + C;
    const { hw, prog, t1, t2, s3, t3 } = threePasses(B, C);
    expect([t2, s3, t3]).toEqual([t1 + B, t1 + B + C, t1 + 2 * B]);
    const { sim, sink } = runBoth(hw, prog);
    expect([4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([t1, t2, t3]);
    const streaming = causes(sink).slice(t1, t1 + 3 * B);
    expect(streaming).toEqual(seq(["none", 3 * B]));
    expect(sim.stats.matrixBusyCycles).toBe(3 * B);
  });

  it("with B = R + C - 1 the third pass waits one cycle for its tile (weight_shift)", () => {
    const C = 2;
    const B = R + C - 1;
    const { hw, prog, t1, t2, s3, t3 } = threePasses(B, C);
    expect([t2, s3, t3]).toEqual([t1 + B, t1 + B + C, t1 + 2 * B + 1]);
    const { sink } = runBoth(hw, prog);
    expect([4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([t1, t2, t3]);
    expect(causes(sink).slice(t1, t3 + B)).toEqual(seq(["none", 2 * B], ["weight_shift", 1], ["none", B]));
  });

  it("the third tile starts shifting into bank 0 exactly at t1 + B + C (FIFO pop and first bank write)", () => {
    const B = 1; // short passes and wide rows: the bank-reuse rule, not the shifter, decides
    const C = 5;
    const { hw, prog, t1, s3, t3 } = threePasses(B, C);
    expect(s3).toBe(t1 + B + C);
    const { sink } = runBoth(hw, prog);
    // The FIFO holds tile 3 from cycle 4 until it pops at the end of cycle s3.
    const fifo = sink.rows.map((r) => r.fifoTiles);
    expect(fifo[s3 - 1]).toBe(1);
    expect(fifo[s3]).toBe(0);
    expect(sink.life(6).issue).toBe(t3);
    expect(t3).toBe(s3 + R);
    // Detailed model: bank 0 (weights slot 1) keeps tile 1 until the commit of cycle s3.
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    const bank0 = () => Array.from(sim.dp.array.weights.subarray(R * C, 2 * R * C));
    let before: number[] = [];
    let changedAt = -1;
    while (!sim.run({ sliceCycles: 1 })) {
      const now = bank0();
      if (sim.now - 1 > t1 && changedAt < 0 && now.join() !== before.join()) changedAt = sim.now - 1;
      before = now;
    }
    expect(changedAt).toBe(s3);
  });
});

describe("the accumulator rule (ARCHITECTURE 'Controller')", () => {
  const R = 3;
  const C = 2;
  const B = 2;
  /** Two tiles loaded early, a slow RHM, then pass 1 (acc a1) and pass 2 (acc a2). */
  function twoPasses(a1: number, a2: number, accumulate: number) {
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
    const t1 = 2 + T.dmaCycles(hw, 2 * B, R); // after the RHM; both tiles are ready long before
    const overlap = a2 < a1 + B && a1 < a2 + B;
    const t2 = Math.max(t1 + B, accumulate && overlap ? T.accumulateReadyAt(hw, t1, a1, a2) : 0);
    return { hw, prog, x, w, t1, t2 };
  }

  it.each([
    [0, 0, 1, "same rows: t1 + R + 1"],
    [0, 1, 1, "one row further: t1 + R + 2"],
    [1, 0, 1, "one row earlier: t1 + R"],
    [0, 0, 0, "not accumulating: only t1 + B"],
    [0, B, 1, "disjoint rows: only t1 + B"],
  ])("pass 1 at acc %i, pass 2 at acc %i (accumulate %i): %s", (a1, a2, accumulate) => {
    const { hw, prog, x, w, t1, t2 } = twoPasses(a1, a2, accumulate);
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(3).issue).toBe(t1);
    expect(sink.life(4).issue).toBe(t2);
    expect(causes(sink).slice(t1 + B, t2)).toEqual(seq(["data_dependency", t2 - t1 - B]));
    // The numbers: pass 2 added onto what pass 1 wrote, row by row (exact small integers).
    const expected = new Map<number, number[]>();
    for (let b = 0; b < B; b++) expected.set(a1 + b, matmulRows(x, 0, R, w, C, b));
    const w2 = w.subarray(R * C);
    for (let b = 0; b < B; b++) {
      const add = matmulRows(x, B, R, w2, C, b);
      const prev = accumulate ? expected.get(a2 + b) ?? [0, 0] : [0, 0];
      expected.set(a2 + b, add.map((v, c) => v + prev[c]));
    }
    for (const [row, values] of expected) expect(Array.from(sim.dp.acc.data.subarray(row * C, row * C + C)), `row ${row}`).toEqual(values);
  });
});

describe("weight FIFO back-pressure (ARCHITECTURE 'Weight loader')", () => {
  it("a slot is reserved at issue: with one slot the second RDW waits until the first tile pops", () => {
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
    const L = T.weightLoadCycles(hw, R, C);
    const firstPush = L - 1;
    const firstPop = firstPush + 1; // shifter starts the cycle after the push; pop commits that cycle
    const { sink } = runBoth(hw, prog);
    expect(sink.life(1).issue).toBe(firstPop + 1);
    expect(causes(sink).slice(L, firstPop + 1)).toEqual(seq(["weight_load", firstPop + 1 - L]));
  });

  it("more tiles than FIFO + banks: the RDW behind two passes waits for the next-but-one shift", () => {
    const R = 2;
    const C = 3;
    const B = 1;
    const hw = hwWith(R, C, { weightFifoTiles: 1, weightBytesPerCycle: 64 });
    const tile = (i: number) => ins("RDW", { wm: i * R * C, wstride: C, rows: R, cols: C });
    const pass = (acc: number) => ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc, switch: 1 });
    const prog = program([tile(0), tile(1), tile(2), pass(0), pass(1), tile(3), pass(2), pass(3), ins("HALT")], [
      { memory: "weights", address: 0, values: ints(4 * R * C, 1) },
    ]);
    expect(T.weightLoadCycles(hw, R, C)).toBe(1);
    // RDW 0 at 0 (push end of 0); tile 0 shifts at 1 and pops; RDW 1 at 2; tile 1 shifts when the
    // shifter is free (1 + R); RDW 2 issues the cycle after that pop.
    const s1 = 1;
    const rdw1 = s1 + 1;
    const s2 = Math.max(rdw1 + 1, s1 + R);
    const rdw2 = s2 + 1;
    const t1 = Math.max(rdw2 + 1, s1 + R);
    const t2 = Math.max(t1 + B, s2 + R);
    const s3 = Math.max(t2 + 1, T.bankFreeAt(hw, t1 + B), s2 + R);
    const rdw3 = s3 + 1; // back-pressure: without it, t2 + 1
    const t3 = Math.max(rdw3 + 1, t2 + B, s3 + R);
    const s4 = Math.max(t3 + 1, T.bankFreeAt(hw, t2 + B), s3 + R, rdw3 + 1);
    const t4 = Math.max(t3 + B, s4 + R);
    expect(rdw3).toBeGreaterThan(t2 + 1);
    const { sim, sink } = runBoth(hw, prog);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((pc) => sink.life(pc).issue)).toEqual([0, rdw1, rdw2, t1, t2, rdw3, t3, t4]);
    expect(sim.stats.cycles).toBe(T.passCompleteCycle(hw, t4, B) + 2);
    expect(Math.max(...sink.rows.map((r) => r.fifoTiles))).toBe(1);
  });
});

describe("transfer and unit latencies", () => {
  it.each([
    ["bf16", 1.5, 5],
    ["int8", 3, 2],
    ["bf16", 64, 64],
  ] as const)("DMA and weight-load cycles from bandwidth (%s, host %f B/cycle, weights %f B/cycle)", (dtype, hostBw, wBw) => {
    const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype, hostBytesPerCycle: hostBw, weightBytesPerCycle: wBw });
    const prog = program(
      [
        ins("RHM", { host: 0, hstride: 5, ub: 0, ustride: 5, rows: 3, cols: 5 }),
        ins("RDW", { wm: 0, wstride: 2, rows: 3, cols: 2 }),
        ins("WHM", { ub: 0, ustride: 5, host: 20, hstride: 5, rows: 3, cols: 5 }),
        ins("WHMA", { acc: 0, rows: 2, cols: 3, host: 40, hstride: 3 }),
        ins("HALT"),
      ],
      [{ memory: "host", address: 0, values: ints(15, 1) }],
    );
    const eb = hw.elementBytes;
    const rhm = Math.max(1, Math.ceil((3 * 5 * eb) / hostBw));
    const rdw = Math.max(1, Math.ceil((3 * 2 * eb) / wBw));
    const whma = Math.max(1, Math.ceil((2 * 3 * 4) / hostBw));
    expect([T.dmaCycles(hw, 3, 5), T.weightLoadCycles(hw, 3, 2), T.accumulatorDmaCycles(hw, 2, 3)]).toEqual([rhm, rdw, whma]);
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: rhm - 1 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: rdw });
    // WHM reads what RHM writes: it issues the cycle after RHM completes.
    const whm0 = Math.max(2, rhm);
    expect(sink.life(2)).toEqual({ issue: whm0, complete: whm0 + rhm - 1 });
    // WHMA waits for the DMA unit.
    const whma0 = whm0 + rhm;
    expect(sink.life(3)).toEqual({ issue: whma0, complete: whma0 + whma - 1 });
    expect(sim.stats.cycles).toBe(whma0 + whma + 1);
    expect(Array.from(sim.dp.host.subarray(20, 35))).toEqual(Array.from(ints(15, 1)));
    // Bytes per cycle on the link add up to the transfer.
    const hostBytes = sink.rows.reduce((s, r) => s + r.hostBytes, 0);
    expect(hostBytes).toBe(2 * 15 * eb + 2 * 3 * 4);
  });

  it.each([0, 1, 3])("activation latency %i: buffer row i written at t0 + i + L, completion t0 + rows - 1 + L", (L) => {
    const C = 3;
    const rows = 4;
    const hw = hwWith(2, C, { activationLatency: L, hostBytesPerCycle: 64 });
    const prog = program([
      ins("NOP"),
      ins("ACT", { acc: 0, rows, cols: C, ub: 10, ustride: C, fn: "identity" }),
      ins("WHM", { ub: 10, ustride: C, host: 0, hstride: C, rows, cols: C }),
      ins("HALT"),
    ]);
    const t0 = 1;
    const tc = t0 + T.activationCycles(hw, rows) - 1;
    expect(tc).toBe(t0 + rows - 1 + L);
    const accValues = Float32Array.from({ length: rows * C }, (_, i) => i + 1);
    for (const mode of ["detailed", "fast"] as const) {
      const sim = new Simulator(hw, { mode });
      const sink = new RecordingSink();
      sim.load(prog);
      sim.dp.acc.data.set(accValues);
      expect(sim.run({ sink })).toBe(true);
      expect(sink.life(1)).toEqual({ issue: t0, complete: tc });
      expect(sink.life(2).issue).toBe(tc + 1);
      expect(Array.from(sim.dp.host.subarray(0, rows * C))).toEqual(Array.from(accValues));
    }
    // Detailed: step and watch each buffer row appear.
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    sim.dp.acc.data.set(accValues);
    const appeared: number[] = Array(rows).fill(-1);
    while (!sim.run({ sliceCycles: 1 })) {
      for (let i = 0; i < rows; i++) if (appeared[i] < 0 && sim.dp.ub[10 + i * C] !== 0) appeared[i] = sim.now - 1;
    }
    expect(appeared).toEqual(Array.from({ length: rows }, (_, i) => t0 + i + L));
  });

  it("vector unit: rows * ceil(cols / lanes) + latency cycles; RDWU: one row per cycle", () => {
    const hw = hwWith(4, 4, { vectorLanes: 3, vectorLatency: 2 });
    const prog = program([
      ins("RDWU", { ub: 0, ustride: 4, rows: 3, cols: 4 }),
      ins("RDWU", { ub: 0, ustride: 4, rows: 3, cols: 2, transpose: 1 }),
      ins("VEC", { fn: "add", dst: 100, dstride: 7, a: 0, astride: 7, b: 50, bstride: 7, rows: 3, cols: 7 }),
      ins("VTR", { src: 200, sstride: 2, rows: 2, cols: 2, dst: 300, dstride: 2 }),
      ins("HALT"),
    ]);
    const vec = T.vectorCycles(hw, 3, 7);
    expect(vec).toBe(3 * Math.ceil(7 / 3) + 2);
    const { sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 3 - 1 });
    // Transposed: the tile's columns are buffer rows, one per cycle.
    expect(sink.life(1)).toEqual({ issue: 3, complete: 3 + 2 - 1 });
    expect(sink.life(2)).toEqual({ issue: 4, complete: 4 + vec - 1 });
    expect(sink.life(3)).toEqual({ issue: 4 + vec, complete: 4 + vec + T.vectorCycles(hw, 2, 2) - 1 });
  });
});

describe("stall attribution (ARCHITECTURE 'Stall attribution')", () => {
  it("SYNC: drain while it waits for the machine to empty, non_matrix in the cycle it issues", () => {
    const hw = hwWith(2, 2, { hostBytesPerCycle: 2 });
    const prog = program([ins("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 2, cols: 3 }), ins("SYNC"), ins("NOP"), ins("HALT")]);
    const D = T.dmaCycles(hw, 2, 3);
    expect(D).toBe(6);
    const { sim, sink } = runBoth(hw, prog);
    expect(causes(sink)).toEqual(seq(["host_transfer", 1], ["drain", D - 1], ["non_matrix", 2], ["drain", 1]));
    expect(sim.stats.instructions).toBe(4);
  });

  it("data_dependency on the scoreboard, non_matrix for the vector unit and NOP, host_transfer, weight_shift, drain", () => {
    const R = 2;
    const C = 2;
    const hw = hwWith(R, C, { activationLatency: 3, vectorLanes: 2, vectorLatency: 1, hostBytesPerCycle: 2, weightBytesPerCycle: 64 });
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }), // 0: t=0, shift 1..2, ready 3
        ins("ACT", { acc: 0, rows: 2, cols: C, ub: 0, ustride: C, fn: "relu" }), // 1: t=1, tc = 1+2+3-1 = 5
        ins("MMUL", { ub: 0, ustride: C, rows: 2, cols: R, acc: 4, switch: 1 }), // 2: reads the ACT's rows
        ins("RHM", { host: 0, hstride: 2, ub: 20, ustride: 2, rows: 2, cols: 2 }), // 3: 4 elements x 2 B / 2 = 4 cycles
        ins("MMUL", { ub: 20, ustride: 2, rows: 1, cols: 2, acc: 8 }), // 4: reads what the RHM writes
        ins("VEC", { fn: "add", dst: 40, dstride: 2, a: 0, astride: 2, b: 0, bstride: 2, rows: 2, cols: 2 }), // 5
        ins("VEC", { fn: "sub", dst: 50, dstride: 2, a: 0, astride: 2, b: 0, bstride: 2, rows: 2, cols: 2 }), // 6
        ins("NOP"), // 7
        ins("HALT"), // 8
      ],
      [{ memory: "host", address: 0, values: ints(4, 1) }],
    );
    const ready = 1 + R;
    const actDone = 1 + T.activationCycles(hw, 2) - 1;
    const t2 = Math.max(ready, actDone + 1); // MMUL 2
    const rhm = t2 + 1;
    const rhmDone = rhm + T.dmaCycles(hw, 2, 2) - 1;
    const t4 = Math.max(t2 + 2, rhmDone + 1);
    const vec1 = t4 + 1;
    const vec2 = vec1 + T.vectorCycles(hw, 2, 2);
    const nop = vec2 + 1;
    const last = Math.max(T.passCompleteCycle(hw, t4, 1), vec2 + T.vectorCycles(hw, 2, 2) - 1);
    const halt = last + 1;
    const { sim, sink } = runBoth(hw, prog);
    expect([0, 1, 2, 3, 4, 5, 6].map((pc) => sink.life(pc).issue)).toEqual([0, 1, t2, rhm, t4, vec1, vec2]);
    expect(sim.stats.cycles).toBe(halt + 1);
    expect(causes(sink)).toEqual(
      seq(
        ["weight_load", 1], // 0: RDW issuing
        ["non_matrix", 1], // 1: ACT issuing
        ["weight_shift", ready - 2], // MMUL: tile shifting
        ["data_dependency", t2 - ready], // MMUL: waits for the ACT (scoreboard, non-DMA producer)
        ["none", 2], // pass 2 streams; RHM issues in its second cycle
        ["host_transfer", t4 - (t2 + 2)], // MMUL 4 waits for the RHM
        ["none", 1],
        ["non_matrix", 1], // VEC 1 issuing
        ["non_matrix", vec2 - vec1 - 1], // VEC 2 waits for the vector unit
        ["non_matrix", 1], // VEC 2 issuing
        ["non_matrix", 1], // NOP
        ["drain", halt - nop], // HALT waits, then issues
      ),
    );
    const counts = Object.fromEntries(STALL_CAUSES.filter((c) => c !== "none").map((c) => [c, causes(sink).filter((x) => x === c).length]));
    expect(sim.stats.stalls).toEqual(counts);
    for (const c of ["weight_load", "weight_shift", "data_dependency", "host_transfer", "non_matrix", "drain"] as const) {
      expect(sim.stats.stalls[c], c).toBeGreaterThan(0);
    }
  });
});

/**
 * The clocked units and the shared resources (docs/ARCHITECTURE.md "Host DMA", "Weight loader",
 * "Activation unit", "Vector unit", "Shared resources"), with cycles derived here by hand as
 * arithmetic: byte streams over the host link and the weight-memory channel, one access per granted
 * cycle on the row ports, fixed-priority arbitration with one port. Every program runs in both modes
 * (they must agree on every trace row) and where it matters the detailed model is stepped to see the
 * values land.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { Simulator } from "../../src/sim/controller.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith, ints, runBoth, seq, states } from "../helpers/timing.js";

const DMA = 0;
const WEIGHTS = 1;
const ACTIVATION = 3;
const VECTOR = 4;

describe("byte streams: the host link and the weight-memory channel", () => {
  it.each([
    ["bf16", 3, 5],
    ["int8", 3, 2],
    ["bf16", 64, 64],
  ] as const)("%s, host %i B/cycle, weights %i B/cycle: every transfer takes ceil(bytes / width) cycles", (dtype: DType, H, W) => {
    const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype, hostBytesPerCycle: H, weightBytesPerCycle: W });
    const prog = program(
      [
        ins("RHM", { host: 0, hstride: 5, ub: 0, ustride: 5, rows: 3, cols: 5 }),
        ins("RDW", { wm: 0, wstride: 2, rows: 3, cols: 2 }),
        ins("WHM", { ub: 0, ustride: 5, host: 20, hstride: 5, rows: 3, cols: 5 }),
        ins("WHMA", { acc: 0, rows: 2, cols: 3, host: 40, hstride: 3 }),
        ins("HALT"),
      ],
      [
        { memory: "host", address: 0, values: ints(15, 1) },
        { memory: "weights", address: 0, values: ints(6, 2) },
      ],
    );
    const eb = dtype === "int8" ? 1 : 2;
    const rhm = Math.ceil((15 * eb) / H); // RHM: 15 elements
    const rdw = Math.ceil((6 * eb) / W); // RDW: a 3 x 2 tile of the dtype copy
    const whma = Math.ceil((6 * 4) / H); // WHMA: 6 values of 4 bytes
    const whm0 = Math.max(2, rhm); // WHM reads what RHM writes, and the DMA does one transfer at a time
    const whma0 = whm0 + rhm;
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: rhm - 1 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: rdw });
    expect(sink.life(2)).toEqual({ issue: whm0, complete: whm0 + rhm - 1 });
    expect(sink.life(3)).toEqual({ issue: whma0, complete: whma0 + whma - 1 });
    // The tile is ready at the end of 1 + rdw - 1 and shifts R = 4 cycles from 1 + rdw; HALT waits for
    // the DMA and for the shifter (a unit, ARCHITECTURE "Controller").
    const shiftEnd = 1 + rdw + 4 - 1;
    expect(sim.stats.cycles).toBe(Math.max(whma0 + whma, shiftEnd + 1) + 1);
    expect(Array.from(sim.dp.host.subarray(20, 35))).toEqual(Array.from(ints(15, 1)));
    // The link carries min(H, remaining) bytes per cycle.
    const perCycle = (bytes: number) => Array.from({ length: Math.ceil(bytes / H) }, (_, i) => Math.min(H, bytes - i * H));
    const hostRead = sink.rows.map((r) => r.hostReadBytes);
    const hostWritten = sink.rows.map((r) => r.hostWrittenBytes);
    expect(hostRead.slice(0, rhm)).toEqual(perCycle(15 * eb));
    expect(hostWritten.slice(whm0, whma0 + whma)).toEqual([...perCycle(15 * eb), ...perCycle(24)]);
    expect(sink.rows.map((r) => r.weightReadBytes).slice(1, 1 + rdw)).toEqual(Array.from({ length: rdw }, (_, i) => Math.min(W, 6 * eb - i * W)));
    expect(sim.stats.unitBusyCycles.dma).toBe(rhm + rhm + whma);
    expect(sim.stats.unitBusyCycles.weights).toBe(rdw);
  });

  it("an RHM element is written in the cycle its last byte crosses; an RDW element lands likewise", () => {
    const H = 3;
    const W = 5;
    const hw = hwWith(4, 4, { hostBytesPerCycle: H, weightBytesPerCycle: W });
    const prog = program(
      [ins("RHM", { host: 0, hstride: 5, ub: 0, ustride: 5, rows: 2, cols: 5 }), ins("RDW", { wm: 0, wstride: 3, rows: 2, cols: 3 }), ins("HALT")],
      [
        { memory: "host", address: 0, values: ints(10, 3) },
        { memory: "weights", address: 0, values: ints(6, 4) },
      ],
    );
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    const ubSeen = Array<number>(10).fill(-1);
    const tileSeen = Array<number>(6).fill(-1);
    while (!sim.run({ sliceCycles: 1 })) {
      const t = sim.now - 1;
      for (let e = 0; e < 10; e++) if (ubSeen[e] < 0 && sim.dp.ub[e] !== 0) ubSeen[e] = t;
      const slot = sim.dp.fifo.slotOffset(0);
      for (let e = 0; e < 6; e++) if (tileSeen[e] < 0 && sim.dp.fifo.tiles[slot + Math.floor(e / 3) * 4 + (e % 3)] !== 0) tileSeen[e] = t;
    }
    // bf16: element e's last byte is byte 2e + 1; byte i crosses in cycle floor(i / H) of the transfer.
    expect(ubSeen).toEqual(Array.from({ length: 10 }, (_, e) => Math.floor((2 * e + 1) / H)));
    // The RDW issues at 1; tile element e (row-major) lands in cycle 1 + floor((2e + 1) / W).
    expect(tileSeen).toEqual(Array.from({ length: 6 }, (_, e) => 1 + Math.floor((2 * e + 1) / W)));
  });
});

describe("the activation unit (ARCHITECTURE 'Activation unit')", () => {
  it.each([0, 1, 3])("latency %i: buffer row i written at t0 + i + L, completion t0 + rows - 1 + L", (L) => {
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
    const tc = t0 + rows - 1 + L;
    const accValues = Float32Array.from({ length: rows * C }, (_, i) => i + 1);
    for (const mode of ["detailed", "fast"] as const) {
      const sim = new Simulator(hw, { mode });
      sim.load(prog);
      sim.dp.acc.data.set(accValues);
      const sink = runWithSink(sim);
      expect(sink.life(1)).toEqual({ issue: t0, complete: tc });
      expect(sink.life(2).issue).toBe(tc + 1);
      expect(Array.from(sim.dp.host.subarray(0, rows * C))).toEqual(Array.from(accValues));
    }
    const sim = new Simulator(hw, { mode: "detailed" });
    sim.load(prog);
    sim.dp.acc.data.set(accValues);
    const appeared: number[] = Array(rows).fill(-1);
    while (!sim.run({ sliceCycles: 1 })) {
      for (let i = 0; i < rows; i++) if (appeared[i] < 0 && sim.dp.ub[10 + i * C] !== 0) appeared[i] = sim.now - 1;
    }
    expect(appeared).toEqual(Array.from({ length: rows }, (_, i) => t0 + i + L));
  });
});

function runWithSink(sim: Simulator): RecordingSink {
  const sink = new RecordingSink();
  expect(sim.run({ sink })).toBe(true);
  return sink;
}

describe("the vector unit and RDWU (ARCHITECTURE 'Vector unit', 'Weight loader')", () => {
  it("RDWU one row per cycle; VEC S + Lv; VTR and VSMX reads, Lv, writes", () => {
    // 4 x 4 array, 3 lanes, Lv = 2, three read ports (no contention here).
    const hw = hwWith(4, 4, { vectorLanes: 3, vectorLatency: 2, unifiedBufferReadPorts: 3 });
    const prog = program([
      ins("RDWU", { ub: 0, ustride: 4, rows: 3, cols: 4 }),
      ins("RDWU", { ub: 0, ustride: 4, rows: 3, cols: 2, transpose: 1 }),
      ins("VEC", { fn: "add", dst: 100, dstride: 7, a: 0, astride: 7, b: 50, bstride: 7, rows: 3, cols: 7 }),
      ins("VTR", { src: 200, sstride: 2, rows: 2, cols: 2, dst: 300, dstride: 2 }),
      ins("VSMX", { src: 200, sstride: 5, dst: 400, dstride: 5, rows: 2, cols: 5 }),
      ins("HALT"),
    ]);
    const { sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 2 }); // 3 buffer rows
    expect(sink.life(1)).toEqual({ issue: 3, complete: 4 }); // transposed: the tile's 2 columns are buffer rows
    // VEC 3 x 7 with 3 lanes: 3 segments per row (3, 3, 1 elements), S = 9 steps, + Lv = 2: 4..14.
    expect(sink.life(2)).toEqual({ issue: 4, complete: 4 + 9 + 2 - 1 });
    const ubWritten = sink.rows.map((r) => r.ubWrittenBytes);
    const ubRead = sink.rows.map((r) => r.ubReadBytes);
    const segments = [3, 3, 1, 3, 3, 1, 3, 3, 1];
    // a and b, 2 bytes each; in cycle 4 the transposed RDWU also reads its last buffer row (3 elements).
    expect(ubRead.slice(4, 13)).toEqual(segments.map((n, i) => 2 * n * 2 + (i === 0 ? 3 * 2 : 0)));
    expect(ubWritten.slice(4, 15)).toEqual([0, 0, ...segments.map((n) => n * 2)]); // step p - Lv
    // VTR 2 x 2: Sr = 2 * ceil(2/3) = 2 reads, Lv = 2, Sw = 2 * ceil(2/3) = 2 writes: 15..20.
    expect(sink.life(3)).toEqual({ issue: 15, complete: 20 });
    // VSMX 2 x 5: 2 segments per row, Sr = Sw = 4: 4 + 2 + 4 = 10 cycles: 21..30.
    expect(sink.life(4)).toEqual({ issue: 21, complete: 30 });
    expect(states(sink, VECTOR).slice(21, 31)).toEqual(seq(["busy", 10]));
  });

  it("with one read port a two-source VEC step takes two cycles (a, then b with the write); a copy does not", () => {
    const hw = hwWith(4, 4, { vectorLanes: 3, vectorLatency: 2, unifiedBufferReadPorts: 1 });
    const prog = program([
      ins("VEC", { fn: "add", dst: 100, dstride: 3, a: 0, astride: 3, b: 50, bstride: 3, rows: 2, cols: 3 }),
      ins("VEC", { fn: "copy", dst: 200, dstride: 3, a: 0, astride: 3, b: 0, bstride: 3, rows: 2, cols: 3 }),
      ins("HALT"),
    ]);
    const { sink } = runBoth(hw, prog);
    // add: S = 2 steps of 2 cycles, then Lv = 2: 0..5. copy: S + Lv = 4 cycles: 6..9.
    expect(sink.life(0)).toEqual({ issue: 0, complete: 5 });
    expect(sink.life(1)).toEqual({ issue: 6, complete: 9 });
    expect(sink.rows.map((r) => r.ubReadBytes).slice(0, 4)).toEqual([6, 6, 6, 6]);
  });
});

describe("VSGD shares the weight-memory channel with RDW (ARCHITECTURE 'Shared resources')", () => {
  // 4 x 4 bf16: each weight is 4 + 4 + 2 = 10 bytes on the channel. W = 16, 2 lanes: VSGD asks for
  // up to 2 * 10 = 20 bytes per cycle. VSGD of 2 x 4 = 8 weights = 80 bytes.
  const hw = hwWith(4, 4, { weightBytesPerCycle: 16, vectorLanes: 2 });
  const sgd = ins("VSGD", { wm: 100, wstride: 4, acc: 0, rows: 2, cols: 4, lr: 0.5 });

  it("alone: min(W, 20, remaining) = 16 bytes per cycle, 5 cycles", () => {
    const { sim, sink } = runBoth(hw, program([sgd, ins("HALT")]));
    expect(sink.life(0)).toEqual({ issue: 0, complete: 4 });
    expect(sim.stats.bytes.weightMemoryRead).toBe(8 * 4);
    expect(sim.stats.bytes.weightMemoryWritten).toBe(8 * 6);
    expect(sim.stats.bytes.accumulatorRead).toBe(8 * 4);
    expect(sim.stats.ops.vectorElements).toBe(8);
    // Cycle 0 moves bytes 0..15: weight 0 (4 read, 6 written) and 6 bytes of weight 1 (4 read, 2 written).
    expect([sink.rows[0].weightReadBytes, sink.rows[0].weightWrittenBytes]).toEqual([8, 8]);
  });

  it("an RDW takes the channel first: VSGD stalls while the load uses all of it and takes the rest", () => {
    // RDW 3 x 4 = 24 bytes at 1: 16 in cycle 1, 8 in cycle 2. VSGD: 16 at 0, 0 at 1 (stalled), 8 at 2,
    // then 16, 16, 16 (cycles 3..5: 72 bytes), and the last 8 at 6.
    const prog = program([sgd, ins("RDW", { wm: 0, wstride: 4, rows: 3, cols: 4 }), ins("HALT")]);
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 6 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: 2 });
    expect(states(sink, VECTOR).slice(0, 7)).toEqual(["busy", "stalled", "busy", "busy", "busy", "busy", "busy"]);
    expect(sink.rows.map((r) => r.weightReadBytes + r.weightWrittenBytes).slice(0, 7)).toEqual([16, 16, 16, 16, 16, 16, 8]);
    expect(sim.stats.unitStalledCycles.vector).toBe(1);
    expect(sim.stats.resourceStalls.weightMemory).toBe(1);
    expect(sim.stats.bytes.weightMemoryRead).toBe(24 + 8 * 4);
  });
});

describe("one port: fixed priority, whole requests (ARCHITECTURE 'Shared resources')", () => {
  /** A 2 x 2 tile at 0 (one cycle), a 4 x 2 input at 1 (one cycle), a switching pass of 4 vectors at 2 (streams 2..5). */
  const front = [
    ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
    ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 4, cols: 2 }),
    ins("MMUL", { ub: 0, ustride: 2, rows: 4, cols: 2, acc: 0, switch: 1 }),
  ];
  const fast = { hostBytesPerCycle: 64, weightBytesPerCycle: 64 };

  it("RDWU is refused the single read port while the matrix unit streams", () => {
    const prog = program([...front, ins("RDWU", { ub: 20, ustride: 2, rows: 2, cols: 2 }), ins("HALT")]);
    // One read port: the RDWU (at 3) is refused at 3..5 and reads at 6, 7. Two ports: 3, 4.
    const one = runBoth(hwWith(2, 2, { ...fast, unifiedBufferReadPorts: 1 }), prog);
    expect(one.sink.life(2).issue).toBe(2);
    expect(one.sink.life(3)).toEqual({ issue: 3, complete: 7 });
    expect(states(one.sink, WEIGHTS).slice(3, 8)).toEqual(["stalled", "stalled", "stalled", "busy", "busy"]);
    expect(one.sim.stats.resourceStalls.unifiedBufferRead).toBe(3);
    const two = runBoth(hwWith(2, 2, { ...fast, unifiedBufferReadPorts: 2 }), prog);
    expect(two.sink.life(3)).toEqual({ issue: 3, complete: 4 });
  });

  it("a two-source VEC needs two read ports: refused while the pass streams, a copy is not", () => {
    const add = ins("VEC", { fn: "add", dst: 40, dstride: 2, a: 20, astride: 2, b: 30, bstride: 2, rows: 1, cols: 2 });
    const copy = ins("VEC", { fn: "copy", dst: 40, dstride: 2, a: 20, astride: 2, b: 20, bstride: 2, rows: 1, cols: 2 });
    // Lv = 0, one step. The add (at 3) finds one port left at 3..5 and steps at 6; the copy steps at 3.
    const hw = hwWith(2, 2, { ...fast, vectorLatency: 0 });
    expect(runBoth(hw, program([...front, add, ins("HALT")])).sink.life(3)).toEqual({ issue: 3, complete: 6 });
    expect(runBoth(hw, program([...front, copy, ins("HALT")])).sink.life(3)).toEqual({ issue: 3, complete: 3 });
  });

  it("the activation unit goes before the vector unit on the single write port", () => {
    const hw = hwWith(2, 2, { activationLatency: 0, vectorLatency: 0, vectorLanes: 2 });
    const prog = program([
      ins("ACT", { acc: 0, rows: 3, cols: 2, ub: 0, ustride: 2, fn: "identity" }),
      ins("VEC", { fn: "copy", dst: 40, dstride: 2, a: 20, astride: 2, b: 20, bstride: 2, rows: 2, cols: 2 }),
      ins("HALT"),
    ]);
    // ACT writes at 0, 1, 2. The VEC (at 1, two steps) is refused at 1 and 2 and writes at 3, 4.
    const { sim, sink } = runBoth(hw, prog);
    expect(sink.life(0)).toEqual({ issue: 0, complete: 2 });
    expect(sink.life(1)).toEqual({ issue: 1, complete: 4 });
    expect(states(sink, ACTIVATION).slice(0, 3)).toEqual(seq(["busy", 3]));
    expect(sim.stats.resourceStalls.unifiedBufferWrite).toBe(2);
    const wide = runBoth(hwWith(2, 2, { activationLatency: 0, vectorLatency: 0, vectorLanes: 2, unifiedBufferWritePorts: 2 }), prog);
    expect(wide.sink.life(1)).toEqual({ issue: 1, complete: 2 });
  });

  it("an accumulating pass holds the single accumulator read port from t0 + 1 to t0 + B + C - 1", () => {
    const prog = program([
      ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
      ins("MMUL", { ub: 0, ustride: 2, rows: 3, cols: 2, acc: 0, switch: 1, accumulate: 1 }),
      ins("ACT", { acc: 10, rows: 2, cols: 2, ub: 40, ustride: 2, fn: "identity" }),
      ins("HALT"),
    ]);
    // Tile at 0, shift 1..2, t0 = 2; the pass reads psum inputs at 3..6. ACT (L = 1, 3 steps) issues
    // at 3 and is refused until 6: steps at 7, 8, 9. With two ports: 3, 4, 5. The pass ends at
    // t0 + B + R + C - 1 = 8 either way: the matrix unit never waits.
    const one = runBoth(hwWith(2, 2, { activationLatency: 1, accumulatorReadPorts: 1 }), prog);
    expect(one.sink.life(1)).toEqual({ issue: 2, complete: 8 });
    expect(one.sink.life(2)).toEqual({ issue: 3, complete: 9 });
    expect(one.sim.stats.resourceStalls.accumulatorRead).toBe(4);
    const two = runBoth(hwWith(2, 2, { activationLatency: 1, accumulatorReadPorts: 2 }), prog);
    expect(two.sink.life(2)).toEqual({ issue: 3, complete: 5 });
    expect(states(one.sink, DMA).every((s) => s === "idle")).toBe(true);
  });
});

/**
 * The naive chip's numbers: tiled matmuls against the exact int32 and the fp32-chain references
 * (test/helpers/reference-matmul.ts), and random programs against the sequential ISA interpreter
 * (test/helpers/isa-interpreter.ts) bit for bit on every memory, with the run's own bookkeeping
 * (trace columns sum to the totals, cycles = matrix busy + stalls) checked on the way.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../src/config/hw-config.js";
import { makeInstruction as ins, type Instruction } from "../../src/isa/opcodes.js";
import { IsaInterpreter } from "./isa-interpreter.js";
import { NaiveChip } from "./naive-chip.js";
import { naiveHw, randomNaiveMachine, type NaiveShape } from "./naive-programs.js";
import { Rng, f32Bits, randomBf16, randomInt8, referenceMatmulBf16, referenceMatmulInt32 } from "./reference-matmul.js";

/** C = A (m x k, in the buffer) . B (k x n, in weight memory), tiled R x C, results to host by WHMA. */
function tiledMatmul(m: number, k: number, n: number, R: number, C: number): Instruction[] {
  const list: Instruction[] = [];
  for (let j = 0; j * C < n; j++) {
    const tc = Math.min(C, n - j * C);
    for (let i = 0; i * R < k; i++) {
      const tr = Math.min(R, k - i * R);
      list.push(ins("RDW", { wm: i * R * n + j * C, wstride: n, rows: tr, cols: tc }));
      list.push(ins("MMUL", { ub: i * R, ustride: k, rows: m, cols: tr, acc: j * m, switch: 1, accumulate: i > 0 ? 1 : 0 }));
    }
    list.push(ins("WHMA", { acc: j * m, rows: m, cols: tc, host: j * C, hstride: n }));
  }
  list.push(ins("HALT"));
  return list;
}

function matmulOnChip(R: number, C: number, dtype: DType, m: number, k: number, n: number, a: Float32Array, b: Float32Array, hw: Record<string, unknown> = {}): Float64Array {
  const chip = new NaiveChip(naiveHw({ rows: R, cols: C, dtype, ...hw }), { instructions: tiledMatmul(m, k, n, R, C), data: [{ memory: "weights", address: 0, values: b }, { memory: "host", address: 0, values: new Float32Array(m * n) }] });
  chip.mem.ub.set(a);
  const r = chip.run(1_000_000);
  expect(r.fault).toBeNull();
  expect(r.stats.macs).toBe(m * k * n);
  return chip.mem.host.slice(0, m * n);
}

describe("matmul through the registers equals the references", () => {
  const cases: [number, number, number, number, number][] = [
    [1, 1, 3, 2, 2], [1, 3, 2, 5, 4], [3, 1, 4, 3, 5], [2, 3, 5, 7, 6], [4, 4, 6, 9, 10], [5, 7, 3, 12, 15], [8, 8, 9, 17, 11],
  ];
  it.each(cases)("%ix%i grid, int8, %i x %i x %i: exact int32", (R, C, m, k, n) => {
    const rng = new Rng(R * 100 + C);
    const a = Float32Array.from({ length: m * k }, () => randomInt8(rng));
    const b = Float32Array.from({ length: k * n }, () => randomInt8(rng));
    expect(Array.from(matmulOnChip(R, C, "int8", m, k, n, a, b))).toEqual(Array.from(referenceMatmulInt32(a, m, k, b, n)));
  });

  it.each(cases)("%ix%i grid, bf16, %i x %i x %i: one fp32 chain in k order, bit for bit", (R, C, m, k, n) => {
    const rng = new Rng(R * 100 + C + 7);
    for (const [lo, hi] of [[120, 134], [40, 60]]) {
      // [40, 60]: products of 2^-87..2^-67 underflow to fp32 subnormals and to (signed) zero.
      const a = Float32Array.from({ length: m * k }, () => randomBf16(rng, lo, hi, 0.1));
      const b = Float32Array.from({ length: k * n }, () => randomBf16(rng, lo, hi, 0.1));
      const got = Array.from(matmulOnChip(R, C, "bf16", m, k, n, a, b, { weightBytesPerCycle: 3, hostBytesPerCycle: 5 }), f32Bits);
      expect(got).toEqual(Array.from(referenceMatmulBf16(a, m, k, b, n), f32Bits));
    }
  });

  it("int32 accumulators wrap around", () => {
    // acc = 2^31 - 10, + (127 * 127 + 127 * 127) = 2^31 + 32248 -> wraps to -2^31 + 32248.
    const chip = new NaiveChip(naiveHw({ rows: 2, cols: 1, dtype: "int8" }), {
      instructions: [ins("RDW", { wm: 0, wstride: 1, rows: 2, cols: 1 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1, accumulate: 1 }), ins("HALT")],
      data: [{ memory: "weights", address: 0, values: new Float32Array([127, 127]) }],
    });
    chip.mem.ub.set([127, 127]);
    chip.mem.acc[0] = 2 ** 31 - 10;
    expect(chip.run().fault).toBeNull();
    expect(chip.mem.acc[0]).toBe(-(2 ** 31) + 32248);
  });
});

const RUNS = Number(process.env.TPUSIM_NAIVE_SELF_RUNS ?? 40);

const seen = { programs: 0, macs: 0, cycles: 0 };

function checkAgainstInterpreter(shape: NaiveShape): void {
  const m = randomNaiveMachine(shape);
  const chip = new NaiveChip(m.hw, m.program);
  chip.mem.ub.set(m.ub);
  chip.mem.acc.set(m.acc);
  const r = chip.run(200_000);
  if (m.planted !== null) {
    if (["overlap", "shape", "range"].includes(m.planted)) expect(r.fault).not.toBeNull();
    if (r.fault) expect(r.records.length).toBe(r.fault.cycle);
    return;
  }
  expect(r.fault).toBeNull();
  const s = r.stats;
  expect(r.records.length).toBe(s.cycles);
  expect(s.matrixBusyCycles + Object.values(s.stalls).reduce((x, y) => x + y, 0)).toBe(s.cycles);
  expect(s.unitBusyCycles.matrix).toBe(s.matrixBusyCycles);
  const sum = (k: keyof (typeof r.records)[number]) => r.records.reduce((x, rec) => x + (rec[k] as number), 0);
  expect([sum("ubReadBytes"), sum("ubWrittenBytes"), sum("accReadBytes"), sum("accWrittenBytes"), sum("weightReadBytes"), sum("weightWrittenBytes"), sum("hostReadBytes"), sum("hostWrittenBytes"), sum("macs")]).toEqual([
    s.bytes.unifiedBufferRead, s.bytes.unifiedBufferWritten, s.bytes.accumulatorRead, s.bytes.accumulatorWritten, s.bytes.weightMemoryRead, s.bytes.weightMemoryWritten, s.bytes.hostRead, s.bytes.hostWritten, s.macs,
  ]);
  // Every link carries at most its bandwidth each cycle.
  for (const rec of r.records) {
    expect(rec.weightReadBytes + rec.weightWrittenBytes).toBeLessThanOrEqual(m.hw.weightBytesPerCycle);
    expect(rec.hostReadBytes + rec.hostWrittenBytes).toBeLessThanOrEqual(m.hw.hostBytesPerCycle);
  }
  seen.programs++;
  seen.macs += s.macs;
  seen.cycles += s.cycles;
  expect(s.bytes.weightFifoRead).toBe(s.ops.tilesShifted * m.hw.rows * m.hw.cols * m.hw.elementBytes);

  const ref = new IsaInterpreter(m.hw, chip.sizes.host);
  ref.loadData(m.program);
  ref.ub.set(m.ub);
  ref.acc.set(m.acc);
  ref.run(m.program);
  expect(s.macs).toBe(ref.stats.macs);
  const bits = (xs: ArrayLike<number>, n: number) => Array.from({ length: n }, (_, i) => f32Bits(xs[i]));
  expect(bits(chip.mem.ub, chip.sizes.ub), "unified buffer").toEqual(bits(ref.ub, chip.sizes.ub));
  if (m.hw.dtype === "int8") expect(Array.from(chip.mem.acc), "accumulators").toEqual(Array.from(ref.acc));
  else expect(bits(chip.mem.acc, chip.mem.acc.length), "accumulators").toEqual(bits(ref.acc, ref.acc.length));
  expect(bits(chip.mem.wm, chip.sizes.wm), "weight memory").toEqual(bits(ref.weights, chip.sizes.wm));
  expect(bits(chip.mem.host, chip.sizes.host), "host memory").toEqual(bits(ref.host, chip.sizes.host));
}

describe("random programs: the naive chip == the sequential ISA interpreter", () => {
  it(`${RUNS} programs on grids 1x1..8x8, both dtypes, 1..3 ports (TPUSIM_NAIVE_SELF_RUNS)`, () => {
    const shapes = fc.record({
      rows: fc.integer({ min: 1, max: 8 }),
      cols: fc.integer({ min: 1, max: 8 }),
      dtype: fc.constantFrom<DType>("int8", "bf16"),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      length: fc.integer({ min: 1, max: 30 }),
      faulty: fc.constant(false),
    });
    fc.assert(fc.property(shapes, checkAgainstInterpreter), { numRuns: RUNS, seed: Number(process.env.TPUSIM_NAIVE_SEED ?? 20250613) });
    expect(seen.programs).toBe(RUNS); // not vacuous: every program ran, and passes did work
    expect(seen.macs).toBeGreaterThan(0);
  });

  it("programs with a planted fault stop at it", () => {
    const shapes = fc.record({
      rows: fc.integer({ min: 1, max: 8 }),
      cols: fc.integer({ min: 1, max: 8 }),
      dtype: fc.constantFrom<DType>("int8", "bf16"),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      length: fc.integer({ min: 1, max: 20 }),
      faulty: fc.constant(true),
    });
    fc.assert(fc.property(shapes, checkAgainstInterpreter), { numRuns: 20, seed: 7 });
  });
});

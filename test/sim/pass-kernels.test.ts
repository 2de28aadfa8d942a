/**
 * Fast mode's SIMD pass kernels (src/sim/pass-kernels.ts) against the JavaScript pass and the
 * independent reference (test/helpers/reference-matmul.ts): same accumulator bits, for passes that
 * accumulate over several tiles, odd tile extents, padding lanes, int32 wrap-around, and bf16 values
 * outside the kernels' exact range (which must fall back, not round differently).
 */
import { describe, expect, it } from "vitest";
import { BankNonzeros, fastPassFloat, fastPassInt, type PassOp } from "../../src/sim/fast.js";
import { Rng, bf16FromBits, f32Bits, randomBf16, randomInt8, referenceMatmulBf16, referenceMatmulInt32 } from "../helpers/reference-matmul.js";

interface Case {
  R: number;
  C: number;
  vectors: number;
  /** k-tiles accumulated one after another (each a pass through its own tile). */
  tiles: number;
  tileRows: number;
  tileCols: number;
  seed: number;
}

/** Runs the passes of C = A (vectors x tiles*tileRows) · B through one bank; returns the accumulators. */
function runPasses(c: Case, int: boolean, kernels: boolean, a: Float32Array, b: Float32Array): { acc: Int32Array | Float32Array; kernelUsed: boolean; fault: number } {
  const { R, C, vectors, tiles, tileRows, tileCols } = c;
  const k = tiles * tileRows;
  const banks = new BankNonzeros(R, C);
  banks.useKernels = kernels;
  const weights = new Float32Array(3 * R * C);
  const ub = Float32Array.from(a);
  const acc = int ? new Int32Array(vectors * C).fill(7) : new Float32Array(vectors * C).fill(7);
  let fault = -1;
  let kernelUsed = false;
  for (let t = 0; t < tiles; t++) {
    const bank = t % 2;
    const off = (bank + 1) * R * C;
    weights.fill(0, off, off + R * C);
    for (let r = 0; r < tileRows; r++) for (let j = 0; j < tileCols; j++) weights[off + r * C + j] = b[(t * tileRows + r) * tileCols + j];
    banks.build(bank, weights, off, tileRows, tileCols);
    const op: PassOp = { ub: t * tileRows, ustride: k, vectors, cols: tileRows, acc: 0, accumulate: t > 0 };
    const chunksBefore = banks.kernels.chunks;
    if (int) fastPassInt(ub, acc as Int32Array, R, C, tileCols, banks, bank, op, new Float64Array(C));
    else {
      const bad = fastPassFloat(ub, acc as Float32Array, R, C, tileCols, banks, bank, op, new Float32Array(C));
      if (bad >= 0 && fault < 0) fault = bad;
    }
    // The kernels decline chunks they cannot compute exactly or would be slower on.
    kernelUsed ||= banks.kernels.chunks > chunksBefore;
  }
  return { acc, kernelUsed, fault };
}

function operands(c: Case, int: boolean, value: (rng: Rng) => number): { a: Float32Array; b: Float32Array } {
  const rng = new Rng(c.seed);
  const k = c.tiles * c.tileRows;
  const a = Float32Array.from({ length: c.vectors * k }, () => value(rng));
  const b = Float32Array.from({ length: k * c.tileCols }, () => value(rng));
  void int;
  return { a, b };
}

/** The tile's columns of each accumulator row; the columns past the tile must be 0 (first pass wrote them). */
function columns(acc: Int32Array | Float32Array, c: Case): number[] {
  const out: number[] = [];
  for (let v = 0; v < c.vectors; v++) {
    for (let j = 0; j < c.C; j++) {
      const x = acc[v * c.C + j];
      if (j < c.tileCols) out.push(acc instanceof Float32Array ? f32Bits(x) : x);
      else expect(x).toBe(0);
    }
  }
  return out;
}

const CASES: Case[] = [
  { R: 128, C: 128, vectors: 300, tiles: 3, tileRows: 128, tileCols: 128, seed: 1 },
  { R: 16, C: 40, vectors: 257, tiles: 4, tileRows: 13, tileCols: 37, seed: 2 },
  { R: 32, C: 48, vectors: 64, tiles: 2, tileRows: 31, tileCols: 33, seed: 3 },
  { R: 64, C: 64, vectors: 1000, tiles: 2, tileRows: 64, tileCols: 60, seed: 4 },
];

describe("int8 kernel", () => {
  for (const c of CASES) {
    it(`R ${c.R} C ${c.C}, ${c.vectors} vectors, ${c.tiles} tiles of ${c.tileRows}x${c.tileCols}: kernel == JavaScript == reference`, () => {
      const { a, b } = operands(c, true, randomInt8);
      const fast = runPasses(c, true, true, a, b);
      const js = runPasses(c, true, false, a, b);
      expect(fast.kernelUsed).toBe(true);
      expect(js.kernelUsed).toBe(false);
      const want = Array.from(referenceMatmulInt32(a, c.vectors, c.tiles * c.tileRows, b, c.tileCols));
      expect(columns(fast.acc, c)).toEqual(want);
      expect(columns(js.acc, c)).toEqual(want);
    });
  }

  it("an input that is not an int8 integer (129, 0.5) sends its chunk to the JavaScript pass", () => {
    const c: Case = { R: 64, C: 64, vectors: 300, tiles: 1, tileRows: 64, tileCols: 64, seed: 9 };
    const { a, b } = operands(c, true, randomInt8);
    a[5] = 129;
    const fast = runPasses(c, true, true, a, b);
    // The second chunk (vectors 256..299) is clean and runs in the kernel.
    expect(fast.kernelUsed).toBe(true);
    expect(columns(fast.acc, c)).toEqual(Array.from(referenceMatmulInt32(a, c.vectors, 64, b, 64)));
    a[5] = 0.5;
    const half = runPasses(c, true, true, a, b);
    const js = runPasses(c, true, false, a, b);
    expect(columns(half.acc, c)).toEqual(columns(js.acc, c));
  });

  it("mostly-zero inputs (like MNIST pixels) go to the JavaScript pass, which skips them; same sums", () => {
    const c: Case = { R: 64, C: 64, vectors: 256, tiles: 2, tileRows: 64, tileCols: 64, seed: 8 };
    const { a, b } = operands(c, true, randomInt8);
    for (let i = 0; i < a.length; i++) if (i % 50 !== 0) a[i] = 0;
    const fast = runPasses(c, true, true, a, b);
    expect(fast.kernelUsed).toBe(false);
    expect(columns(fast.acc, c)).toEqual(Array.from(referenceMatmulInt32(a, c.vectors, c.tiles * c.tileRows, b, c.tileCols)));
  });

  it("wraps around int32 like the array: 1100 passes of 128 x (-128 * -128) exceed 2^31", () => {
    const c: Case = { R: 128, C: 32, vectors: 4, tiles: 1100, tileRows: 128, tileCols: 32, seed: 5 };
    const k = c.tiles * c.tileRows;
    const a = new Float32Array(c.vectors * k).fill(-128);
    const b = new Float32Array(k * c.tileCols).fill(-128);
    const fast = runPasses(c, true, true, a, b);
    expect(fast.kernelUsed).toBe(true);
    // 1100 * 128 * 16384 = 2306867200 > 2^31: the int32 accumulator holds it minus 2^32.
    expect(fast.acc[0]).toBe(2306867200 - 2 ** 32);
    expect(columns(fast.acc, c)).toEqual(Array.from(referenceMatmulInt32(a, c.vectors, k, b, c.tileCols)));
  });
});

describe("bf16 kernel", () => {
  for (const c of CASES) {
    it(`R ${c.R} C ${c.C}, ${c.vectors} vectors, ${c.tiles} tiles of ${c.tileRows}x${c.tileCols}: same fp32 bits as the JavaScript pass and the k-order chain`, () => {
      const { a, b } = operands(c, false, (rng) => randomBf16(rng));
      const fast = runPasses(c, false, true, a, b);
      const js = runPasses(c, false, false, a, b);
      expect(fast.kernelUsed).toBe(true);
      const want = Array.from(referenceMatmulBf16(a, c.vectors, c.tiles * c.tileRows, b, c.tileCols), f32Bits);
      expect(columns(fast.acc, c)).toEqual(want);
      expect(columns(js.acc, c)).toEqual(want);
    });
  }

  it("products near the fp32 subnormal range fall back to JavaScript and keep the fused rounding", () => {
    const c: Case = { R: 32, C: 32, vectors: 64, tiles: 2, tileRows: 32, tileCols: 32, seed: 6 };
    // Exponents 60..70 (2^-67 .. 2^-57): products reach below 2^-120, where fp32 multiplication would round.
    const { a, b } = operands(c, false, (rng) => randomBf16(rng, 60, 70, 0.1));
    const tiny = bf16FromBits(0x0080); // 2^-126
    a[0] = tiny;
    const fast = runPasses(c, false, true, a, b);
    expect(fast.kernelUsed).toBe(false);
    const want = Array.from(referenceMatmulBf16(a, c.vectors, c.tiles * c.tileRows, b, c.tileCols), f32Bits);
    expect(columns(fast.acc, c)).toEqual(want);
  });

  it("reports the first non-finite result, as the JavaScript pass does", () => {
    // Products of 2^60 * 2^60 = 2^120 (inside the kernels' range); 256 of them overflow fp32.
    const c: Case = { R: 32, C: 32, vectors: 8, tiles: 10, tileRows: 32, tileCols: 32, seed: 7 };
    const a = new Float32Array(c.vectors * 320).fill(2 ** 60);
    const b = new Float32Array(320 * 32).fill(2 ** 60);
    b[5] = -(2 ** 60);
    const fast = runPasses(c, false, true, a, b);
    const js = runPasses(c, false, false, a, b);
    expect(fast.kernelUsed).toBe(true);
    expect(js.fault).toBeGreaterThanOrEqual(0);
    expect(fast.fault).toBe(js.fault);
    expect(columns(fast.acc, c)).toEqual(columns(js.acc, c));
  });
});

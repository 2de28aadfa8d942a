/**
 * C = A·B through compileMatmul on odd shapes and grids, in both modes, bit-equal to the independent
 * references (test/helpers/reference-matmul.ts): "the array size changes the cycle count, never the
 * numbers" (docs/ARCHITECTURE.md "Order of additions").
 */
import { describe, expect, it } from "vitest";
import { expectMatmul } from "../helpers/expect-matmul.js";
import { Rng, bf16FromBits, f32Bits, randomBf16 } from "../helpers/reference-matmul.js";

describe("bf16 matmul on odd shapes", () => {
  it("1x1x1 on a 1x1 grid", () => void expectMatmul({ m: 1, k: 1, n: 1, rows: 1, cols: 1, dtype: "bf16", seed: 1 }));
  it("5x7x3 on a 1x1 grid", () => void expectMatmul({ m: 5, k: 7, n: 3, rows: 1, cols: 1, dtype: "bf16", seed: 2 }));
  it("1x1x1 on an 8x8 grid (grid larger than the matrices)", () => void expectMatmul({ m: 1, k: 1, n: 1, rows: 8, cols: 8, dtype: "bf16", seed: 3 }));
  it("3x2x4 on a 12x11 grid", () => void expectMatmul({ m: 3, k: 2, n: 4, rows: 12, cols: 11, dtype: "bf16", seed: 4 }));
  it("8x8x8 on an 8x8 grid (exactly one tile)", () => void expectMatmul({ m: 8, k: 8, n: 8, rows: 8, cols: 8, dtype: "bf16", seed: 5 }));
  it("9x17x11 on a 4x4 grid (K and N not multiples)", () => void expectMatmul({ m: 9, k: 17, n: 11, rows: 4, cols: 4, dtype: "bf16", seed: 6 }));
  it("6x10x7 on a 3x5 grid", () => void expectMatmul({ m: 6, k: 10, n: 7, rows: 3, cols: 5, dtype: "bf16", seed: 7 }));
  it("6x10x7 on a 5x3 grid", () => void expectMatmul({ m: 6, k: 10, n: 7, rows: 5, cols: 3, dtype: "bf16", seed: 8 }));
  it("13x15x9 on a 7x2 grid", () => void expectMatmul({ m: 13, k: 15, n: 9, rows: 7, cols: 2, dtype: "bf16", seed: 9 }));
  it("2x40x3 on a 2x7 grid (long K, many k-tiles)", () => void expectMatmul({ m: 2, k: 40, n: 3, rows: 2, cols: 7, dtype: "bf16", seed: 10 }));
  it("33x4x1 on a 4x1 grid (tall A, one output column)", () => void expectMatmul({ m: 33, k: 4, n: 1, rows: 4, cols: 1, dtype: "bf16", seed: 11 }));
  it("1x9x30 on a 1x12 grid (a single row)", () => void expectMatmul({ m: 1, k: 9, n: 30, rows: 1, cols: 12, dtype: "bf16", seed: 12 }));
  it("7x9x5 with only 4 accumulator rows (rows of A in chunks)", () =>
    void expectMatmul({ m: 7, k: 9, n: 5, rows: 3, cols: 2, dtype: "bf16", seed: 13, hw: { accumulatorRows: 4 } }));
  it("7x9x5 with a one-tile FIFO and slow links", () =>
    void expectMatmul({ m: 7, k: 9, n: 5, rows: 3, cols: 4, dtype: "bf16", seed: 14, hw: { weightFifoTiles: 1, weightBytesPerCycle: 1, hostBytesPerCycle: 3 } }));

  it("the same product on five grids gives the same bits and different cycle counts", () => {
    const cycles = new Set<number>();
    let first: Float64Array | undefined;
    for (const [rows, cols] of [[1, 1], [2, 3], [5, 2], [8, 8], [12, 7]]) {
      const out = expectMatmul({ m: 6, k: 13, n: 5, rows, cols, dtype: "bf16", seed: 15 });
      first ??= out.c;
      expect(Array.from(out.c, f32Bits)).toEqual(Array.from(first, f32Bits));
      cycles.add(out.sims.detailed.stats.cycles);
    }
    expect(cycles.size).toBeGreaterThan(1);
  });
});

describe("bf16 cancellation and rounding order", () => {
  const big = 2 ** 20;
  it("big + small - big: the small term is lost in the chain order (k-tiles of 1, 2 and 3)", () => {
    // 2^24 + 1 rounds to 2^24 (ties to even), then - 2^24 = 0, whatever the k-tiling; exactly it is 1.
    const a = [2 ** 12, 1, -(2 ** 12)];
    const b = [2 ** 12, 1, 2 ** 12];
    for (const rows of [1, 2, 3]) {
      const out = expectMatmul({ m: 1, k: 3, n: 1, rows, cols: 1, dtype: "bf16", a, b });
      expect(out.c[0]).toBe(0);
    }
  });
  it("small terms first survive: 1 + 1 + 2^24 - 2^24 = 2 in order", () => {
    const out = expectMatmul({ m: 1, k: 4, n: 1, rows: 2, cols: 1, dtype: "bf16", a: [1, 1, 2 ** 12, -(2 ** 12)], b: [1, 1, 2 ** 12, 2 ** 12] });
    expect(out.c[0]).toBe(2);
  });
  it("exact cancellation gives +0, and so do products that underflow to -0 (no negative zero stored)", () => {
    const tiny = bf16FromBits(0x0080); // 2^-126
    const a = [big, -tiny, tiny, -1];
    const b = [1, tiny, -tiny, big];
    // Row 0: 2^20 - 2^20 = +0. Row 1: -tiny*tiny underflows to -0 twice, stored as +0.
    const out = expectMatmul({ m: 2, k: 2, n: 2, rows: 2, cols: 2, dtype: "bf16", a, b: [b[0], b[1], b[2], b[3]] });
    for (const v of out.c) if (v === 0) expect(Object.is(v, 0)).toBe(true);
    const under = expectMatmul({ m: 1, k: 2, n: 1, rows: 1, cols: 1, dtype: "bf16", a: [-tiny, tiny], b: [tiny, -tiny] });
    expect(f32Bits(under.c[0])).toBe(0);
  });
  it("subnormal results and values near the fp32 limits", () => {
    const rng = new Rng(21);
    const a = Array.from({ length: 6 * 5 }, () => randomBf16(rng, 50, 70));
    const b = Array.from({ length: 5 * 4 }, () => randomBf16(rng, 50, 70));
    expectMatmul({ m: 6, k: 5, n: 4, rows: 2, cols: 3, dtype: "bf16", a, b });
    const huge = Array.from({ length: 3 * 4 }, () => randomBf16(rng, 240, 250));
    const one = Array.from({ length: 4 * 2 }, () => randomBf16(rng, 124, 127));
    expectMatmul({ m: 3, k: 4, n: 2, rows: 3, cols: 2, dtype: "bf16", a: huge, b: one });
  });
  it("zero rows, zero columns and signed zeros in the operands", () => {
    const a = [0, -0, 0, 1.5, -2, 0, -0, -0, -0];
    const b = [-0, 3, 0, -0, 0, 0.25, 0, -1, 0];
    expectMatmul({ m: 3, k: 3, n: 3, rows: 2, cols: 2, dtype: "bf16", a, b });
  });
});

describe("int8 matmul", () => {
  it("1x1x1 on a 1x1 grid", () => void expectMatmul({ m: 1, k: 1, n: 1, rows: 1, cols: 1, dtype: "int8", seed: 31 }));
  it("9x17x11 on a 4x4 grid", () => void expectMatmul({ m: 9, k: 17, n: 11, rows: 4, cols: 4, dtype: "int8", seed: 32 }));
  it("10x11x12 on a 3x5 grid", () => void expectMatmul({ m: 10, k: 11, n: 12, rows: 3, cols: 5, dtype: "int8", seed: 33 }));
  it("10x11x12 on a 5x3 grid", () => void expectMatmul({ m: 10, k: 11, n: 12, rows: 5, cols: 3, dtype: "int8", seed: 34 }));
  it("4x20x6 on a 7x2 grid", () => void expectMatmul({ m: 4, k: 20, n: 6, rows: 7, cols: 2, dtype: "int8", seed: 35 }));
  it("2x3x2 on a 12x12 grid", () => void expectMatmul({ m: 2, k: 3, n: 2, rows: 12, cols: 12, dtype: "int8", seed: 36 }));
  it("the extremes: -128 * -128 and 127 * -128", () => {
    const out = expectMatmul({ m: 2, k: 2, n: 2, rows: 2, cols: 2, dtype: "int8", a: [-128, -128, 127, 127], b: [-128, 127, -128, 127] });
    expect(Array.from(out.c)).toEqual([32768, -32512, -32512, 32258]);
  });

  it("int32 wrap-around: K = 2^17 + 2^12 products of -128 * -128 (and of 127 * 127)", () => {
    const k = 2 ** 17 + 2 ** 12;
    const a = new Float32Array(2 * k);
    a.fill(-128, 0, k);
    a.fill(127, k);
    const b = new Float32Array(k * 2);
    for (let i = 0; i < k; i++) {
      b[i * 2] = -128;
      b[i * 2 + 1] = 127;
    }
    const out = expectMatmul({ m: 2, k, n: 2, rows: 64, cols: 2, dtype: "int8", a, b });
    // (2^17 + 2^12) * 2^14 = 2^31 + 2^26 wraps to -2^31 + 2^26; k * 127^2 = 2180124672 wraps to it - 2^32.
    expect(out.c[0]).toBe(-(2 ** 31) + 2 ** 26);
    expect(out.c[3]).toBe(2180124672 - 2 ** 32);
  });
});

describe("products big enough for fast mode's SIMD pass kernels (sim/pass-kernels.ts)", () => {
  /** Kernel chunks fast mode computed (its bank store is internal to the controller). */
  const kernelChunks = (sim: unknown) => (sim as { ctx: { nonzeros: { kernels: { chunks: number } } } }).ctx.nonzeros.kernels.chunks;
  for (const dtype of ["int8", "bf16"] as const) {
    it(`${dtype} 300x100x70 on a 48x40 grid: kernels and JavaScript passes (30-column tiles) == detailed mode == reference`, () => {
      const out = expectMatmul({ m: 300, k: 100, n: 70, rows: 48, cols: 40, dtype, seed: 21, hw: { accumulatorRows: 2048, hostBytesPerCycle: 64, weightBytesPerCycle: 64 } });
      expect(kernelChunks(out.sims.fast)).toBeGreaterThan(0);
    });
  }
});

/**
 * The layer references of `tpusim topology` (src/golden/layer-product.ts) against the test suite's
 * own matmul references (test/helpers/reference-matmul.ts) on an im2col matrix built here, from the
 * convolution's definition: every bit, int8 (with int32 wrap-around) and bf16.
 */
import { describe, expect, it } from "vitest";
import { convRowsReference, gemmRowsReference } from "../../src/golden/layer-product.js";
import { Rng, f32Bits, randomBf16, randomInt8, referenceMatmulBf16, referenceMatmulInt32 } from "../helpers/reference-matmul.js";

const conv = { ifmapHeight: 9, ifmapWidth: 11, filterHeight: 3, filterWidth: 2, channels: 5, stride: 2, outputHeight: 4, outputWidth: 5 };

/** Patch matrix: row (oy, ox), column (ky, kx, c), as SCALE-Sim's im2col orders a filter. */
function im2col(x: Float32Array): Float32Array {
  const k = conv.filterHeight * conv.filterWidth * conv.channels;
  const out = new Float32Array(conv.outputHeight * conv.outputWidth * k);
  let i = 0;
  for (let oy = 0; oy < conv.outputHeight; oy++)
    for (let ox = 0; ox < conv.outputWidth; ox++)
      for (let ky = 0; ky < conv.filterHeight; ky++)
        for (let kx = 0; kx < conv.filterWidth; kx++)
          for (let c = 0; c < conv.channels; c++) out[i++] = x[((oy * conv.stride + ky) * conv.ifmapWidth + ox * conv.stride + kx) * conv.channels + c];
  return out;
}

describe("layer references", () => {
  for (const int8 of [true, false]) {
    const dtype = int8 ? "int8" : "bf16";
    const bits = (v: ArrayLike<number>) => (int8 ? Array.from(v) : Array.from(v, f32Bits));
    it(`${dtype} convolution rows == reference matmul of the im2col matrix`, () => {
      const rng = new Rng(int8 ? 3 : 4);
      const value = () => (int8 ? randomInt8(rng) : randomBf16(rng));
      const x = Float32Array.from({ length: conv.ifmapHeight * conv.ifmapWidth * conv.channels }, value);
      const k = conv.filterHeight * conv.filterWidth * conv.channels;
      const n = 7;
      const w = Float32Array.from({ length: k * n }, value);
      const m = conv.outputHeight * conv.outputWidth;
      const want = int8 ? referenceMatmulInt32(im2col(x), m, k, w, n) : referenceMatmulBf16(im2col(x), m, k, w, n);
      expect(bits(convRowsReference(int8, conv, x, w, n, 0, m))).toEqual(bits(want));
      // A block in the middle: rows 6..13.
      expect(bits(convRowsReference(int8, conv, x, w, n, 6, 8))).toEqual(bits(want.subarray(6 * n, 14 * n)));
    });

    it(`${dtype} GEMM rows == reference matmul, K not a multiple of 4`, () => {
      const rng = new Rng(int8 ? 5 : 6);
      const value = () => (int8 ? randomInt8(rng) : randomBf16(rng));
      const [m, k, n] = [9, 23, 6];
      const a = Float32Array.from({ length: m * k }, value);
      const b = Float32Array.from({ length: k * n }, value);
      const want = int8 ? referenceMatmulInt32(a, m, k, b, n) : referenceMatmulBf16(a, m, k, b, n);
      expect(bits(gemmRowsReference(int8, a, b, k, n, 2, 5))).toEqual(bits(want.subarray(2 * n, 7 * n)));
    });
  }

  it("int8 sums wrap around int32: K = 2^17 + 8 products of -128 * -128", () => {
    const k = 2 ** 17 + 8;
    const a = new Float32Array(k).fill(-128);
    const b = new Float32Array(k).fill(-128);
    // (2^17 + 8) * 2^14 = 2^31 + 2^17 wraps to -2^31 + 2^17.
    expect(gemmRowsReference(true, a, b, k, 1, 0, 1)[0]).toBe(-(2 ** 31) + 2 ** 17);
  });
});

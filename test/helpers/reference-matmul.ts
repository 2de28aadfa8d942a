/**
 * Independent references for C = A (m x k) · B (k x n), row-major, sharing no code with src/hw or
 * src/sim (docs/ARCHITECTURE.md "Numerics", "Order of additions"):
 *   int8: exact products, int32 two's-complement wrap-around after every addition;
 *   bf16: one chain per output over k in increasing order, s = fp32(s + a*b) with the product exact
 *         (a, b bf16), then the accumulator write s + 0 (no negative zero).
 * Plus seeded generators of values the machine holds exactly (bf16 patterns, int8 integers).
 */

/** Exact int32 matmul with wrap-around; inputs are integers. */
export function referenceMatmulInt32(a: ArrayLike<number>, m: number, k: number, b: ArrayLike<number>, n: number): Int32Array {
  const out = new Int32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let x = 0; x < k; x++) s = (s + a[i * k + x] * b[x * n + j]) | 0;
      out[i * n + j] = s;
    }
  }
  return out;
}

/** bf16 matmul in the documented order; inputs must be bf16-representable. */
export function referenceMatmulBf16(a: ArrayLike<number>, m: number, k: number, b: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let x = 0; x < k; x++) s = Math.fround(s + a[i * k + x] * b[x * n + j]);
      out[i * n + j] = s + 0;
    }
  }
  return out;
}

/** mulberry32: a tiny seeded generator, independent of src/numerics/random.ts. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.u32() % xs.length];
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The number whose fp32 pattern is `bits16 << 16` (a bf16 value). */
export function bf16FromBits(bits16: number): number {
  u32[0] = (bits16 & 0xffff) << 16;
  return f32[0];
}

/** Float32 bit pattern of x (distinguishes -0 from +0 and NaN payloads). */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

/**
 * A finite bf16 value with a biased exponent in [expLo, expHi] (127 = 1.0), random sign and
 * mantissa; `zeroChance` of the results are +0 or -0. The default range keeps sums of a few
 * thousand products far from overflow while still exercising rounding and cancellation.
 */
export function randomBf16(rng: Rng, expLo = 120, expHi = 134, zeroChance = 0.05): number {
  if (rng.u32() / 2 ** 32 < zeroChance) return rng.u32() & 1 ? -0 : 0;
  const sign = rng.u32() & 1;
  const exp = rng.int(expLo, expHi);
  const mant = rng.u32() & 0x7f;
  return bf16FromBits((sign << 15) | (exp << 7) | mant);
}

/** An int8 integer, with the extremes -128 and 127 forced in about 1 case in 8. */
export function randomInt8(rng: Rng): number {
  const r = rng.u32() % 16;
  if (r === 0) return -128;
  if (r === 1) return 127;
  return rng.int(-128, 127);
}

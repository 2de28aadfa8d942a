/**
 * pe-rows.ts inexactBits: which factors the bf16 SIMD row kernel may multiply (pe-rows-wasm.ts).
 * The kernel gives JavaScript's numbers only if every product of two accepted factors is exact in
 * fp32; float64 holds such a product exactly, so Math.fround(a * w) === a * w is the check. The
 * range's ends are those docs/PERFORMANCE.md states, and a factor pair just outside them is not
 * exact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inexactBits } from "../../src/hw/pe-rows.js";

const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];
const valueOf = (bits: number) => new Float32Array(Uint32Array.of(bits >>> 0).buffer)[0];
const accepted = (x: number) => inexactBits(bitsOf(x)) === 0;
/** The bf16 value with this sign, biased exponent and 7-bit mantissa. */
const bf16 = (negative: boolean, exponent: number, mantissa: number) => valueOf(((negative ? 1 : 0) << 31) | (exponent << 23) | (mantissa << 16));
const exactInFp32 = (p: number) => Number.isFinite(p) && Math.fround(p) === p;
/** The largest accepted magnitude: (2 - 2^-7) * 2^63. */
const TOP = (2 - 2 ** -7) * 2 ** 63;

describe("inexactBits: the bf16 SIMD kernel's factors", () => {
  it("accepts ±0 and bf16 values of magnitude in [2^-67, 2^64), refuses the rest", () => {
    for (const x of [0, -0, 1, -1.5, 2 ** -67, -(2 ** -67), TOP, -TOP, 2 ** 63, 3 * 2 ** -60]) expect(accepted(x), `${x}`).toBe(true);
    const refused = [2 ** -68, (2 - 2 ** -7) * 2 ** -68, 2 ** 64, -(2 ** 64), 1 + 2 ** -8, Math.PI, 1e-30, 2 ** -130, 2 ** -149, Infinity, -Infinity, NaN];
    for (const x of refused) expect(accepted(x), `${x}`).toBe(false);
    // NaN payloads (signalling, negative), a value one bit off bf16, the smallest negative subnormal.
    for (const bits of [0x7fa00000, 0xffc12340, 0x3f800001, 0x80000001]) expect(inexactBits(bits), bits.toString(16)).not.toBe(0);
  });

  it("every product of two accepted values at the range's ends is exact in fp32 (all mantissas and signs)", () => {
    for (const [e1, e2] of [[60, 60], [190, 190], [60, 190]]) {
      for (let m1 = 0; m1 < 128; m1++) {
        for (let m2 = 0; m2 < 128; m2++) {
          for (const s of [false, true]) {
            const a = bf16(s, e1, m1);
            const w = bf16(false, e2, m2);
            if (!accepted(a) || !accepted(w)) expect.fail(`${a} and ${w} should be accepted`);
            if (!exactInFp32(a * w)) expect.fail(`${a} * ${w} = ${a * w} is not exact in fp32`);
          }
        }
      }
    }
    // Just outside, both factors: the product overflows, or has bits below 2^-149.
    expect(exactInFp32(bf16(false, 191, 0) * bf16(false, 191, 0))).toBe(false);
    expect(exactInFp32(bf16(false, 59, 1) * bf16(false, 59, 1))).toBe(false);
  });

  it("every product of two accepted values is exact in fp32 (random bf16 values, exponents near the ends)", () => {
    const exponent = fc.oneof(fc.integer({ min: 55, max: 66 }), fc.integer({ min: 184, max: 195 }), fc.integer({ min: 0, max: 255 }));
    const value = fc.tuple(fc.boolean(), exponent, fc.integer({ min: 0, max: 127 })).map(([s, e, m]) => bf16(s, e, m));
    let checked = 0;
    fc.assert(
      fc.property(value, value, (a, w) => {
        if (!accepted(a) || !accepted(w)) return true;
        checked++;
        return exactInFp32(a * w);
      }),
      { numRuns: 20_000, seed: 1812 },
    );
    expect(checked, "pairs both accepted").toBeGreaterThan(5_000);
  });
});

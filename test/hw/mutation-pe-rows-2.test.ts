/**
 * The MAC row kernels of src/hw/pe-rows.ts called directly (docs/mutation/pe-rows.md). The array
 * (src/hw/systolic-array.ts) runs them only where its SIMD kernel does not: arrays whose column count
 * is not a multiple of 4, windows of several runs (rowSegment*), a top buffer of its own and bf16
 * windows the SIMD kernel would round. Here every register array is filled with seeded random values,
 * with spare entries around the part a call may touch, and the whole array is compared
 * after the call against a per-PE reference written from the register layout of docs/ARCHITECTURE.md
 * "MatrixMultiply" and systolic-array.ts's header: PE row r of a window holds, in column c, lane r of
 * the vector in slot (jHi - r - c) mod N, its psum lives in ring row (pRow + r) mod (R+1), and one PE
 * step is top-or-psum + act x weight (int8: 32-bit wrap-around; bf16: the float64 sum rounded to fp32).
 * Everything outside the PEs a call covers must keep its value.
 */
import { describe, expect, it } from "vitest";
import { rowSegmentFloat, rowSegmentInt, wholeWindowFloat, wholeWindowInt } from "../../src/hw/pe-rows.js";
import { Rng, randomBf16, randomInt8 } from "../helpers/reference-matmul.js";

/** Spare entries around every array: a kernel that reads or writes past its part shows. */
const PAD = 12;

type Kind = "int8" | "bf16";
const alloc = (kind: Kind, n: number) => (kind === "int8" ? new Int32Array(n) : new Float32Array(n));
/** A psum or top value: any int32 (sums wrap around 2^31), or a finite fp32-rounded bf16-range number. */
const psumValue = (kind: Kind, rng: Rng) => (kind === "int8" ? rng.u32() | 0 : Math.fround(randomBf16(rng, 110, 140) * (1 + rng.int(0, 255) / 256)));
const factor = (kind: Kind, rng: Rng) => (kind === "int8" ? randomInt8(rng) : randomBf16(rng));
/** One PE step (docs/ARCHITECTURE.md "Numerics"): the product is exact in float64 for bf16 factors. */
const step = (kind: Kind, s: number, a: number, w: number) => (kind === "int8" ? (s + a * w) | 0 : Math.fround(s + a * w));

function fill(arr: Int32Array | Float32Array, f: () => number): void {
  for (let i = 0; i < arr.length; i++) arr[i] = f();
}

/** Every entry's bit pattern equal (so -0, NaN and every int32 compare exactly); the first that is not fails. */
function expectSameBits(got: Int32Array | Float32Array, want: Int32Array | Float32Array, where: string): void {
  const g = new Int32Array(got.buffer, got.byteOffset, got.length);
  const w = new Int32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < g.length; i++) if (g[i] !== w[i]) expect.fail(`${where}: psum[${i}] is ${got[i]}, want ${want[i]}`);
}

describe.each(["int8", "bf16"] as Kind[])("rowSegment (%s): columns c0..c1 of one PE row", (kind) => {
  const rowSegment = (...args: Parameters<typeof rowSegmentInt>) =>
    kind === "int8" ? rowSegmentInt(...args) : (rowSegmentFloat as unknown as typeof rowSegmentInt)(...args);

  it("adds setup[a0 - (c - c0)] x weights[wBase + c] to psum[pBase + c] (row 0: to top[c]), touching nothing else", () => {
    const rng = new Rng(kind === "int8" ? 0x5e6 : 0xbf16);
    let cases = 0;
    // Segments of 1..11 columns: zero, one and two groups of four plus every remainder 0..3.
    for (let c0 = 0; c0 <= 5; c0++) {
      for (let c1 = c0; c1 <= c0 + 10; c1++) {
        for (const firstRow of [true, false]) {
          const C = c1 + 2;
          const psum = alloc(kind, 2 * C + 2 * PAD);
          const top = alloc(kind, C + PAD);
          const setup = alloc(kind, 3 * C + 2 * PAD);
          const weights = alloc(kind, 2 * C + 2 * PAD);
          fill(psum, () => psumValue(kind, rng));
          fill(top, () => psumValue(kind, rng));
          fill(setup, () => factor(kind, rng));
          fill(weights, () => factor(kind, rng));
          const pBase = PAD + rng.int(0, C);
          const wBase = PAD + rng.int(0, C);
          // The activation index runs down from a0 (column c0) to a0 - (c1 - c0).
          const a0 = PAD + (c1 - c0) + rng.int(0, C);
          const want = psum.slice();
          for (let c = c0; c <= c1; c++) want[pBase + c] = step(kind, firstRow ? top[c] : psum[pBase + c], setup[a0 - (c - c0)], weights[wBase + c]);
          rowSegment(psum as Int32Array, pBase, firstRow, top as Int32Array, setup as Int32Array, a0, weights as Int32Array, wBase, c0, c1);
          const where = `c0 ${c0}, c1 ${c1}, first row ${firstRow}, pBase ${pBase}, a0 ${a0}, wBase ${wBase}`;
          expectSameBits(psum, want, where);
          cases++;
        }
      }
    }
    expect(cases).toBe(6 * 11 * 2);
  });
});

describe.each(["int8", "bf16"] as Kind[])("wholeWindow (%s): every PE of an R x C array, one bank", (kind) => {
  const wholeWindow = (...args: Parameters<typeof wholeWindowInt>) =>
    kind === "int8" ? wholeWindowInt(...args) : (wholeWindowFloat as unknown as typeof wholeWindowInt)(...args);

  it("PE(r, c) steps ring row (pRow + r) mod (R+1) with lane r of the vector in slot (jHi - r - c) mod N and W[g][r][c]", () => {
    const rng = new Rng(kind === "int8" ? 0x3a11 : 0xf10a7);
    let cases = 0;
    for (let R = 1; R <= 5; R++) {
      for (let C = 1; C <= 9; C++) {
        const N = R + C + 1;
        const S = 2 * N;
        // Every slot and ring row once in a while, the wrap-around ends always (jHi 0 and N-1, pRow R and 0).
        const starts: [number, number][] = [[0, R], [N - 1, 0], [0, 0], [N - 1, R], [rng.int(0, N - 1), rng.int(0, R)]];
        for (const [jHi, pRow] of starts) {
          for (let g = 0; g < 3; g++) {
            // The registers as the array lays them out, each followed by spare entries (a typed array
            // ignores writes past its end, so a kernel that runs past its part shows only in a longer
            // array): psum[(R+1)*C], top[C], setup[R*2N] (lane r of slot x at r*2N + x, mirrored at
            // + N), weights[3*R*C].
            const psum = alloc(kind, (R + 1) * C + PAD);
            const top = alloc(kind, C + PAD);
            const setup = alloc(kind, R * S + PAD);
            const weights = alloc(kind, 3 * R * C + PAD);
            fill(psum, () => psumValue(kind, rng));
            fill(top, () => psumValue(kind, rng));
            fill(setup, () => factor(kind, rng));
            fill(weights, () => factor(kind, rng));
            for (let r = 0; r < R; r++) for (let x = 0; x < N; x++) setup[r * S + x + N] = setup[r * S + x];
            const mod = (x: number, n: number) => ((x % n) + n) % n;
            const want = psum.slice();
            for (let r = 0; r < R; r++) {
              const ring = mod(pRow + r, R + 1);
              for (let c = 0; c < C; c++) {
                const act = setup[r * S + mod(jHi - r - c, N)];
                const from = r === 0 ? top[c] : psum[ring * C + c];
                want[ring * C + c] = step(kind, from, act, weights[g * R * C + r * C + c]);
              }
            }
            wholeWindow(psum as Int32Array, top as Int32Array, setup as Int32Array, weights as Int32Array, R, C, N, g, jHi, pRow);
            const where = `${R} x ${C}, bank tag ${g}, jHi ${jHi}, pRow ${pRow}`;
            expectSameBits(psum, want, where);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(5 * 9 * 5 * 3);
  });
});

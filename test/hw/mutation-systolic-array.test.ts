/**
 * What PE traces read from the systolic array (src/hw/systolic-array.ts `peInputs`, `psumOut`;
 * docs/MUTATION.md): every field of every PE in every cycle, against a plain model of
 * docs/ARCHITECTURE.md "MatrixMultiply" written here: PE(r,c) during cycle t holds the vector
 * latched at x = t-1-r-c (a bubble when none), with lane r of it as activation, bank row r column c
 * of that vector's bank as weight, top[c] (row 0) or the chain sum of the rows above as psum in, and
 * psum in + activation x weight as psum out; a bubble holds activation 0, weight 0 (the zero bank),
 * psum in 0 and passes its input on. The PE-trace tests (test/io) are outside `npm run mutate`'s test
 * set, and test/hw/systolic-array.test.ts reads only the bank, the activation and the psum in.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { SystolicArray, type PeSample } from "../../src/hw/systolic-array.js";

const R = 3;
const C = 4;

/** Bank b's weight at (r, c): distinct small integers, exact in bf16 and int8. */
const weightOf = (b: number, r: number, c: number) => (b === 0 ? 1 : -1) * (10 * r + c + 1);

describe.each(["bf16", "int8"] as DType[])("PE view of the systolic array (%s)", (dtype) => {
  it("peInputs and psumOut give every PE's bank, activation, weight, psum in and psum out, bubbles included", () => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype }));
    for (let b = 0; b < 2; b++) {
      a.loadBankDirect(b, Float32Array.from({ length: R * C }, (_, i) => weightOf(b, Math.floor(i / C), i % C)), 0, R, C);
    }
    const top = dtype === "int8" ? Int32Array.from([5, -6, 7, -8]) : Float32Array.from([5, -6, 7, -8]);
    // Vectors latched at cycles 2.., with bubbles between and banks alternating; the ring of the
    // array (N = R + C + 1 = 8 slots) wraps several times, so stale slots are read if a bubble is not.
    const latched = new Map<number, { lanes: number[]; bank: number }>();
    for (const x of [2, 3, 5, 9, 10, 11, 14, 22]) latched.set(x, { lanes: [x, -x - 1, 2 * x + 1], bank: x % 3 === 0 ? 1 : 0 });
    const s: PeSample = { actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };
    for (let t = 0; t < 36; t++) {
      const got: PeSample[] = [];
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          a.peInputs(t, r, c, top, s);
          got.push({ ...s });
        }
      }
      const v = latched.get(t);
      a.inVector.fill(0);
      if (v) a.inVector.set(v.lanes);
      a.inTag = v ? v.bank + 1 : 0;
      a.evaluate(t, top);
      for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) got[r * C + c].psumOut = a.psumOut(t, r, c, got[r * C + c].psumIn);
      a.commit(t);

      const want: PeSample[] = [];
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          const x = latched.get(t - 1 - r - c);
          if (!x) {
            want.push({ bank: 0, actIn: 0, weight: 0, psumIn: 0, psumOut: 0 });
            continue;
          }
          let psumIn = top[c];
          for (let i = 0; i < r; i++) psumIn += x.lanes[i] * weightOf(x.bank, i, c);
          const weight = weightOf(x.bank, r, c);
          want.push({ bank: x.bank + 1, actIn: x.lanes[r], weight, psumIn, psumOut: psumIn + x.lanes[r] * weight });
        }
      }
      expect(got, `cycle ${t}`).toEqual(want);
    }
  });
});

describe("loadBankDirect", () => {
  it("loading bank 0 leaves bank 1's tile extent: a vector on bank 1 still does rows x cols useful MACs", () => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype: "bf16" }));
    a.loadBankDirect(1, Float32Array.from({ length: R * C }, (_, i) => i + 1), 0, 2, 3);
    a.loadBankDirect(0, Float32Array.from({ length: R * C }, (_, i) => i + 1), 0, R, C);
    let macs = 0;
    for (let t = 0; t < R + C + 2; t++) {
      a.inVector.fill(0);
      if (t === 0) a.inVector.set([1, 2, 3]);
      a.inTag = t === 0 ? 2 : 0;
      a.evaluate(t, new Float32Array(C));
      a.commit(t);
      macs += a.macs;
    }
    // docs/ARCHITECTURE.md "MatrixMultiply": a pass does B x tileRows x tileCols MACs (B = 1).
    expect(macs).toBe(2 * 3);
  });
});

/**
 * The accumulators driven by hand, for cases test/hw/accumulators.test.ts leaves out (docs/MUTATION.md
 * `hw/accumulators.ts`): results staged through `bottom(t, c)` alone (an array model without a psum
 * ring) over cycles where a column's control entry sits across the ring's wrap, a NaN as the only bad
 * value, and two bad values of accumulator row 0 in one cycle. docs/ARCHITECTURE.md "MatrixMultiply"
 * (column c writes the vector latched at x at x + R + 1 + c) and "Faults" (the first bad value in
 * column order is named).
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { Accumulators } from "../../src/hw/accumulators.js";

const R = 2;
const C = 3;
const make = () => new Accumulators(buildHwConfig("small", { rows: R, cols: C, dtype: "bf16", accumulatorRows: 16 }));

/** Latch vector x (row `x % 16`, not accumulating) at each cycle of `xs`; fake bottom(t, c); clock from..to. */
function drive(acc: Accumulators, xs: number[], from: number, to: number, bottom: (t: number, c: number) => number): void {
  for (let t = from; t <= to; t++) {
    const latched = xs.includes(t);
    acc.inValid = latched ? 1 : 0;
    acc.inRow = t % 16;
    acc.inAccumulate = 0;
    acc.inPass = 3;
    acc.inLast = 0;
    acc.evaluateTop(t);
    acc.evaluateBottom(t, { bottom });
    acc.commit(t);
  }
}

describe("Accumulators (mutation gaps)", () => {
  it("through bottom(t, c) alone, every column writes its vector's result, across the control ring's wrap", () => {
    const acc = make();
    // N = R + C + 2 = 7 ring entries; vectors latched at 0 .. 13 put every entry at every column.
    const xs = Array.from({ length: 14 }, (_, i) => i);
    const bottom = (t: number, c: number) => 100 * t + c + 1;
    drive(acc, xs, 0, 13 + R + C + 1, bottom);
    const want = new Float32Array(16 * C);
    for (const x of xs) for (let c = 0; c < C; c++) want[(x % 16) * C + c] = bottom(x + R + 1 + c, c);
    expect(Array.from(acc.data)).toEqual(Array.from(want));
  });

  it("a NaN, the only bad value, is latched as the fault", () => {
    const acc = make();
    drive(acc, [5], 0, 12, (_t, c) => (c === 2 ? NaN : 1));
    expect([acc.faultRow, acc.faultCol]).toEqual([5, 2]);
  });

  it("two bad values in one cycle, the first in accumulator row 0: the fault names column 0", () => {
    const acc = make();
    // In cycle 19 column 0 writes vector 19 - R - 1 = 16 (row 0) and column 1 vector 15 (row 15).
    drive(acc, [15, 16], 10, 30, (t, c) => (t === 19 && c < 2 ? Infinity : 1));
    expect([acc.faultRow, acc.faultCol]).toEqual([0, 0]);
  });
});

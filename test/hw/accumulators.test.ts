/**
 * The accumulators driven by hand (src/hw/accumulators.ts; docs/ARCHITECTURE.md "MatrixMultiply"):
 * for the vector latched at cycle x, column c reads its psum-in (the accumulator row, when
 * accumulating) at x + 1 + c and writes the array's bottom output at x + R + 1 + c; writes land at
 * commit, store no negative zero, and latch non-finite values as faults.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { Accumulators } from "../../src/hw/accumulators.js";

const R = 2;
const C = 3;
const make = (dtype: DType = "bf16") => new Accumulators(buildHwConfig("small", { rows: R, cols: C, dtype, accumulatorRows: 8 }));

interface Latch {
  row: number;
  accumulate: boolean;
  pass: number;
  last: boolean;
}

/** Drive cycles from..to; `latches` maps a cycle to the vector read that cycle; `bottom(t, c)` fakes the array. */
function drive(acc: Accumulators, from: number, to: number, latches: Map<number, Latch>, bottom: (t: number, c: number) => number) {
  const tops: number[][] = [];
  const data: number[][] = [];
  const completed: [number, number][] = [];
  for (let t = from; t <= to; t++) {
    const l = latches.get(t);
    acc.inValid = l ? 1 : 0;
    acc.inRow = l?.row ?? 0;
    acc.inAccumulate = l?.accumulate ? 1 : 0;
    acc.inPass = l?.pass ?? 0;
    acc.inLast = l?.last ? 1 : 0;
    const before = Array.from(acc.data);
    acc.evaluateTop(t);
    tops.push(Array.from(acc.top));
    acc.evaluateBottom(t, { bottom });
    expect(Array.from(acc.data), `evaluate must not write the memory (cycle ${t})`).toEqual(before);
    acc.commit(t);
    data.push(Array.from(acc.data));
    completed.push([acc.completedPass, acc.completedCycle]);
  }
  return { tops, data, completed };
}

describe("Accumulators", () => {
  it("reads psum-in at x + 1 + c, writes results at x + R + 1 + c, and marks the pass complete on its last write", () => {
    const acc = make();
    acc.data.set([10, 20, 30], 4 * C); // row 4
    acc.data.set([-1, -2, -3], 5 * C); // row 5
    const latches = new Map<number, Latch>([
      [10, { row: 4, accumulate: true, pass: 7, last: false }],
      [11, { row: 5, accumulate: false, pass: 7, last: true }],
    ]);
    // The array's bottom output during cycle t for column c: a recognisable value, -0 for column 1.
    const bottom = (t: number, c: number) => (c === 1 ? -0 : 1000 * t + c);
    const from = 9;
    const { tops, data, completed } = drive(acc, from, 20, latches, bottom);

    const wantTops = tops.map((_, i) => {
      const t = from + i;
      // Column c sees the vector latched at t - 1 - c: only the one at 10 accumulates (row 4).
      return Array.from({ length: C }, (_, c) => (t - 1 - c === 10 ? [10, 20, 30][c] : 0));
    });
    expect(tops).toEqual(wantTops);

    const state = Array.from(acc.data).map(() => 0);
    state.splice(4 * C, 3, 10, 20, 30);
    state.splice(5 * C, 3, -1, -2, -3);
    const wantData = data.map((_, i) => {
      const t = from + i;
      for (let c = 0; c < C; c++) {
        const x = t - R - 1 - c;
        const l = latches.get(x);
        if (l) state[l.row * C + c] = bottom(t, c) + 0;
      }
      return [...state];
    });
    expect(data).toEqual(wantData);
    expect(Object.is(acc.data[4 * C + 1], 0)).toBe(true); // -0 stored as +0
    // Last write of the pass: vector 11, column C-1, at 11 + R + 1 + C - 1.
    const done = 11 + R + C;
    expect(completed[done - from]).toEqual([7, done]);
    expect(completed[done - 1 - from]).toEqual([-1, -1]);
  });

  it("latches the first non-finite write as a fault (bf16), and int8 stores int32 values", () => {
    const acc = make();
    const latches = new Map<number, Latch>([[0, { row: 2, accumulate: false, pass: 1, last: true }]]);
    drive(acc, 0, 8, latches, (_t, c) => (c === 1 ? Infinity : c === 2 ? NaN : 1));
    expect([acc.faultRow, acc.faultCol]).toEqual([2, 1]);

    const ints = make("int8");
    drive(ints, 0, 8, latches, (_t, c) => [-(2 ** 31), 2 ** 31 - 1, 5][c]);
    expect([ints.faultRow, Array.from(ints.data.subarray(2 * C, 3 * C))]).toEqual([-1, [-(2 ** 31), 2 ** 31 - 1, 5]]);
  });
});

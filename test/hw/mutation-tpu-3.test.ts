/**
 * The datapath's batched matrix cycles (docs/mutation/tpu-2.md): untraced, detailed mode clocks a
 * pass's steady stretch in the array's SIMD kernel (TpuDatapath.clockMatrixOnly → clockSteps), with
 * the vectors staged lane by lane unless they are whole rows back to back. The matrix-burst tests
 * stream only whole vectors (cols = R) at ustride = R in int8 and never put a plain pass right behind
 * an accumulating one, so three ways of staging or entering a batch went unchecked: an int8 pass of
 * fewer lanes than rows (zero padding), a bf16 pass of whole vectors at a stride wider than R, and a
 * batch whose window still holds the accumulating pass's vectors (their psum inputs change every
 * cycle; the kernel's top input is fixed). Each result is checked against exact integer math
 * (test/helpers/reference-matmul.ts; small integers are exact in bf16 and fp32 too). And a burst
 * cut by a trace window opening inside a batch that starts after the burst's first cycles must
 * end there: runs windowed at each such cycle give the untraced run's statistics and memories. A
 * batch that latches a fault in accumulator row 0 must end the burst in the faulting cycle.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { Simulator } from "../../src/sim/controller.js";
import { RecordingSink, faultOf, ins, program } from "../helpers/programs.js";
import { Rng, referenceMatmulInt32 } from "../helpers/reference-matmul.js";

const R = 8;
const C = 8;
/** Vectors per pass: long enough for several batches after the pass's first cycles. */
const V = 40;

interface Pass {
  ub: number;
  ustride: number;
  cols: number;
  acc: number;
  switch: number;
  accumulate: number;
}

const hwOf = (dtype: DType) => buildHwConfig("tpu-v2", { rows: R, cols: C, dtype, accumulatorRows: 4 * V });

/** RDW of one R x C tile, the passes, HALT. */
function passProgram(weights: Float32Array, passes: Pass[]) {
  return program(
    [
      ins("RDW", { wm: 0, wstride: C, rows: R, cols: C, transpose: 0 }),
      ...passes.map((p) => ins("MMUL", { ub: p.ub, ustride: p.ustride, rows: V, cols: p.cols, acc: p.acc, switch: p.switch, accumulate: p.accumulate })),
      ins("HALT"),
    ],
    [{ memory: "weights", address: 0, values: weights }],
  );
}

/** passProgram as a detailed run, untraced unless `sink` is given. */
function runPasses(dtype: DType, weights: Float32Array, ub: Float32Array, passes: Pass[], sink?: RecordingSink): Simulator {
  const sim = new Simulator(hwOf(dtype), { mode: "detailed" });
  sim.load(passProgram(weights, passes));
  sim.dp.ub.set(ub);
  expect(sim.run({ sink, maxCycles: 100_000 })).toBe(true);
  return sim;
}

/** The V vectors of a pass as rows of R lanes: `lanes` read from ub at `stride`, the rest 0. */
function vectors(ub: Float32Array, at: number, stride: number, lanes: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < V; b++) for (let r = 0; r < R; r++) out.push(r < lanes ? ub[at + b * stride + r] : 0);
  return out;
}

/** Small nonzero integers (exact products and sums in int32, bf16 and fp32). */
function smallInts(rng: Rng, n: number, max: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.int(-max, max) || 1);
}

const rows = (a: ArrayLike<number>, from: number, n: number) => Array.from(a).slice(from * C, (from + n) * C);

describe("TpuDatapath's SIMD batches (clockMatrixOnly → clockSteps) give what clocking each cycle gives", () => {
  it("int8, a pass of 5 of 8 lanes: the lanes past `cols` enter as zeros (whatever the buffer holds there)", () => {
    const rng = new Rng(31);
    const w = smallInts(rng, R * C, 100);
    const ub = smallInts(rng, V * R, 100); // lanes 5..7 of every row nonzero: they must not be read
    const sim = runPasses("int8", w, ub, [{ ub: 0, ustride: R, cols: 5, acc: 0, switch: 1, accumulate: 0 }]);
    const want = referenceMatmulInt32(vectors(ub, 0, R, 5), V, R, w, C);
    expect(rows(sim.dp.acc.data, 0, V)).toEqual(Array.from(want));
  });

  it("bf16, whole vectors at a stride of R + 3: each vector read from its own row, not back to back", () => {
    const rng = new Rng(32);
    const w = smallInts(rng, R * C, 8);
    const stride = R + 3;
    const ub = smallInts(rng, V * stride, 8);
    const sim = runPasses("bf16", w, ub, [{ ub: 0, ustride: stride, cols: R, acc: 0, switch: 1, accumulate: 0 }]);
    const want = referenceMatmulInt32(vectors(ub, 0, stride, R), V, R, w, C);
    expect(rows(sim.dp.acc.data, 0, V)).toEqual(Array.from(want));
  });

  // Pass 0 writes rows 0..V-1, pass 1 adds into them, pass 2 (no accumulate) writes rows V..2V-1
  // from the cycle pass 1's matrix slot ends: its first C vectors share the array with pass 1's last.
  const afterAccumulating: Pass[] = [
    { ub: 0, ustride: R, cols: R, acc: 0, switch: 1, accumulate: 0 },
    { ub: V * R, ustride: R, cols: R, acc: 0, switch: 0, accumulate: 1 },
    { ub: 2 * V * R, ustride: R, cols: R, acc: V, switch: 0, accumulate: 0 },
  ];

  /** Rows 0..V-1 hold pass 0 + pass 1, rows V..2V-1 pass 2 (exact int32). */
  function expectAfterAccumulating(sim: Simulator, w: Float32Array, ub: Float32Array, what: string): void {
    const p0 = referenceMatmulInt32(vectors(ub, 0, R, R), V, R, w, C);
    const p1 = referenceMatmulInt32(vectors(ub, V * R, R, R), V, R, w, C);
    const p2 = referenceMatmulInt32(vectors(ub, 2 * V * R, R, R), V, R, w, C);
    expect(rows(sim.dp.acc.data, 0, V), `${what}: rows 0..V-1, pass 0 + pass 1`).toEqual(Array.from(p0, (x, i) => (x + p1[i]) | 0));
    expect(rows(sim.dp.acc.data, V, V), `${what}: rows V..2V-1, pass 2`).toEqual(Array.from(p2));
  }

  it("int8, a plain pass right behind an accumulating one: the batch waits until the psum inputs are all zero", () => {
    const rng = new Rng(33);
    const w = smallInts(rng, R * C, 100);
    const ub = smallInts(rng, 3 * V * R, 100);
    expectAfterAccumulating(runPasses("int8", w, ub, afterAccumulating), w, ub, "untraced");
  });

  it("int8: a trace window opening inside that pass's first batch ends the burst before it, batch included", () => {
    const rng = new Rng(34);
    const w = smallInts(rng, R * C, 100);
    const ub = smallInts(rng, 3 * V * R, 100);
    const untraced = runPasses("int8", w, ub, afterAccumulating);
    const traced = new RecordingSink();
    runPasses("int8", w, ub, afterAccumulating, traced);
    const t2 = traced.life(3).issue; // pass 2 (pc 3) issues at t2
    // The burst from t2 + 2 clocks JavaScript cycles while pass 1's psum inputs are read (to
    // t2 + C - 1), then a batch from t2 + C up to pass 1's completion (t2 - 1 + R + C): a window
    // opening inside that batch must cut it to the burst's length minus the cycles already clocked,
    // or the datapath runs ahead of the controller.
    for (let from = t2 + C + 1; from < t2 + C + R; from++) {
      const windowed = runPasses("int8", w, ub, afterAccumulating, new RecordingSink(from, from));
      expect(windowed.stats, `window at ${from} (pass 2 from ${t2}): statistics`).toEqual(untraced.stats);
      expectAfterAccumulating(windowed, w, ub, `window at ${from}`);
    }
  });

  it("bf16: a batch whose write of accumulator row 0 overflows ends the burst in that cycle (t0 + R + 1)", () => {
    // (2 - 2^-7) * 2^63, the largest bf16 whose products the kernel takes: TOP * TOP * 2 overflows fp32.
    const TOP = (2 - 2 ** -7) * 2 ** 63;
    const rng = new Rng(35);
    const w = smallInts(rng, R * C, 8);
    const ub = smallInts(rng, 2 * V * R, 8);
    // Pass 1 right behind pass 0 on the same bank: no bubble, so its window is in the kernel from
    // t0 + 2 up to pass 0's completion (t0 - 1 + R + C), which holds row 0's first write.
    const passes: Pass[] = [
      { ub: V * R, ustride: R, cols: R, acc: V, switch: 1, accumulate: 0 },
      { ub: 0, ustride: R, cols: R, acc: 0, switch: 0, accumulate: 0 },
    ];
    const traced = new RecordingSink();
    runPasses("bf16", w, ub, passes, traced);
    const t0 = traced.life(2).issue;
    // Pass 1's vector 0, column 0: TOP * TOP + TOP * TOP = +Infinity, written to row 0 at t0 + 0 + R + 0 + 1.
    [w[0], w[C], ub[0], ub[1]] = [TOP, TOP, TOP, TOP];
    const fault = faultOf(hwOf("bf16"), passProgram(w, passes), "detailed", (s) => s.dp.ub.set(ub));
    expect(fault.unit).toBe("matrix");
    expect(fault.cycle).toBe(t0 + R + 1);
  });
});

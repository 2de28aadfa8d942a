/**
 * The accumulators' fused paths against a reference written from docs/ARCHITECTURE.md
 * "MatrixMultiply" (docs/mutation/accumulators.md): the vector latched at cycle x is read as psum-in
 * by column c at x + 1 + c (the accumulator row when it accumulates, else 0) and written by column c
 * at x + R + 1 + c (the bottom value + 0: no negative zero); its pass completes at x + R + C when it
 * is the pass's last; bf16 names the first non-finite write (cycle, then column) as the fault. The
 * unit is driven cycle by cycle through all four ways the datapath uses: evaluateBottom + commit
 * with the array's psum ring and with bottom(t, c) alone, clockBottom, and batches of clockBottomSteps
 * wherever its contract allows one (no accumulating vector in the read window, no completion in the
 * batch, the batch's vectors one non-accumulating pass on consecutive rows). Cycles without a vector
 * leave inAccumulate as it was, as TpuDatapath.clockMatrixOnly does.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { Accumulators } from "../../src/hw/accumulators.js";

interface Vec {
  row: number;
  accumulate: boolean;
  pass: number;
  last: boolean;
}

/** Vectors of one pass latched at cycles x0, x0 + 1, ... (skipping `gaps`), rows from row0. */
function pass(sched: Map<number, Vec>, pc: number, x0: number, n: number, row0: number, accumulate: boolean, gaps: number[] = []): void {
  let x = x0;
  for (let i = 0; i < n; i++, x++) {
    while (gaps.includes(x)) x++;
    sched.set(x, { row: row0 + i, accumulate, pass: pc, last: i === n - 1 });
  }
}

const ROWS = 64;
const isBad = (v: number) => !Number.isFinite(v);

interface Scenario {
  dtype: DType;
  R: number;
  C: number;
  sched: Map<number, Vec>;
  /** Last cycle driven. */
  end: number;
  bottom: (t: number, c: number) => number;
  /** How a single cycle is clocked. */
  mode: (t: number) => "ring" | "stage" | "fused";
  /** The longest batch of clockBottomSteps allowed at t (0 or 1: none). */
  cap: (t: number) => number;
}

interface Outcome {
  acc: Accumulators;
  batches: number;
  batchCycles: number;
  fault: [number, number, number];
}

/** Drive the scenario, checking every cycle against the reference; returns what the checks saw. */
function drive(s: Scenario): Outcome {
  const { dtype, R, C, sched, end, bottom } = s;
  const acc = new Accumulators(buildHwConfig("small", { rows: R, cols: C, dtype, accumulatorRows: ROWS }));
  const int = dtype === "int8";
  const make = (n: number) => (int ? new Int32Array(n) : new Float32Array(n));
  const psum = make((end + 2) * C);
  for (let t = 0; t <= end; t++) for (let c = 0; c < C; c++) psum[t * C + c] = bottom(t, c);
  const ref = make(ROWS * C);
  for (let i = 0; i < ref.length; i++) ref[i] = ((i * 37) % 23) - 11;
  acc.data.set(ref);
  const ring = { psum, bottomOffset: (t: number) => t * C, bottom: (t: number, c: number) => psum[t * C + c] };
  const stage = { bottom: (t: number, c: number) => psum[t * C + c] };
  let fault: [number, number, number] = [-1, -1, -1];
  let completed: [number, number] = [-1, -1];

  const readers = (t: number) => {
    let n = 0;
    for (let c = 0; c < C; c++) if (sched.get(t - 1 - c)?.accumulate) n++;
    return n;
  };
  const refTop = (t: number) => Array.from({ length: C }, (_, c) => {
    const v = sched.get(t - 1 - c);
    return v?.accumulate ? ref[v.row * C + c] : 0;
  });
  const refCyclesBeforeCompletion = (t: number) => {
    for (let x = t - R - C; x < t; x++) if (sched.get(x)?.last) return x + R + C - t;
    return Number.POSITIVE_INFINITY;
  };
  /** The writes of cycle t into ref; returns how many. */
  const refCycle = (t: number): number => {
    let n = 0;
    for (let c = 0; c < C; c++) {
      const v = sched.get(t - R - 1 - c);
      if (!v) continue;
      n++;
      const value = psum[t * C + c];
      if (!int && isBad(value) && fault[0] < 0) fault = [v.row, c, v.pass];
      ref[v.row * C + c] = value + 0;
      if (c === C - 1 && v.last) completed = [v.pass, t];
    }
    return n;
  };
  /** How long a batch from t may be: the contract of clockBottomSteps. */
  const batchable = (t: number): number => {
    if (readers(t) > 0) return 0;
    const first = sched.get(t);
    if (!first || first.accumulate) return 0;
    const most = Math.min(s.cap(t), end + 1 - t, refCyclesBeforeCompletion(t));
    let k = 0;
    for (; k < most; k++) {
      const v = sched.get(t + k);
      if (!v || v.accumulate || v.last || v.pass !== first.pass || v.row !== first.row + k) break;
    }
    return k;
  };

  // toEqual tells -0 from +0 and NaN equals NaN.
  const values = (a: Float32Array | Int32Array) => Array.from(a);
  let batches = 0;
  let batchCycles = 0;
  for (let t = 0; t <= end; ) {
    const where = `cycle ${t}`;
    expect(acc.psumReaders, `${where}: psum readers`).toBe(readers(t));
    expect(acc.cyclesBeforeCompletion(t), `${where}: cycles before a completion`).toBe(refCyclesBeforeCompletion(t));
    const k = batchable(t);
    if (k >= 2) {
      acc.evaluateTop(t);
      expect(Array.from(acc.top), `${where}: top`).toEqual(new Array(C).fill(0));
      // Rows past the k given hold garbage the unit must not read.
      const out = make((k + 2) * C).fill(int ? 0x5a5a5a5a : Number.NaN);
      out.set(psum.subarray(t * C, (t + k) * C));
      let written = 0;
      for (let i = 0; i < k; i++) written += refCycle(t + i);
      const first = sched.get(t) as Vec;
      expect(acc.clockBottomSteps(t, k, out, first.row, first.pass), `${where}: batch of ${k}: written`).toBe(written);
      expect([acc.valuesRead, acc.valuesWritten, acc.completedPass, acc.completedCycle], `${where}: batch of ${k}`).toEqual([0, written, ...completed]);
      expect(values(acc.data), `${where}: batch of ${k}: accumulators`).toEqual(values(ref));
      expect([acc.faultRow, acc.faultCol, acc.faultPass], `${where}: batch of ${k}: fault`).toEqual(fault);
      batches++;
      batchCycles += k;
      t += k;
      continue;
    }
    const v = sched.get(t);
    if (v) {
      acc.inValid = 1;
      acc.inRow = v.row;
      acc.inAccumulate = v.accumulate ? 1 : 0;
      acc.inPass = v.pass;
      acc.inLast = v.last ? 1 : 0;
    } else acc.inValid = 0;
    acc.evaluateTop(t);
    expect(Array.from(acc.top), `${where}: top`).toEqual(refTop(t));
    const read = readers(t);
    const mode = s.mode(t);
    if (mode === "fused") acc.clockBottom(t, psum, t * C);
    else {
      acc.evaluateBottom(t, mode === "ring" ? ring : stage);
      acc.commit(t);
    }
    const written = refCycle(t);
    expect([acc.valuesRead, acc.valuesWritten, acc.completedPass, acc.completedCycle], `${where} (${mode}): read, written, completed`).toEqual([read, written, ...completed]);
    expect(values(acc.data), `${where} (${mode}): accumulators`).toEqual(values(ref));
    expect([acc.faultRow, acc.faultCol, acc.faultPass], `${where} (${mode}): fault`).toEqual(fault);
    t++;
  }
  return { acc, batches, batchCycles, fault };
}

const MODES = ["ring", "fused", "stage"] as const;

/**
 * An accumulating pass (pc 5) whose last vector is latched C + 1 cycles before the next pass's
 * batch can start (that batch is short: the accumulating pass completes R - 1 cycles later), two
 * cycles without a vector between them (inAccumulate still 1), a long non-accumulating pass (pc 6)
 * clocked mostly in batches, then an accumulating pass (pc 7) over the first one's rows.
 */
function scenario(dtype: DType, R: number, C: number, a0: number, cap: (t: number) => number): Scenario {
  const sched = new Map<number, Vec>();
  pass(sched, 5, a0, 7, 0, true);
  pass(sched, 6, a0 + 9, 29, 8, false);
  pass(sched, 7, a0 + 38, 4, 0, true);
  const end = a0 + 41 + R + C + 3;
  // Distinct values; bf16: -0 in some cells (stored as +0), never a non-finite one.
  const bottom = dtype === "int8" ? (t: number, c: number) => (Math.imul(t + 1, 0x9e3779b1) ^ (c * 0x85ebca6b)) | 0 : (t: number, c: number) => ((t + 2 * c) % 5 === 0 ? -0 : (t * 8 + c) * (c % 2 === 0 ? 1 : -0.5));
  return { dtype, R, C, sched, end, bottom, mode: (t) => MODES[t % 3], cap };
}

describe("Accumulators: clockBottom, clockBottomSteps and cyclesBeforeCompletion (mutation gaps)", () => {
  for (const dtype of ["int8", "bf16"] as const) {
    // The first pass starts at a0: the first batch's first leaving ring entry is slot 0 for a0 = 3
    // (N = 10), a later slot otherwise.
    for (const [R, C, a0] of [[3, 5, 3], [4, 4, 5], [5, 3, 6], [4, 4, 7]] as const) {
      it(`${dtype} ${R}x${C}, first pass at ${a0}: every way of clocking gives the reference's memory, reads, writes and completions`, () => {
        const o = drive(scenario(dtype, R, C, a0, (t) => [2, 10, 3][t % 3]));
        // Not vacuous: batches ran, the first one right behind the accumulating pass.
        expect(o.batches).toBeGreaterThan(3);
        expect(o.batchCycles).toBeGreaterThan(15);
        expect(o.fault).toEqual([-1, -1, -1]);
      });
    }
  }

  it("the top buffer passed in is the one evaluateTop fills", () => {
    const top = new Float32Array(3);
    const acc = new Accumulators(buildHwConfig("small", { rows: 2, cols: 3, dtype: "bf16", accumulatorRows: 8 }), top);
    expect(acc.top).toBe(top);
  });
});

describe("Accumulators: faults written by commit, clockBottom and clockBottomSteps (mutation gaps)", () => {
  /** bf16, R = 3, C = 4 (N = 9): one pass (pc 2), rows = latch cycles, no vector at 9. */
  const faulty = (bad: Map<string, number>, how: "ring" | "fused" | "batch"): Outcome => {
    const sched = new Map<number, Vec>();
    pass(sched, 2, 0, 30, 0, false, [9]);
    for (const [x, v] of sched) v.row = x;
    return drive({
      dtype: "bf16",
      R: 3,
      C: 4,
      sched,
      end: 14,
      bottom: (t, c) => bad.get(`${t},${c}`) ?? t + c / 8,
      mode: () => (how === "ring" ? "ring" : "fused"),
      // One batch, cycles 10 .. 13, ending with the faulting row (the array's kernel stops there).
      cap: (t) => (how === "batch" && t === 10 ? 4 : 0),
    });
  };
  // In cycle 13 column c writes the vector latched at 13 - 4 - c: column 0 the missing one (9),
  // column 1 vector 8, whose ring entry is read across the wrap (slot 0, then 8), 2 vector 7, 3 vector 6.
  for (const how of ["ring", "fused", "batch"] as const) {
    it(`${how}: a NaN in column 1 is the fault, not the infinity column 0 computes for no vector`, () => {
      const o = faulty(new Map([["13,0", Infinity], ["13,1", Number.NaN]]), how);
      expect(o.fault).toEqual([8, 1, 2]);
      expect(o.batches).toBe(how === "batch" ? 1 : 0);
    });

    it(`${how}: a -Infinity alone is the fault`, () => {
      expect(faulty(new Map([["13,2", -Infinity]]), how).fault).toEqual([7, 2, 2]);
    });

    it(`${how}: an Infinity alone is the fault`, () => {
      expect(faulty(new Map([["13,3", Infinity]]), how).fault).toEqual([6, 3, 2]);
    });
  }

  it("fused: two bad values in one cycle, the first in accumulator row 0: the fault names column 0", () => {
    const sched = new Map<number, Vec>();
    // R = 2, C = 3: in cycle 19 column 0 writes vector 16 (row 0), column 1 vector 15 (row 15).
    pass(sched, 4, 15, 2, 15, false);
    sched.get(16)!.row = 0;
    const o = drive({
      dtype: "bf16",
      R: 2,
      C: 3,
      sched,
      end: 22,
      bottom: (t, c) => (t === 19 && c < 2 ? Infinity : 1),
      mode: () => "fused",
      cap: () => 0,
    });
    expect(o.fault).toEqual([0, 0, 4]);
  });
});

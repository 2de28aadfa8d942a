/**
 * Fast mode's whole-pass data movers (src/sim/fast.ts) against detailed mode's register model of the
 * array: the same accumulators bit for bit, the same statistics and the same fault (cycle, unit,
 * instruction, detail). The mutation test set leaves out test/sim/pass-kernels.test.ts (slow), so
 * nothing there reached fast.ts's SIMD kernel path (BankNonzeros.kernelFor, the chunk loops,
 * firstNonFinite; docs/mutation/fast.md). These programs do, on a 32 x 32 grid: a tile 32 columns
 * wide and at least 4 dense vectors (4 * 32 * 32 = 4096 multiply-accumulates) send a pass to the
 * kernels; sparse inputs make a kernel decline its chunk to the JavaScript pass; more than 256
 * vectors make two chunks. Each kernel test checks that the kernels did run (`kernels.chunks`).
 * Also: which non-finite result the JavaScript pass reports when a pass has several (the one the
 * array writes first), and a NaN activation output.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { ins, program } from "../helpers/programs.js";
import { Rng, randomBf16, randomInt8 } from "../helpers/reference-matmul.js";

const R = 32;
const C = 32;

function hwFor(dtype: DType): HwConfig {
  return buildHwConfig("small", {
    rows: R, cols: C, dtype, unifiedBufferBytes: 65536, accumulatorRows: 640, weightMemoryBytes: 65536,
    hostBytesPerCycle: 4096, weightBytesPerCycle: 4096,
  });
}

interface Outcome {
  sim: Simulator;
  fault: { cycle: number; unit: string; instruction: string; detail: string } | null;
}

/** Load, let `preload` set the accumulators, run to HALT or a fault. */
function runMode(hw: HwConfig, instructions: Instruction[], host: Float32Array, weights: Float32Array, mode: SimMode, preload?: (acc: Float32Array | Int32Array) => void): Outcome {
  const sim = new Simulator(hw, { mode });
  sim.load(program(instructions, [{ memory: "host", address: 0, values: host }, { memory: "weights", address: 0, values: weights }]));
  preload?.(sim.dp.acc.data);
  try {
    expect(sim.run({ maxCycles: 50_000 })).toBe(true);
    return { sim, fault: null };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { sim, fault: { cycle: e.cycle, unit: e.unit, instruction: e.instruction, detail: e.detail } };
  }
}

/** Both modes; fast must equal detailed in everything (memories when the run halts). Returns both and fast mode's kernel chunk count. */
function bothModes(hw: HwConfig, instructions: Instruction[], host: Float32Array, weights: Float32Array, preload?: (acc: Float32Array | Int32Array) => void) {
  const detailed = runMode(hw, instructions, host, weights, "detailed", preload);
  const fast = runMode(hw, instructions, host, weights, "fast", preload);
  expect(fast.fault, "fault, fast vs detailed").toEqual(detailed.fault);
  expect(fast.sim.now).toBe(detailed.sim.now);
  expect(fast.sim.stats).toEqual(detailed.sim.stats);
  // Fast mode computes a pass whole at issue; detailed mode stops mid-pass at a fault.
  if (detailed.fault) return { detailed, fast, chunks: fast.sim.issueContext.nonzeros.kernels.chunks };
  expectSameBits(fast.sim.dp.acc.data, detailed.sim.dp.acc.data, "accumulators, fast vs detailed");
  expectSameBits(fast.sim.dp.ub, detailed.sim.dp.ub, "unified buffer, fast vs detailed");
  expectSameBits(fast.sim.dp.host, detailed.sim.dp.host, "host memory, fast vs detailed");
  return { detailed, fast, chunks: fast.sim.issueContext.nonzeros.kernels.chunks };
}

const rdw = (wm: number) => ins("RDW", { wm, wstride: C, rows: R, cols: C });
/** `rows` vectors of 32 lanes from unified-buffer address `ub`, one element apart (overlapping rows: distinct vectors from a short input). */
const mmul = (ub: number, rows: number, acc: number, flags: { switch?: boolean; accumulate?: boolean } = {}) =>
  ins("MMUL", { ub, ustride: 1, rows, cols: R, acc, switch: flags.switch ? 1 : 0, accumulate: flags.accumulate ? 1 : 0 });

function values(n: number, seed: number, dtype: DType): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (dtype === "int8" ? randomInt8(rng) : randomBf16(rng)));
}

describe.each(["bf16", "int8"] as const)("fast mode's kernel passes, %s, equal detailed mode", (dtype) => {
  const hw = hwFor(dtype);
  it("small and big passes, accumulating or not, four tiles, two chunks, a sparse pass the kernel declines", () => {
    const N = 400;
    const host = values(N, 3, dtype);
    // Inputs 340..399: mostly zero, so the kernel declines them (the JavaScript pass skips zeros).
    for (let i = 340; i < N; i++) if (i % 9 !== 0) host[i] = 0;
    // Tiles: 1 (bank 0), 2 (bank 1: integers 1..9, which the int8 packing would also accept), 3
    // (bank 0 again, 31 columns wide: too narrow for the kernels, while bank 0's packing is tile 1's)
    // and 4 (bank 1 again, whose packing is tile 2's).
    const weights = values(4 * R * C, 4, dtype);
    for (let i = R * C; i < 2 * R * C; i++) weights[i] = (i % 9) + 1;
    const prog = [
      ins("RHM", { host: 0, hstride: N, ub: 0, ustride: N, rows: 1, cols: N }),
      rdw(0),
      rdw(R * C),
      ins("RDW", { wm: 2 * R * C, wstride: C, rows: R, cols: C - 1 }),
      // 3 vectors: 3072 multiply-accumulates, below the kernels' threshold: JavaScript.
      mmul(0, 3, 0, { switch: true }),
      // 300 vectors: a chunk of 256 and one of 44, accumulating onto the small pass's rows 0..2.
      mmul(7, 300, 0, { accumulate: true }),
      mmul(11, 8, 310),
      // The second tile, its first pass (packs bank 1).
      mmul(20, 6, 320, { switch: true, accumulate: true }),
      // Sparse: declined chunk, computed by the JavaScript pass.
      mmul(340, 20, 330),
      mmul(340, 20, 100, { accumulate: true }),
      // The narrow third tile: dense vectors, enough work for a kernel, but JavaScript's.
      mmul(30, 40, 350, { switch: true }),
      mmul(31, 40, 360, { accumulate: true }),
      // The fourth tile: 3 vectors, below the threshold again, so its first pass packs nothing.
      rdw(3 * R * C),
      mmul(40, 3, 370, { switch: true }),
      mmul(41, 30, 380, { accumulate: true }),
      ins("HALT"),
    ];
    const preload = (acc: Float32Array | Int32Array) => {
      for (let i = 0; i < acc.length; i++) acc[i] = (i % 7) - 3;
    };
    const { chunks } = bothModes(hw, prog, host, weights, preload);
    expect(chunks).toBeGreaterThan(0);
  });
});

/** The largest finite fp32: adding a product 2^52 * 2^52 = 2^104 (its ulp; half would do) overflows it. */
const FMAX = 3.4028234663852886e38;

/**
 * An accumulating pass of `vectors` vectors of 2^52 through a tile of +2^52 (left half of the columns)
 * and -2^52 (right half) onto accumulators 0 except `bad`, (b, c, value): FMAX overflows to +Inf on
 * the left, -FMAX to -Inf on the right, NaN stays NaN (a state no program reaches without faulting
 * first, preloaded here). Returns detailed mode's fault, which fast mode must equal.
 */
function faultCase(hw: HwConfig, vectors: number, bad: [number, number, number][]) {
  const { rows, cols } = hw;
  const weights = Float32Array.from({ length: rows * cols }, (_, i) => (i % cols < cols / 2 ? 2 ** 52 : -(2 ** 52)));
  const host = new Float32Array(vectors + rows).fill(2 ** 52);
  const prog = [
    ins("RHM", { host: 0, hstride: host.length, ub: 0, ustride: host.length, rows: 1, cols: host.length }),
    ins("RDW", { wm: 0, wstride: cols, rows, cols }),
    ins("MMUL", { ub: 0, ustride: 1, rows: vectors, cols: rows, acc: 0, switch: 1, accumulate: 1 }),
    ins("HALT"),
  ];
  const preload = (acc: Float32Array | Int32Array) => {
    for (const [b, c, v] of bad) acc[b * cols + c] = v;
  };
  const { detailed, chunks } = bothModes(hw, prog, host, weights, preload);
  return { fault: detailed.fault, chunks };
}

describe("fast mode's JavaScript pass reports the non-finite result detailed mode's array writes first", () => {
  // 4 x 4 grid: tiles narrower than 32 columns are the JavaScript pass's, which scans results row by
  // row (b, then c); the array writes (b, c) at t0 + b + R + c + 1, so in another order.
  const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype: "bf16" });
  it.each<[string, [number, number, number][], [number, number]]>([
    ["(0, 1) then (1, 0): one anti-diagonal, the lower column first", [[0, 1, FMAX], [1, 0, FMAX]], [1, 0]],
    ["(0, 2) then (1, 1)", [[0, 2, -FMAX], [1, 1, FMAX]], [1, 1]],
    ["(0, 3) then (1, 0)", [[0, 3, -FMAX], [1, 0, FMAX]], [1, 0]],
    ["(0, 3) before (1, 3), a later anti-diagonal", [[0, 3, -FMAX], [1, 3, -FMAX]], [0, 3]],
    ["a NaN accumulator", [[2, 3, -FMAX], [1, 1, Number.NaN], [3, 0, FMAX]], [1, 1]],
  ])("%s", (_, bad, [b, c]) => {
    const { fault, chunks } = faultCase(hw, 4, bad);
    expect(chunks).toBe(0);
    expect(fault?.detail).toBe(`non-finite value written to accumulator row ${b}, column ${c}`);
  });
});

describe("fast mode's kernel passes report the non-finite result detailed mode's array writes first", () => {
  const hw = hwFor("bf16");
  // Result (b, c) is written at t0 + b + R + c + 1 (docs/ARCHITECTURE.md "MatrixMultiply (MMUL)");
  // here t0 = 33 (RHM at 0, RDW at 1, the 32-step shift). The first written: lowest b + c, then the
  // lowest column.
  it.each<[string, number, [number, number, number][], [number, number]]>([
    ["the first result only", 4, [[0, 0, FMAX]], [0, 0]],
    ["two on one anti-diagonal: the lower column first", 4, [[0, 1, FMAX], [1, 0, FMAX]], [1, 0]],
    ["a lower b + c in a later vector", 6, [[0, 9, FMAX], [5, 2, FMAX], [3, 5, FMAX]], [5, 2]],
    ["-Inf before +Inf", 5, [[4, 15, FMAX], [0, 16, -FMAX], [2, 30, -FMAX]], [0, 16]],
    ["NaN (a NaN accumulator) before infinities", 5, [[4, 0, FMAX], [0, 12, FMAX], [2, 1, Number.NaN], [3, 19, -FMAX]], [2, 1]],
    ["a lower b + c in the second chunk of 256 vectors", 300, [[255, 31, -FMAX], [256, 0, FMAX], [299, 1, FMAX]], [256, 0]],
    ["only in the second chunk", 300, [[290, 3, FMAX], [270, 31, -FMAX]], [290, 3]],
    ["(0, 31) before (1, 31), a later anti-diagonal", 4, [[0, 31, -FMAX], [1, 31, -FMAX]], [0, 31]],
  ])("%s", (_, vectors, bad, [b, c]) => {
    const { fault: f, chunks } = faultCase(hw, vectors, bad);
    expect(chunks).toBeGreaterThan(0);
    expect(f?.detail).toBe(`non-finite value written to accumulator row ${b}, column ${c}`);
    expect(f?.cycle).toBe(33 + b + R + c + 1);
  });

  it("no fault when every result is finite (a largest finite accumulator minus 2^109 stays finite)", () => {
    const { fault, chunks } = faultCase(hw, 8, [[0, 20, FMAX], [3, 16, FMAX], [7, 31, FMAX]]);
    expect(chunks).toBeGreaterThan(0);
    expect(fault).toBeNull();
  });
});

describe("fast mode's activation reports a NaN output", () => {
  it("identity of acc * 2^127 (infinite unless acc is 0) times outscale 0: the first nonzero accumulator faults", () => {
    // Accumulator row 0 is all 0 (0 * 2^127 * 0 = 0); row 1 = x1 . W = [0, 0, 5, 7]: fp32(5 * 2^127)
    // is Inf, and Inf * 0 is NaN. The first NaN output is row 1, column 2: address 40 + 1 * 4 + 2.
    const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype: "bf16" });
    const host = Float32Array.from([0, 0, 0, 0, 0, 1, 0, 0]);
    const weights = Float32Array.from([1, 1, 1, 1, 0, 0, 5, 7, 2, 2, 2, 2, 3, 3, 3, 3]);
    const prog = [
      ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 2, cols: 4 }),
      ins("RDW", { wm: 0, wstride: 4, rows: 4, cols: 4 }),
      ins("MMUL", { ub: 0, ustride: 4, rows: 2, cols: 4, acc: 0, switch: 1, accumulate: 0 }),
      ins("ACT", { acc: 0, rows: 2, cols: 4, ub: 40, ustride: 4, fn: "identity", inscale: 2 ** 127, outscale: 0 }),
      ins("HALT"),
    ];
    const { detailed } = bothModes(hw, prog, host, weights);
    expect(detailed.fault?.unit).toBe("activation");
    expect(detailed.fault?.detail).toBe("non-finite value written to unified buffer address 46");
  });
});

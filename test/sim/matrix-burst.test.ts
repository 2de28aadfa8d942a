/**
 * Untraced, detailed mode clocks long passes in bursts (TpuDatapath.clockMatrixOnly), and an int8
 * array of whole 4-column groups clocks steady stretches of a pass in batches in its SIMD kernel
 * (SystolicArray.clockSteps). Traced, every cycle goes through the clocked units one by one (that
 * path is checked against the naive register model in naive-chip.test.ts). The two must give the
 * same cycles, statistics and memories bit for bit, and a PE trace window opened in the middle of a
 * pass must read the same registers as a run traced from the start. A bf16 array runs its kernel only
 * on windows whose products are exact in fp32 (pe-rows.ts inexactBits): runs with values at and past
 * the ends of that range, subnormals, -0, values that are not bf16, infinities and NaNs (payloads
 * too) give the naive register model's cycles, memories and faults, the kernel running around them.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { roundBf16 } from "../../src/numerics/bf16.js";
import { Random } from "../../src/numerics/random.js";
import { Simulator } from "../../src/sim/controller.js";
import { RuntimeFault } from "../../src/errors.js";
import { NaiveChip } from "../helpers/naive-chip.js";
import { RecordingSink } from "../helpers/programs.js";

const V = 300;

/**
 * Two weight tiles; a pass on bank 0, a second pass on the same bank right behind it (its
 * predecessor completes inside the second one's stream), an accumulating pass on bank 1 over the
 * first pass's rows, a pass too short to fill the array, HALT.
 */
/**
 * Odd values mixed in at random: fp32 bits into the buffer (NaN payloads kept), values into the
 * second tile; `craft` then places chosen ones (weights: both tiles, row-major; the buffer's bits).
 */
interface Odd {
  bits: number[];
  weights: number[];
  craft?: (weights: Float32Array, ub: Uint32Array, R: number, C: number) => void;
}

const f32BitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];

function program(R: number, C: number, dtype: DType, seed: number, odd?: Odd): { program: Program; ub: Float32Array } {
  const random = new Random(seed);
  const value = () => (dtype === "int8" ? random.below(256) - 128 : roundBf16(4 * random.uniform() - 2));
  const pick = (xs: number[]) => xs[random.below(xs.length)];
  const oddWeight = (i: number) => odd !== undefined && i >= R * C && odd.weights.length > 0 && random.uniform() < 0.05;
  const weights = Float32Array.from({ length: 2 * R * C }, (_, i) => (oddWeight(i) ? pick(odd!.weights) : value()));
  const ubBits = Uint32Array.from({ length: 3 * V * R }, () => (odd && random.uniform() < 0.0015 ? pick(odd.bits) : f32BitsOf(value())));
  odd?.craft?.(weights, ubBits, R, C);
  const ub = new Float32Array(ubBits.buffer);
  const rdw = (wm: number) => ({ op: "RDW", f: { wm, wstride: C, rows: R, cols: C, transpose: 0 } });
  const mmul = (ub: number, rows: number, acc: number, sw: number, accumulate: number, cols = R) => ({
    op: "MMUL",
    f: { ub, ustride: R, rows, cols, acc, switch: sw, accumulate },
  });
  const instructions = [
    rdw(0), rdw(R * C),
    mmul(0, V, 0, 1, 0),
    // With odd values, the second pass reads R - 1 lanes (the last is zero): staged lane by lane.
    mmul(V * R, V, V, 0, 0, odd ? R - 1 : R),
    mmul(2 * V * R, V, 0, 1, 1),
    mmul(0, 3, 2 * V, 0, 0),
    { op: "HALT", f: {} },
  ];
  return { program: { instructions, data: [{ memory: "weights", address: 0, values: weights }] } as unknown as Program, ub };
}

function run(R: number, C: number, dtype: DType, seed: number, sink?: RecordingSink): Simulator {
  const hw = buildHwConfig("tpu-v2", { rows: R, cols: C, dtype, accumulatorRows: 3 * V });
  const { program: p, ub } = program(R, C, dtype, seed);
  const sim = new Simulator(hw, { mode: "detailed" });
  sim.load(p);
  sim.dp.ub.set(ub);
  expect(sim.run({ sink, maxCycles: 100_000 })).toBe(true);
  return sim;
}

const bits = (a: Float32Array | Int32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("detailed mode's bursts and SIMD batches == stepping every cycle", () => {
  const shapes: [number, number][] = [[4, 4], [8, 8], [4, 12], [12, 8], [6, 8], [8, 6], [16, 16], [32, 32]];
  for (const dtype of ["int8", "bf16"] as const) {
    it(`${dtype}: ${shapes.map(([r, c]) => `${r}x${c}`).join(", ")}`, () => {
      for (const [R, C] of shapes) {
        const where = `${R}x${C} ${dtype}`;
        const region = { r0: R - 3, r1: R, c0: C - 3, c1: C }; // the bottom-right 3 x 3 PEs (r1, c1 exclusive)
        const stepped = new RecordingSink(0, Number.POSITIVE_INFINITY, region);
        const want = run(R, C, dtype, R * 100 + C, stepped);
        const got = run(R, C, dtype, R * 100 + C);
        expect(got.stats, `${where}: statistics`).toEqual(want.stats);
        expect(got.stats.macs, `${where}: MACs counted`).toBeGreaterThan(3 * V * R);
        expect(bits(got.dp.acc.data), `${where}: accumulators`).toEqual(bits(want.dp.acc.data));
        if (C % 4 === 0) expect(got.dp.array.simdCycles, `${where}: cycles in the SIMD kernel`).toBeGreaterThan(2 * V);
        // A window in the second pass's steady stretch: its registers as a run stepped throughout has them.
        const from = want.stats.cycles - 2 * V;
        const window = new RecordingSink(from, from + 4, region);
        const windowed = run(R, C, dtype, R * 100 + C, window);
        expect(windowed.stats, `${where}: statistics with a trace window`).toEqual(want.stats);
        expect(window.pes.length, `${where}: PE rows in the window`).toBe(5 * 9);
        expect(window.pes, `${where}: PE registers in the window`).toEqual(stepped.pes.filter((p) => p.cycle >= from && p.cycle <= from + 4));
      }
    });
  }
});

/** The largest bf16 value whose products kernel computes exactly: (2 - 2^-7) * 2^63. */
const TOP = (2 - 2 ** -7) * 2 ** 63;
const ODD: [string, Odd][] = [
  ["range ends", { bits: [2 ** -67, -(2 ** -67), TOP, -TOP, 2 ** -68, -(2 ** -68), 2 ** 64, -(2 ** 64)].map(f32BitsOf), weights: [2 ** -67, -TOP, -(2 ** -68), 2 ** 64] }],
  ["subnormals, underflowing products, -0", { bits: [2 ** -130, -(3 * 2 ** -133), 2 ** -75, -(1.5 * 2 ** -80), -0].map(f32BitsOf), weights: [-(2 ** -130), 2 ** -75, -0, 1.5 * 2 ** -80] }],
  ["not bf16", { bits: [1 + 2 ** -20, -Math.PI, 1e-30, 3e30].map(f32BitsOf), weights: [] }],
  ["infinities and NaNs", { bits: [f32BitsOf(Infinity), f32BitsOf(-Infinity), 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7fc12340, 0xff812340], weights: [] }],
  // Column 0 of the first tile in range; vectors out of it, whose products fp32 would round: in
  // pass 1, 2^-82 * 2^-67 = 2^-149 then 2^-83 * 2^-67 = 2^-150 (JavaScript: 1.5 * 2^-149 rounds to
  // 2^-148; a rounded product would leave 2^-149); in pass 2, column 1, 2^65 * ±2^63 (JavaScript:
  // the first sum is +Infinity and stays so; rounded products would give Infinity - Infinity = NaN).
  ["vectors whose products fp32 would round", { bits: [], weights: [], craft: (w, ub, R, C) => {
    [w[0], w[C], w[1], w[C + 1]] = [2 ** -67, 2 ** -67, 2 ** 63, -(2 ** 63)];
    const vector = (v: number, lanes: number[]) => lanes.forEach((x, r) => (ub[v * R + r] = f32BitsOf(x)));
    vector(100, [2 ** -82, 2 ** -83]);
    vector(V + 200, [2 ** 65, 2 ** 65]);
  } }],
  // Everything in range, and a sum that overflows inside the kernel's batch: TOP * TOP (just under
  // 2^128) twice in column 0 (the write faults; the batch must end with that cycle).
  ["a sum that overflows in the kernel", { bits: [], weights: [], craft: (w, ub, R, C) => {
    [w[0], w[C]] = [TOP, TOP];
    ub.fill(f32BitsOf(TOP), 150 * R, 150 * R + 2);
  } }],
  // The second tile out of range, the third pass's vectors in it: 2^63 * ±2^65 overflow as above.
  ["weights whose products fp32 would round", { bits: [], weights: [], craft: (w, ub, R, C) => {
    [w[R * C], w[R * C + C]] = [2 ** 65, -(2 ** 65)];
    ub.fill(f32BitsOf(2 ** 63), (2 * V + 150) * R, (2 * V + 150) * R + 2);
  } }],
];

interface Attempt {
  sim: Simulator;
  fault: { cycle: number; unit: string; pc: number } | null;
}

/** A run that may fault: the fault as the naive chip reports it. */
function attempt(R: number, C: number, p: Program, ub: Float32Array, sink?: RecordingSink): Attempt {
  const sim = new Simulator(buildHwConfig("tpu-v2", { rows: R, cols: C, dtype: "bf16", accumulatorRows: 3 * V }), { mode: "detailed" });
  sim.load(p);
  sim.dp.ub.set(ub);
  try {
    expect(sim.run({ sink, maxCycles: 100_000 })).toBe(true);
    return { sim, fault: null };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { sim, fault: { cycle: e.cycle, unit: e.unit, pc: Number(/^pc (\d+):/.exec(e.instruction)?.[1] ?? -1) } };
  }
}

describe("bf16: the SIMD kernel runs only where its products are exact", () => {
  const shapes: [number, number][] = [[4, 4], [8, 8], [12, 8], [6, 8], [16, 16], [8, 6]];
  for (const [name, odd] of ODD) {
    it(name, () => {
      let simd = 0;
      let clean = 0;
      for (const [R, C] of shapes) {
        const seed = R * 100 + C;
        const where = `${R}x${C} ${name}`;
        const { program: p, ub } = program(R, C, "bf16", seed, odd);
        const chip = new NaiveChip(buildHwConfig("tpu-v2", { rows: R, cols: C, dtype: "bf16", accumulatorRows: 3 * V }), p);
        chip.mem.ub.set(ub);
        const want = chip.run(100_000);
        const wantFault = want.fault && { cycle: want.fault.cycle, unit: want.fault.unit, pc: want.fault.pc };
        for (const [how, got] of [["bursts", attempt(R, C, p, ub)], ["stepped", attempt(R, C, p, ub, new RecordingSink())]] as const) {
          expect(got.fault, `${where}, ${how}: fault`).toEqual(wantFault);
          expect(bits(got.sim.dp.acc.data), `${where}, ${how}: accumulators`).toEqual(bits(chip.mem.acc));
          if (!want.fault) expect([got.sim.stats.cycles, got.sim.stats.macs], `${where}, ${how}: cycles and MACs`).toEqual([want.stats.cycles, want.stats.macs]);
          if (how === "bursts") simd += got.sim.dp.array.simdCycles;
        }
        clean += run(R, C, "bf16", seed).dp.array.simdCycles;
      }
      // The kernel ran, and fell back to JavaScript for the windows holding odd values.
      expect(simd, "cycles in the SIMD kernel").toBeGreaterThan(0);
      expect(simd, "cycles in the SIMD kernel, against the same runs without odd values").toBeLessThan(clean);
    });
  }
});

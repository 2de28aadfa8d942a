/**
 * Untraced, detailed mode clocks long passes in bursts (TpuDatapath.clockMatrixOnly), and an int8
 * array of whole 4-column groups clocks steady stretches of a pass in batches in its SIMD kernel
 * (SystolicArray.clockSteps). Traced, every cycle goes through the clocked units one by one (that
 * path is checked against the naive register model in naive-chip.test.ts). The two must give the
 * same cycles, statistics and memories bit for bit, and a PE trace window opened in the middle of a
 * pass must read the same registers as a run traced from the start.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { roundBf16 } from "../../src/numerics/bf16.js";
import { Random } from "../../src/numerics/random.js";
import { Simulator } from "../../src/sim/controller.js";
import { RecordingSink } from "../helpers/programs.js";

const V = 300;

/**
 * Two weight tiles; a pass on bank 0, a second pass on the same bank right behind it (its
 * predecessor completes inside the second one's stream), an accumulating pass on bank 1 over the
 * first pass's rows, a pass too short to fill the array, HALT.
 */
function program(R: number, C: number, dtype: DType, seed: number): { program: Program; ub: Float32Array } {
  const random = new Random(seed);
  const value = () => (dtype === "int8" ? random.below(256) - 128 : roundBf16(4 * random.uniform() - 2));
  const weights = Float32Array.from({ length: 2 * R * C }, value);
  const ub = Float32Array.from({ length: 3 * V * R }, value);
  const rdw = (wm: number) => ({ op: "RDW", f: { wm, wstride: C, rows: R, cols: C, transpose: 0 } });
  const mmul = (ub: number, rows: number, acc: number, sw: number, accumulate: number) => ({
    op: "MMUL",
    f: { ub, ustride: R, rows, cols: R, acc, switch: sw, accumulate },
  });
  const instructions = [
    rdw(0), rdw(R * C),
    mmul(0, V, 0, 1, 0),
    mmul(V * R, V, V, 0, 0),
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

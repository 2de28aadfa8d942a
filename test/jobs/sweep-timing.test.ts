/**
 * Every pass of a swept machine takes the closed-form time of docs/ARCHITECTURE.md "MatrixMultiply":
 * an MMUL of B vectors issued at t0 completes at t0 + B + R + C - 1, whatever the shapes, the grid
 * and the mode (in detailed mode that is when the accumulators took the last result). Random matrix products are
 * compiled for random R x C grids and run with a sink that records instruction lifetimes; the
 * training steps a sweep runs are checked the same way.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { loadMnist } from "../../src/data/mnist.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { train } from "../../src/jobs/train.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { loadWorkload } from "../../src/workloads/spec.js";
import { RecordingSink, type InstructionRecord } from "../helpers/programs.js";

/** Checks each MMUL lifetime against the rule; returns how many MMULs there were. */
function expectMmulTiming(instructions: readonly InstructionRecord[], hw: HwConfig): number {
  const { rows, cols } = hw;
  let count = 0;
  for (const r of instructions) {
    if (!/: MMUL /.test(r.text)) continue;
    const m = / rows=(\d+)/.exec(r.text);
    expect(m, r.text).not.toBeNull();
    const vectors = Number(m![1]);
    expect(r.unit).toBe("matrix");
    expect(r.complete - r.issue, `${rows}x${cols} ${r.text}`).toBe(vectors + rows + cols - 1);
    count++;
  }
  return count;
}

/** Records instruction lifetimes only: its cycle window is empty, so fast mode still skips ahead. */
function lifetimeSink(): RecordingSink {
  return new RecordingSink(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
}

function run(m: number, k: number, n: number, rows: number, cols: number, over: Record<string, number>, mode: SimMode, seed: number) {
  const hw = buildHwConfig("small", { rows, cols, ...over });
  const values = (len: number, salt: number) => Float32Array.from({ length: len }, (_, i) => ((i * 7 + seed + salt) % 9) - 4);
  const layout = compileMatmul(values(m * k, 1), m, k, values(k * n, 2), n, hw);
  const sim = new Simulator(hw, { mode });
  const sink = lifetimeSink();
  sim.load(layout.program);
  expect(sim.run({ sink, maxCycles: 50_000_000 })).toBe(true);
  return { sink, sim, hw };
}

const shape = fc.record({
  m: fc.integer({ min: 1, max: 24 }),
  k: fc.integer({ min: 1, max: 40 }),
  n: fc.integer({ min: 1, max: 40 }),
  rows: fc.integer({ min: 1, max: 12 }),
  cols: fc.integer({ min: 1, max: 12 }),
  weightFifoTiles: fc.integer({ min: 1, max: 4 }),
  accumulatorRows: fc.integer({ min: 2, max: 64 }),
  weightBytesPerCycle: fc.constantFrom(1, 4, 16, 64),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe("MMUL cycle counts follow B + R + C - 1 on any grid", () => {
  for (const mode of ["fast", "detailed"] as const) {
    it(`random shapes and grids, ${mode} mode`, () => {
      fc.assert(
        fc.property(shape, (s) => {
          const over = { weightFifoTiles: s.weightFifoTiles, accumulatorRows: s.accumulatorRows, weightBytesPerCycle: s.weightBytesPerCycle };
          const { sink, sim, hw } = run(s.m, s.k, s.n, s.rows, s.cols, over, mode, s.seed);
          const chunk = Math.max(1, Math.min(s.m, Math.floor(s.accumulatorRows / 2)));
          const passes = Math.ceil(s.m / chunk) * Math.ceil(s.n / s.cols) * Math.ceil(s.k / s.rows);
          // Guard against a vacuous pass: every pass was seen, and the array did the product's MACs.
          expect(expectMmulTiming(sink.instructions, hw)).toBe(passes);
          expect(sim.stats.macs).toBe(s.m * s.k * s.n);
        }),
        { numRuns: mode === "fast" ? 60 : 25, seed: 20240611 },
      );
    });
  }

  it("fast and detailed runs give the same lifetimes (one odd shape)", () => {
    const f = run(13, 29, 17, 5, 7, {}, "fast", 3);
    const d = run(13, 29, 17, 5, 7, {}, "detailed", 3);
    expect(f.sink.instructions.length).toBeGreaterThan(0);
    expect(f.sink.instructions).toEqual(d.sink.instructions);
  });
});

describe("the training steps of sweep points follow the MMUL rule", () => {
  const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16 };
  const images = loadMnist("train", { limit: 64 });
  for (const [grid, mode] of [["4x4", "detailed"], ["8x32", "fast"], ["128x128", "fast"]] as const) {
    it(`${grid}, ${mode} mode`, async () => {
      const hw = resolveHardware({ array: grid }, spec.hardware);
      const sink = lifetimeSink();
      await train({ spec, hw, mode, epochs: 1, maxSteps: 2, evaluate: false, train: images, sink });
      expect(expectMmulTiming(sink.instructions, hw)).toBeGreaterThan(10);
    });
  }
});

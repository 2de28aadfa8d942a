/** Training on the simulated chip learns; results depend on the seed, never on the array size. */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { loadMnist } from "../../src/data/mnist.js";
import { evaluateWeights, withDtype } from "../../src/jobs/eval.js";
import { train } from "../../src/jobs/train.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const base = loadWorkload("workloads/mnist-784-16-16-10.json");
const trainSet = loadMnist("train", { limit: 2000 });
const testSet = loadMnist("test", { limit: 500 });
const small = (rows: number, cols: number) => buildHwConfig("tpu-v2", { rows, cols });

describe("train", () => {
  it("loss falls and test accuracy rises well above chance on a subset (8x8 grid)", async () => {
    const spec = { ...base, learningRate: 3, batch: 16 };
    const r = await train({ spec, hw: small(8, 8), mode: "fast", epochs: 3, train: trainSet, test: testSet });
    expect(r.steps).toBe(3 * 125);
    expect(r.epochs[2].loss).toBeLessThan(0.75 * r.epochs[0].loss);
    expect(r.epochs[2].testAccuracy!).toBeGreaterThan(0.6);
    expect(r.stats.macs).toBeGreaterThan(0);

    const bf16 = await evaluateWeights({ spec, hw: small(8, 8), params: r.params, mode: "fast", test: testSet });
    expect(bf16.accuracy).toBe(r.epochs[2].testAccuracy);
    const int8 = await evaluateWeights({ spec, hw: withDtype(small(8, 8), "int8"), params: r.params, mode: "fast", test: testSet, calibration: trainSet });
    expect(Math.abs(int8.accuracy - bf16.accuracy)).toBeLessThanOrEqual(0.02);
  });

  it("identical numbers on different grids, identical runs for identical seeds", async () => {
    const spec = { ...base, batch: 8 };
    const sub = loadMnist("train", { limit: 160 });
    const run = (rows: number, cols: number) =>
      train({ spec, hw: small(rows, cols), mode: "fast", epochs: 1, train: sub, evaluate: false });
    const a = await run(4, 4);
    const b = await run(16, 8);
    const c = await run(4, 4);
    expect(a.epochs[0].loss).toBe(b.epochs[0].loss);
    a.params.forEach((p, l) => expect(Array.from(p)).toEqual(Array.from(b.params[l])));
    expect(a.stats.cycles).not.toBe(b.stats.cycles);
    expect(c).toEqual(a);
  });

  it("a different seed gives different weights", async () => {
    const sub = loadMnist("train", { limit: 64 });
    const one = await train({ spec: { ...base, batch: 8 }, hw: small(8, 8), mode: "fast", epochs: 1, train: sub, evaluate: false });
    // Per step: every step runs the same program, and no step beats the program's lower bound.
    expect(one.perStep!.cycles * one.steps).toBe(one.stats.cycles);
    expect(one.perStep!.bound.cycles).toBeLessThanOrEqual(one.perStep!.cycles);
    expect(one.perStep!.ratio).toBeCloseTo(one.perStep!.cycles / one.perStep!.bound.cycles, 4);
    const two = await train({ spec: { ...base, batch: 8, seed: 2 }, hw: small(8, 8), mode: "fast", epochs: 1, train: sub, evaluate: false });
    expect(Array.from(one.params[0])).not.toEqual(Array.from(two.params[0]));
  });
});

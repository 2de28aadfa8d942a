/**
 * Adversarial inputs and fooling patterns from the chip's input gradient. The verdicts the jobs
 * report come from the chip's inference program; these tests recompute them with the golden model.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { loadMnist, type MnistSet } from "../../src/data/mnist.js";
import { staticPowerW } from "../../src/energy/model.js";
import { inputGradientSameNumerics, predictSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { argmax, attackOne, linfDistance, lossTargets, signStep, sweepEpsilons } from "../../src/jobs/adversarial.js";
import { foolingPattern } from "../../src/jobs/fool.js";
import { train } from "../../src/jobs/train.js";
import { initParameters } from "../../src/workloads/init.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const f32 = Math.fround;

describe("signStep", () => {
  it("moves by alpha along the sign, stays in the epsilon ball and in [0, 1], ignores zero gradients", () => {
    const x0 = Float32Array.of(0, 0.5, 1, 0.95, 0.3);
    const x = x0.slice();
    const g = Float32Array.of(-1, 2, 3, 1e-30, 0);
    signStep(x, x0, g, 1, f32(0.1), 0.1);
    expect(Array.from(x)).toEqual([0, f32(0.6), 1, 1, f32(0.3)]);
    signStep(x, x0, g, 1, f32(0.1), 0.1);
    expect(x[1]).toBe(f32(f32(0.5) + f32(0.1)));
    signStep(x, x0, g, -1, f32(0.5), 0.1);
    expect(Array.from(x)).toEqual([f32(0.1), f32(0.4), f32(0.9), f32(f32(0.95) - 0.1), f32(0.3)]);
    expect(linfDistance(x, x0)).toBeLessThanOrEqual(0.1 + 1e-7);
  });

  it("targets are the labels, or the chosen digit for every image", () => {
    expect(Array.from(lossTargets([3, 1, 4, 1, 5], 1, 3))).toEqual([1, 4, 1]);
    expect(Array.from(lossTargets([3, 1, 4, 1, 5], 1, 3, 8))).toEqual([8, 8, 8]);
  });
});

describe("attacks on a network trained on the chip", () => {
  const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16, learningRate: 3 };
  const hw = buildHwConfig("tpu-v2", { rows: 16, cols: 16 });
  let params: Float32Array[];
  let test: MnistSet;

  beforeAll(async () => {
    const r = await train({ spec, hw, mode: "fast", epochs: 2, train: loadMnist("train", { limit: 3000 }), evaluate: false });
    params = r.params;
    test = loadMnist("test", { limit: 96 });
  });

  it("fast gradient sign: the success rate grows with epsilon, and every verdict matches the golden model", async () => {
    const epsilons = [0.02, 0.3];
    const r = await sweepEpsilons({ spec, hw, params, mode: "fast", set: test, images: 96, epsilons, steps: 1 });
    expect(r.rows[0].attacked).toBeGreaterThan(48);
    expect(r.rows[1].successRate).toBeGreaterThan(0.5);
    expect(r.rows[1].successRate).toBeGreaterThan(r.rows[0].successRate);
    expect(r.cycles.inputGradient).toBeGreaterThan(0);
    // Each chip's energy is its own: static power for its own cycles, plus what it did.
    for (const chip of ["inputGradient", "inference"] as const) {
      const e = r.energy[chip];
      expect(e.parts.static).toBeCloseTo((staticPowerW(hw) * r.cycles[chip]) / (hw.clockMHz * 1e6), 15);
      expect(e.dynamicJ).toBeGreaterThan(0);
    }
    // Recompute with the golden model: same gradient (batch by batch), same steps, same predictions.
    const K = spec.inputs;
    const clean = predictSameNumerics(spec, params, test.images, 96).predicted;
    epsilons.forEach((eps, i) => {
      let attacked = 0;
      let fooled = 0;
      for (let first = 0; first < 96; first += spec.batch) {
        const x0 = test.images.slice(first * K, (first + spec.batch) * K);
        const g = inputGradientSameNumerics(spec, params, x0, Array.from(test.labels.subarray(first, first + spec.batch))).inputGradient;
        const x = x0.slice();
        signStep(x, x0, g, 1, f32(eps), eps);
        const p = predictSameNumerics(spec, params, x, spec.batch).predicted;
        for (let b = 0; b < spec.batch; b++) {
          if (clean[first + b] !== test.labels[first + b]) continue;
          attacked++;
          if (p[b] !== test.labels[first + b]) fooled++;
        }
      }
      expect([r.rows[i].attacked, r.rows[i].succeeded]).toEqual([attacked, fooled]);
    });
  });

  it("iterated and targeted: test image 0 is pulled to a chosen digit inside the epsilon ball", async () => {
    const target = (test.labels[0] + 3) % 10;
    const r = await attackOne({ spec, hw, params, mode: "fast" }, test, 0, { epsilon: 0.25, steps: 10, target });
    expect(r.success).toBe(true);
    expect(r.perturbedPrediction).toBe(target);
    expect(r.linf).toBeLessThanOrEqual(0.25 + 1e-6);
    expect(r.perturbed.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(argmax(predictSameNumerics(spec, params, r.perturbed, 1).outputs)).toBe(target);
  });

  it("a fooling pattern from noise reaches > 0.9 for the target digit", async () => {
    const r = await foolingPattern({ spec, hw, params, mode: "fast", target: 4, steps: 300, seed: 5, stepSize: 0.01, threshold: 0.9 });
    expect(r.reached).toBe(true);
    expect(r.predicted).toBe(4);
    expect(r.confidence).toBeGreaterThan(0.9);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.history.at(-1)).toBe(r.confidence);
    expect(Array.from(r.outputs)).toEqual(Array.from(predictSameNumerics(spec, params, r.pattern, 1).outputs));
    expect(r.pattern.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});

describe("attacks on a convolution network", () => {
  it("mnist-cnn-small: the input gradient through the convolution (col2im on the chip) drives the step, as in the golden model", async () => {
    const spec = loadWorkload("workloads/mnist-cnn-small.json");
    const params = initParameters(spec);
    const test = loadMnist("test", { limit: 1 });
    const hw = buildHwConfig("tpu-v2", { rows: 16, cols: 16 });
    const r = await attackOne({ spec, hw, params, mode: "fast" }, test, 0, { epsilon: 0.1, steps: 1 });
    const x0 = test.images.slice(0, 784);
    const g = inputGradientSameNumerics(spec, params, x0, [test.labels[0]]).inputGradient;
    expect(g.filter((v) => v !== 0).length).toBeGreaterThan(100);
    const x = x0.slice();
    signStep(x, x0, g, 1, f32(0.1), 0.1);
    expect(Array.from(r.perturbed)).toEqual(Array.from(x));
    expect(r.perturbedPrediction).toBe(argmax(predictSameNumerics(spec, params, x, 1).outputs));
  });
});

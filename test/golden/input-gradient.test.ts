/**
 * The input gradient dL/dx in both golden models: float64 against central differences, the
 * same-numerics model against float64, and both against what the training step's deltas imply.
 */
import { describe, expect, it } from "vitest";
import { inputFiniteDifferenceCheck, inputGradientF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { inputGradientSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import type { LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";

function spec(inputs: number, layers: [number, LayerActivation][]): WorkloadSpec {
  return {
    name: "golden",
    description: "",
    dataset: "mnist",
    inputs,
    layers: layers.map(([units, activation]) => ({ units, activation })),
    loss: "sse",
    batch: 5,
    learningRate: 0.5,
    epochs: 1,
    seed: 3,
    init: "normal-fanin",
    dtype: "bf16",
    hardware: { preset: "small", overrides: {} },
  };
}

function batch(count: number, inputs: number, classes: number, seed: number) {
  const rng = new Random(seed);
  const images = Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform()));
  const targets = Array.from({ length: count }, () => rng.below(classes));
  return { images, targets };
}

describe("input gradient, float64", () => {
  for (const acts of [["sigmoid", "sigmoid"], ["relu", "sigmoid"], ["identity", "relu"]] as const) {
    it(`matches central differences (${acts.join(", ")} hidden layers)`, () => {
      const s = spec(12, [[9, acts[0]], [7, acts[1]], [4, "sigmoid"]]);
      const params = initParameters(s);
      const { images, targets } = batch(5, 12, 4, 9);
      const r = inputFiniteDifferenceCheck(s, params, images, targets, { samples: 40, eps: 1e-5 });
      expect(r.checked).toBeGreaterThan(20);
      expect(r.maxRelativeError).toBeLessThan(1e-4);
    });
  }

  it("is the layer-0 weight gradient's other factor: dL/dM0[n][k] = sum_b delta0[b][n] x[b][k]", () => {
    // With one image whose pixels are all 1, dL/dM0[:, k] = delta0 and so dL/dx[k] = sum_n delta0[n] M0[n][k].
    const s = spec(6, [[5, "sigmoid"], [3, "sigmoid"]]);
    const params = initParameters(s);
    const ones = new Float32Array(6).fill(1);
    const g = inputGradientF64(s, params, ones, [2]).inputGradient;
    const step = trainStepF64(s, params, ones, [2]);
    for (let k = 0; k < 6; k++) {
      let e = 0;
      for (let n = 0; n < 5; n++) e += step.gradients[0][n * 7 + 6] * params[0][n * 7 + k];
      expect(g[k]).toBeCloseTo(e, 12);
    }
  });
});

describe("input gradient, same numerics", () => {
  it("agrees with float64 to bf16 precision", () => {
    const s = spec(30, [[9, "sigmoid"], [7, "relu"], [4, "sigmoid"]]);
    const params = initParameters(s);
    const { images, targets } = batch(5, 30, 4, 4);
    const same = inputGradientSameNumerics(s, params, images, targets);
    const real = inputGradientF64(s, params, images, targets);
    let gap = 0;
    let scale = 0;
    for (let i = 0; i < same.inputGradient.length; i++) {
      gap = Math.max(gap, Math.abs(same.inputGradient[i] - real.inputGradient[i]));
      scale = Math.max(scale, Math.abs(real.inputGradient[i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(gap / scale).toBeLessThan(2 ** -4);
    // The signs (all a fast gradient sign step uses) agree wherever the gradient is not tiny.
    let agree = 0;
    let large = 0;
    for (let i = 0; i < same.inputGradient.length; i++) {
      if (Math.abs(real.inputGradient[i]) < scale / 16) continue;
      large++;
      if (Math.sign(same.inputGradient[i]) === Math.sign(real.inputGradient[i])) agree++;
    }
    expect(large).toBeGreaterThan(10);
    expect(agree).toBe(large);
  });

  it("shares the training step's forward pass, deltas and loss", () => {
    const s = spec(10, [[6, "relu"], [3, "sigmoid"]]);
    const params = initParameters(s);
    const { images, targets } = batch(5, 10, 3, 6);
    const g = inputGradientSameNumerics(s, params, images, targets);
    const t = trainStepSameNumerics(s, params, images, targets);
    expect(g.activations).toEqual(t.activations);
    expect(g.deltas).toEqual(t.deltas);
    expect(g.loss).toBe(t.loss);
    expect(g.inputGradient).toHaveLength(5 * 10);
  });
});

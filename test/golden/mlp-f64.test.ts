import { describe, expect, it } from "vitest";
import { finiteDifferenceCheck, forwardF64, lossF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import type { LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";

function spec(inputs: number, layers: [number, LayerActivation][], seed = 4): WorkloadSpec {
  return {
    name: "f64",
    description: "",
    dataset: "mnist",
    inputs,
    layers: layers.map(([units, activation]) => ({ units, activation })),
    loss: "sse",
    batch: 5,
    learningRate: 0.5,
    epochs: 1,
    seed,
    init: "normal-fanin",
    dtype: "bf16",
    hardware: { preset: "small", overrides: {} },
  };
}

function batch(count: number, inputs: number, classes: number, seed = 9) {
  const rng = new Random(seed);
  const images = Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform()));
  const labels = Array.from({ length: count }, () => rng.below(classes));
  return { images, labels };
}

describe("forwardF64", () => {
  it("computes f(W x + b) layer by layer", () => {
    const s = spec(2, [[2, "relu"], [1, "sigmoid"]]);
    const params = [Float32Array.of(1, -2, 0.5, -1, 1, 0), Float32Array.of(2, -1, 0.25)];
    const { activations, predicted } = forwardF64(s, params, [0.5, 0.25], 1);
    const h = [Math.max(0, 0.5 - 0.5 + 0.5), Math.max(0, -0.5 + 0.25)];
    expect(Array.from(activations[0])).toEqual(h);
    expect(activations[1][0]).toBeCloseTo(1 / (1 + Math.exp(-(2 * h[0] - h[1] + 0.25))), 15);
    expect(Array.from(predicted)).toEqual([0]);
  });
});

describe("trainStepF64", () => {
  it("reports the loss (1/B) sum (A - Y)^2 and steps against the gradient", () => {
    const s = spec(6, [[5, "sigmoid"], [3, "sigmoid"]]);
    const params = initParameters(s);
    const { images, labels } = batch(5, 6, 3);
    const step = trainStepF64(s, params, images, labels);
    const out = forwardF64(s, params, images, 5).activations[1];
    let sum = 0;
    out.forEach((a, i) => (sum += (a - (labels[Math.floor(i / 3)] === i % 3 ? 1 : 0)) ** 2));
    expect(step.loss).toBeCloseTo(sum / 5, 14);
    step.params.forEach((m, l) => m.forEach((w, i) => expect(w).toBeCloseTo(params[l][i] - 0.5 * step.gradients[l][i], 14)));
    expect(lossF64(s, step.params, images, labels)).toBeLessThan(step.loss);
  });
});

describe("finiteDifferenceCheck", () => {
  const nets: [string, [number, LayerActivation][]][] = [
    ["sigmoid", [[7, "sigmoid"], [5, "sigmoid"], [4, "sigmoid"]]],
    ["relu, identity, sigmoid", [[7, "relu"], [5, "identity"], [4, "sigmoid"]]],
    ["identity output", [[6, "sigmoid"], [4, "identity"]]],
  ];

  it.each(nets)("%s: analytic gradients match central differences", (_, layers) => {
    const s = spec(9, layers);
    const { images, labels } = batch(6, 9, 4);
    const result = finiteDifferenceCheck(s, initParameters(s), images, labels, { samples: 60, eps: 1e-6 });
    expect(result.checked).toBeGreaterThan(40);
    expect(result.maxRelativeError).toBeLessThan(1e-5);
  });

  it("can fail: a step too coarse for the curvature shows up as error", () => {
    // Guards against a check that passes vacuously (e.g. comparing the gradient with itself).
    const s = spec(9, nets[0][1]);
    const { images, labels } = batch(6, 9, 4);
    const result = finiteDifferenceCheck(s, initParameters(s), images, labels, { samples: 60, eps: 0.5 });
    expect(result.maxRelativeError).toBeGreaterThan(1e-3);
  });
});

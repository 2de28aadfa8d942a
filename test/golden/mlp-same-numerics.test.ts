import { describe, expect, it } from "vitest";
import { forwardF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { predictInt8, predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { roundBf16 } from "../../src/numerics/bf16.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { InitScheme, LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";

const f32 = Math.fround;
const bf16 = roundBf16;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function spec(inputs: number, layers: [number, LayerActivation][], lr: number, init: InitScheme = "normal-fanin"): WorkloadSpec {
  return {
    name: "golden",
    description: "",
    dataset: "mnist",
    inputs,
    layers: layers.map(([units, activation]) => ({ units, activation })),
    loss: "sse",
    batch: 8,
    learningRate: lr,
    epochs: 1,
    seed: 21,
    init,
    dtype: "bf16",
    hardware: { preset: "small", overrides: {} },
  };
}

function randomBatch(count: number, inputs: number, classes: number, seed: number) {
  const rng = new Random(seed);
  const images = Float32Array.from({ length: count * inputs }, () => f32(rng.below(256) / 255));
  const labels = Array.from({ length: count }, () => rng.below(classes));
  return { images, labels };
}

describe("trainStepSameNumerics: a tiny case computed by hand", () => {
  // 2 inputs -> 2 ReLU -> 2 sigmoid, one image, label 0, lr 0.5.
  const s = spec(2, [[2, "relu"], [2, "sigmoid"]], 0.5);
  const m0 = Float32Array.of(1, 0.3, -0.25, -1, 0.5, 0.125);
  const m1 = Float32Array.of(2, -1, 0.5, -0.5, 1, 0);
  const step = trainStepSameNumerics(s, [m0, m1], Float32Array.of(0.5, f32(0.2)), [0]);

  // bf16(0.2) = 0.2001953125 and bf16(0.3) = 0.30078125 (8 significant bits, nearest).
  const x0 = [0.5, 0.2001953125, 1];
  it("forward", () => {
    // z00 = 0.5*1 + 0.2001953125*0.30078125 - 0.25 = 81321/2^18 exactly; bf16 keeps 159*2^9/2^18.
    expect(bf16(0.3)).toBe(0.30078125);
    expect(0.5 + x0[1] * 0.30078125 - 0.25).toBe(81321 / 2 ** 18);
    const a0 = [0.310546875, 0]; // z01 = -0.5 + 0.10009765625 + 0.125 < 0
    expect(Array.from(step.activations[0])).toEqual(a0);
    const a1 = [bf16(sigmoid(0.310546875 * 2 + 0.5)), bf16(sigmoid(0.310546875 * -0.5))];
    expect(Array.from(step.activations[1])).toEqual(a1);
    expect(step.loss).toBe((a1[0] - 1) ** 2 + a1[1] ** 2);
  });

  it("backward and update", () => {
    const [a10, a11] = step.activations[1];
    const dsig = (e: number, a: number) => bf16(f32(2 * f32(e * f32(a * f32(1 - a)))));
    const d1 = [dsig(bf16(f32(a10 - 1)), a10), dsig(a11, a11)];
    expect(Array.from(step.deltas[1])).toEqual(d1);
    const h = 0.310546875;
    expect(Array.from(step.gradients[1])).toEqual([d1[0] * h, 0, d1[0], d1[1] * h, 0, d1[1]]);
    // E_k = sum_n delta1_n * M1[n][k] in order n = 0, 1; ReLU passes it where a0 > 0 and stops it elsewhere.
    const e0 = bf16(f32(f32(d1[0] * 2) + d1[1] * -0.5));
    const d0 = [e0, 0];
    expect(Array.from(step.deltas[0])).toEqual(d0);
    expect(Array.from(step.gradients[0])).toEqual([e0 * 0.5, e0 * 0.2001953125, e0, 0, 0, 0]);
    // The fp32 master weight 0.3 stays fp32: only the copy sent to the array is bf16.
    const g0 = step.gradients[0];
    expect(Array.from(step.params[0])).toEqual(Array.from(m0, (w, i) => f32(w - f32(0.5 * g0[i]))));
    expect(step.params[0][1]).not.toBe(bf16(step.params[0][1]));
    expect(Array.from(step.params[1])).toEqual(Array.from(m1, (w, i) => f32(w - f32(0.5 * step.gradients[1][i]))));
    expect(Array.from(m0)).toEqual(Array.from(Float32Array.of(1, 0.3, -0.25, -1, 0.5, 0.125)));
  });
});

describe("trainStepSameNumerics: summation order", () => {
  it("accumulates the gradient over the batch as one fp32 chain b = 0..B-1", () => {
    // Identity layer 1 -> 2, M = [[1, 0], [0, 0]], B = 4, every label 1: delta[b][0] = bf16(0.5 * x_b).
    const s = spec(1, [[2, "identity"]], 1);
    const x = [1, 2 ** -24, 2 ** -24, 0];
    const step = trainStepSameNumerics(s, [Float32Array.of(1, 0, 0, 0)], Float32Array.from(x), [1, 1, 1, 1]);
    const products = [0.5, 2 ** -25, 2 ** -25, 0];
    expect(Array.from(step.deltas[0]).filter((_, i) => i % 2 === 0)).toEqual(products);
    const inOrder = products.reduce((acc, p) => f32(acc + p), 0);
    const reversed = [...products].reverse().reduce((acc, p) => f32(acc + p), 0);
    const exactThenRounded = f32(products.reduce((acc, p) => acc + p, 0));
    // 0.5 + 2^-25 is a tie that rounds back to 0.5 each time; summed first, the small terms survive.
    expect(inOrder).toBe(0.5);
    expect(reversed).toBe(0.5 + 2 ** -24);
    expect(exactThenRounded).toBe(0.5 + 2 ** -24);
    expect(step.gradients[0][1]).toBe(inOrder);
  });
});

describe("trainStepSameNumerics against float64", () => {
  const s = spec(12, [[9, "relu"], [7, "sigmoid"], [5, "sigmoid"]], 0.5, "glorot-uniform");
  const params = initParameters(s).map((m, l) => (l === 0 ? m : m.map((v) => v * 2)));
  const { images, labels } = randomBatch(8, 12, 5, 5);
  const same = trainStepSameNumerics(s, params, images, labels);
  const real = trainStepF64(s, params, images, labels);

  /** max |a - b| relative to the larger array's largest magnitude. */
  function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let gap = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      gap = Math.max(gap, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
    }
    expect(scale).toBeGreaterThan(0);
    return gap / scale;
  }

  it("agrees to bf16 precision", () => {
    // bf16 keeps 8 significant bits (relative step 2^-8); a few roundings in a row stay within 2^-7..2^-5.
    same.activations.forEach((a, l) => expect(relativeGap(a, real.activations[l])).toBeLessThan(2 ** -7));
    same.gradients.forEach((g, l) => expect(relativeGap(g, real.gradients[l])).toBeLessThan(2 ** -5));
    expect(Math.abs(same.loss - real.loss) / real.loss).toBeLessThan(2 ** -7);
    same.params.forEach((m, l) => expect(relativeGap(m, real.params[l])).toBeLessThan(2 ** -9));
  });

  it("is not the float64 model (the roundings are really there)", () => {
    expect(same.gradients[0].some((g, i) => g !== f32(real.gradients[0][i]))).toBe(true);
  });

  it("shapes: activations and deltas B x N_l, gradients like M_l", () => {
    expect(same.activations.map((a) => a.length)).toEqual([72, 56, 40]);
    expect(same.deltas.map((d) => d.length)).toEqual([72, 56, 40]);
    expect(same.gradients.map((g) => g.length)).toEqual(params.map((m) => m.length));
  });

  it("lowers the loss of its batch in one step", () => {
    const after = trainStepSameNumerics(s, same.params, images, labels);
    expect(after.loss).toBeLessThan(same.loss);
  });

  it("predictSameNumerics runs the same forward pass", () => {
    const { outputs, predicted } = predictSameNumerics(s, params, images, 8);
    expect(Array.from(outputs)).toEqual(Array.from(same.activations[2]));
    const f64 = forwardF64(s, params, images, 8).predicted;
    expect(predicted.length).toBe(8);
    expect([...predicted].filter((p, i) => p === f64[i]).length).toBeGreaterThanOrEqual(6);
  });
});

describe("predictInt8", () => {
  it("agrees with bf16 predictions on most of a batch", () => {
    // A separable task (noisy copies of one prototype per class) trained in float64, so outputs have margins.
    const s = spec(16, [[12, "relu"], [10, "sigmoid"]], 0.5, "glorot-uniform");
    const rng = new Random(8);
    const prototypes = Array.from({ length: 10 }, () => Array.from({ length: 16 }, () => rng.uniform()));
    const sample = (count: number) => {
      const labels = Array.from({ length: count }, () => rng.below(10));
      const images = new Float32Array(count * 16);
      labels.forEach((y, b) => prototypes[y].forEach((p, k) => (images[b * 16 + k] = f32(Math.min(1, Math.max(0, p + 0.2 * (rng.uniform() - 0.5)))))));
      return { images, labels };
    };
    let params = initParameters(s);
    for (let i = 0; i < 300; i++) {
      const { images, labels } = sample(8);
      params = trainStepF64(s, params, images, labels).params.map((m) => Float32Array.from(m));
    }
    const calibration = sample(200);
    const plan = quantizeForInference(s, params, { images: calibration.images, count: 200 });
    const test = sample(64);
    const bf = predictSameNumerics(s, params, test.images, 64).predicted;
    const q = predictInt8(s, plan, test.images, 64);
    const agree = [...q.predicted].filter((p, i) => p === bf[i]).length;
    const correct = [...bf].filter((p, i) => p === test.labels[i]).length;
    expect(correct).toBeGreaterThan(55);
    expect(agree).toBeGreaterThanOrEqual(58);
    expect(q.outputs.every((v) => Number.isInteger(v) && v >= -128 && v <= 127)).toBe(true);
  });

  it("breaks ties toward the lowest index", () => {
    const s = spec(2, [[3, "sigmoid"]], 1);
    // Equal weights for outputs 1 and 2, output 0 lower: the tie must resolve to 1.
    const params = [Float32Array.of(0, 0, -3, 1, 1, 2, 1, 1, 2)];
    const plan = quantizeForInference(s, params);
    const { outputs, predicted } = predictInt8(s, plan, Float32Array.of(1, 1), 1);
    expect(outputs[1]).toBe(outputs[2]);
    expect(outputs[0]).toBeLessThan(outputs[1]);
    expect(Array.from(predicted)).toEqual([1]);
  });
});

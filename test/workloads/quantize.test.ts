import { describe, expect, it } from "vitest";
import { toInt8 } from "../../src/numerics/int8.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { InitScheme, LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";

function spec(inputs: number, layers: [number, LayerActivation][], init: InitScheme = "normal-fanin"): WorkloadSpec {
  return {
    name: "q",
    description: "",
    dataset: "mnist",
    inputs,
    layers: layers.map(([units, activation]) => ({ units, activation })),
    loss: "sse",
    batch: 4,
    learningRate: 0.1,
    epochs: 1,
    seed: 11,
    init,
    dtype: "int8",
    hardware: { preset: "tpu-v1", overrides: {} },
  };
}

function images(count: number, inputs: number, seed = 3): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform()));
}

/** Independent float64 forward: max |a| of each layer over the images. */
function maxActivations(s: WorkloadSpec, params: Float32Array[], x: Float32Array, count: number): number[] {
  const max = s.layers.map(() => 0);
  for (let b = 0; b < count; b++) {
    let input = Array.from(x.subarray(b * s.inputs, (b + 1) * s.inputs));
    s.layers.forEach((layer, l) => {
      const K = input.length;
      const out: number[] = [];
      for (let n = 0; n < layer.units; n++) {
        const row = params[l].subarray(n * (K + 1), (n + 1) * (K + 1));
        const z = input.reduce((acc, v, k) => acc + v * row[k], row[K]);
        const a = layer.activation === "relu" ? Math.max(0, z) : layer.activation === "sigmoid" ? 1 / (1 + Math.exp(-z)) : z;
        max[l] = Math.max(max[l], Math.abs(a));
        out.push(a);
      }
      input = out;
    });
  }
  return max;
}

/** Largest dequantization error of the weights and of the biases of one layer, in units of their scales. */
function roundTripErrors(m: Float32Array, K: number, plan: ReturnType<typeof quantizeForInference>["layers"][number]) {
  let weight = 0;
  let bias = 0;
  m.forEach((v, i) => {
    if (i % (K + 1) === K) bias = Math.max(bias, Math.abs(plan.qweights[i] * plan.biasScale - v) / plan.biasScale);
    else weight = Math.max(weight, Math.abs(plan.qweights[i] * plan.weightScale - v) / plan.weightScale);
  });
  return { weight, bias };
}

describe("quantizeForInference", () => {
  it("sigmoid network: s_w = max|M|/127 and, when a bias is the largest entry, bias lane 127 with codes M/s_w", () => {
    const s = spec(20, [[8, "sigmoid"], [10, "sigmoid"]]);
    const params = initParameters(s);
    const plan = quantizeForInference(s, params);
    expect(plan.pixelMultiplier).toBe(127);
    plan.layers.forEach((layer, l) => {
      const m = params[l];
      const maxAbs = Math.max(...Array.from(m, Math.abs));
      expect(layer.weightScale).toBeCloseTo(maxAbs / 127, 12);
      expect(layer.inputScale).toBe(1 / 127);
      expect(layer.outputScale).toBe(1 / 127);
      expect(layer.inScale).toBe(Math.fround(layer.inputScale * layer.weightScale));
      expect(layer.outScale).toBe(127);
      // normal-fanin biases are N(0, 1) against N(0, 1/K) weights, so the maximum is a bias here.
      expect(layer.biasInput).toBe(127);
      expect(Array.from(layer.qweights)).toEqual(Array.from(m, (v) => toInt8(Math.fround(v / layer.weightScale))));
      expect(Math.max(...Array.from(layer.qweights, Math.abs))).toBe(127);
    });
  });

  it("gives small biases a finer step through a smaller bias-lane constant", () => {
    const s = spec(20, [[8, "sigmoid"], [10, "sigmoid"]], "uniform-fanin");
    const params = initParameters(s);
    params[0].forEach((_, i) => {
      if (i % 21 === 20) params[0][i] *= 0.1;
    });
    const layer = quantizeForInference(s, params).layers[0];
    expect(layer.biasInput).toBeLessThan(127);
    expect(layer.biasScale).toBeLessThan(layer.weightScale);
    const errors = roundTripErrors(params[0], 20, layer);
    expect(errors.weight).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(errors.bias).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it("relu layers: s_out = max|a|/127 over the calibration images, and the next layer's s_in follows", () => {
    const s = spec(12, [[16, "relu"], [8, "identity"], [10, "sigmoid"]]);
    const params = initParameters(s);
    const x = images(50, 12);
    const plan = quantizeForInference(s, params, { images: x, count: 50 });
    const max = maxActivations(s, params, x, 50);
    expect(plan.layers[0].outputScale).toBeCloseTo(max[0] / 127, 14);
    expect(plan.layers[1].outputScale).toBeCloseTo(max[1] / 127, 14);
    expect(plan.layers[2].outputScale).toBe(1 / 127);
    expect(plan.layers[1].inputScale).toBe(plan.layers[0].outputScale);
    expect(plan.layers[2].inputScale).toBe(plan.layers[1].outputScale);
    expect(plan.layers[1].outScale).toBe(Math.fround(1 / plan.layers[1].outputScale));
  });

  it("keeps the bias exact to half a step whatever the input range (1.0 beyond 127 levels, or only a few)", () => {
    for (const scale of [0.01, 40]) {
      const s = spec(12, [[16, "relu"], [10, "sigmoid"]]);
      const params = initParameters(s);
      params[0].forEach((v, i) => (params[0][i] = v * scale));
      const x = images(50, 12);
      const plan = quantizeForInference(s, params, { images: x, count: 50 });
      const layer = plan.layers[1];
      expect(layer.inputScale * 127 < 1 || layer.inputScale * 127 > 8).toBe(true);
      expect(layer.biasInput).toBeGreaterThanOrEqual(1);
      expect(layer.biasInput).toBeLessThanOrEqual(127);
      expect(layer.biasScale).toBeCloseTo(layer.inputScale * layer.weightScale * layer.biasInput, 15);
      const errors = roundTripErrors(params[1], 16, layer);
      expect(errors.weight).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(errors.bias).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });

  it("uses at most 1000 calibration images", () => {
    const s = spec(4, [[6, "relu"], [10, "sigmoid"]]);
    const params = initParameters(s);
    const x = images(1001, 4);
    x.fill(50, 1000 * 4);
    const plan = quantizeForInference(s, params, { images: x, count: 1001 });
    expect(plan.layers[0].outputScale).toBeCloseTo(maxActivations(s, params, x, 1000)[0] / 127, 14);
  });

  it("without calibration bounds the range for any pixels in [0, 1]", () => {
    const s = spec(12, [[16, "relu"], [10, "identity"]]);
    const params = initParameters(s);
    const bound = quantizeForInference(s, params);
    const extremes = new Float32Array(2 * 12);
    extremes.fill(1, 12);
    const x = images(200, 12);
    for (const probe of [x, extremes]) {
      const calibrated = quantizeForInference(s, params, { images: probe, count: probe.length / 12 });
      bound.layers.forEach((layer, l) => expect(layer.outputScale).toBeGreaterThanOrEqual(calibrated.layers[l].outputScale));
    }
  });

  it("int8 accumulators reproduce the real pre-activation", () => {
    const s = spec(30, [[10, "sigmoid"]]);
    const params = initParameters(s);
    const layer = quantizeForInference(s, params).layers[0];
    const x = images(1, 30);
    const q = [...Array.from(x, (v) => toInt8(Math.fround(v * 127))), layer.biasInput];
    for (let n = 0; n < 10; n++) {
      const row = params[0].subarray(n * 31, (n + 1) * 31);
      const z = Array.from(x).reduce((acc, v, k) => acc + v * row[k], row[30]);
      const acc = q.reduce((sum, v, k) => sum + v * layer.qweights[n * 31 + k], 0);
      expect(Math.abs(acc * layer.inScale - z)).toBeLessThan(0.05);
    }
  });

  it("survives all-zero parameters and a dead ReLU layer", () => {
    const s = spec(3, [[4, "relu"], [10, "sigmoid"]]);
    const params = initParameters(s).map((m) => m.fill(0));
    const plan = quantizeForInference(s, params, { images: images(5, 3), count: 5 });
    for (const layer of plan.layers) {
      expect(layer.weightScale).toBe(1);
      expect(Number.isFinite(layer.outScale)).toBe(true);
      expect(layer.qweights.every((v) => v === 0)).toBe(true);
    }
  });
});

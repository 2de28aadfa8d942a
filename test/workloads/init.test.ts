import { describe, expect, it } from "vitest";
import { Random } from "../../src/numerics/random.js";
import { initParameters, layerInputs, parameterCount } from "../../src/workloads/init.js";
import type { InitScheme, WorkloadSpec } from "../../src/workloads/types.js";

function spec(units: number[], init: InitScheme = "normal-fanin", seed = 1, inputs = 784): WorkloadSpec {
  return {
    name: "t",
    description: "",
    dataset: "mnist",
    inputs,
    layers: units.map((u) => ({ units: u, activation: "sigmoid" })),
    loss: "sse",
    batch: 32,
    learningRate: 1,
    epochs: 1,
    seed,
    init,
    dtype: "bf16",
    hardware: { preset: "tpu-v2", overrides: {} },
  };
}

function stats(values: number[]): { mean: number; variance: number; min: number; max: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance, min: Math.min(...values), max: Math.max(...values) };
}

/** Weights (columns < K) and biases (column K) of an N x (K+1) matrix. */
function split(m: Float32Array, K: number): { weights: number[]; biases: number[] } {
  const weights: number[] = [];
  const biases: number[] = [];
  m.forEach((v, i) => (i % (K + 1) === K ? biases : weights).push(v));
  return { weights, biases };
}

describe("parameterCount", () => {
  it("counts weights and biases", () => {
    expect(parameterCount(spec([16, 16, 10]))).toBe(13002);
    expect(parameterCount(spec([128, 10]))).toBe(128 * 785 + 10 * 129);
  });

  it("matches the arrays initParameters returns", () => {
    const s = spec([16, 16, 10]);
    const params = initParameters(s);
    expect(params.map((m) => m.length)).toEqual([16 * 785, 16 * 17, 10 * 17]);
    expect(params.reduce((n, m) => n + m.length, 0)).toBe(parameterCount(s));
    expect(layerInputs(s)).toEqual([784, 16, 16]);
  });
});

describe("initParameters", () => {
  it("is deterministic per seed", () => {
    expect(initParameters(spec([16, 16, 10], "normal-fanin", 7))).toEqual(initParameters(spec([16, 16, 10], "normal-fanin", 7)));
    const a = initParameters(spec([16, 10], "uniform-fanin", 1))[0];
    const b = initParameters(spec([16, 10], "uniform-fanin", 2))[0];
    expect(a.some((v, i) => v !== b[i])).toBe(true);
  });

  it("draws every weight of a layer in row-major order, then its biases, then the next layer", () => {
    const s = spec([3, 2], "normal-fanin", 5, 4);
    const rng = new Random(5);
    const expected = [
      [...Array(3 * 4)].map(() => Math.fround(rng.normal() / 2)),
      [...Array(3)].map(() => Math.fround(rng.normal())),
      [...Array(2 * 3)].map(() => Math.fround(rng.normal() / Math.sqrt(3))),
      [...Array(2)].map(() => Math.fround(rng.normal())),
    ];
    const [m0, m1] = initParameters(s);
    expect(split(m0, 4)).toEqual({ weights: expected[0], biases: expected[1] });
    expect(split(m1, 3)).toEqual({ weights: expected[2], biases: expected[3] });
  });

  it("normal-fanin: weights N(0, 1/K), biases N(0, 1)", () => {
    const [m0] = initParameters(spec([64, 10]));
    const { weights, biases } = split(m0, 784);
    const w = stats(weights);
    expect(Math.abs(w.mean)).toBeLessThan(0.005);
    expect(w.variance * 784).toBeGreaterThan(0.95);
    expect(w.variance * 784).toBeLessThan(1.05);
    const b = stats(biases);
    expect(b.variance).toBeGreaterThan(0.5);
    expect(b.variance).toBeLessThan(1.6);
  });

  it("uniform-fanin: weights and biases uniform in +-1/sqrt(K)", () => {
    const [m0] = initParameters(spec([64, 10], "uniform-fanin"));
    const limit = 1 / Math.sqrt(784);
    const all = stats(Array.from(m0));
    expect(all.min).toBeGreaterThanOrEqual(-limit);
    expect(all.max).toBeLessThanOrEqual(limit);
    expect(all.variance / (limit * limit / 3)).toBeGreaterThan(0.95);
    expect(all.variance / (limit * limit / 3)).toBeLessThan(1.05);
  });

  it("glorot-uniform: weights uniform in +-sqrt(6/(K+N)), biases 0", () => {
    const [m0, m1] = initParameters(spec([64, 10], "glorot-uniform"));
    const limit = Math.sqrt(6 / (784 + 64));
    const { weights, biases } = split(m0, 784);
    const w = stats(weights);
    expect(w.min).toBeGreaterThanOrEqual(-limit);
    expect(w.max).toBeLessThanOrEqual(limit);
    expect(w.max).toBeGreaterThan(0.99 * limit);
    expect(w.variance / (limit * limit / 3)).toBeGreaterThan(0.95);
    expect(w.variance / (limit * limit / 3)).toBeLessThan(1.05);
    expect(biases.every((v) => v === 0)).toBe(true);
    expect(split(m1, 64).biases.every((v) => v === 0)).toBe(true);
  });

  it("returns fp32 values", () => {
    for (const m of initParameters(spec([16, 10], "normal-fanin"))) expect(m).toBeInstanceOf(Float32Array);
  });
});

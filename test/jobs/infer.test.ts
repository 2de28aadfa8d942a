/**
 * `tpusim infer` as a job: random-data workloads run on the simulator (both modes) with outputs equal
 * to the golden models, the paper's counters account for every cycle, micro-batched and stacked-
 * convolution programs run on the simulator, and the TPU v1 MLP workloads are what the docs say.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { loadDataset, syntheticSet } from "../../src/data/dataset.js";
import { inputGradientSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { infer } from "../../src/jobs/infer.js";
import { InputGradientOnChip } from "../../src/jobs/input-gradient.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import { train } from "../../src/jobs/train.js";
import { initParameters, parameterCount } from "../../src/workloads/init.js";
import { loadWorkload } from "../../src/workloads/spec.js";
import { stackSpec } from "../compiler/conv-harness.js";

const bits = (a: Float32Array) => new Uint32Array(Float32Array.from(a).buffer);
const MLP = stackSpec(24, [{ units: 20, activation: "relu" }, { units: 12, activation: "relu" }, { units: 6, activation: "identity" }], { batch: 7, samples: 16 });
const CNN = stackSpec(2 * 8 * 8, [
  { type: "conv", kernel: 3, channels: 4, stride: 1, padding: 1, activation: "relu", input: { height: 8, width: 8, channels: 2 } },
  { type: "conv", kernel: 3, channels: 3, stride: 2, padding: 1, activation: "relu" },
  { units: 5, activation: "identity" },
], { batch: 4, samples: 6 });

describe("random data sets", () => {
  it("are seeded, per split, a prefix of any longer set, with labels over the output units", () => {
    const a = syntheticSet(MLP, "train", 10);
    expect(syntheticSet(MLP, "train", 10)).toEqual(a);
    expect(Array.from(syntheticSet(MLP, "train", 4).images)).toEqual(Array.from(a.images.subarray(0, 4 * 24)));
    expect(Array.from(syntheticSet(MLP, "test", 10).images)).not.toEqual(Array.from(a.images));
    expect(Array.from(syntheticSet({ ...MLP, seed: 6 }, "train", 10).images)).not.toEqual(Array.from(a.images));
    expect(a.images.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(a.labels.every((y) => y < 6)).toBe(true);
    expect(new Set(a.labels).size).toBeGreaterThan(2);
    expect(loadDataset(MLP, "test").count).toBe(16);
    expect(loadDataset(MLP, "test", { limit: 5 }).count).toBe(5);
    // More classes than a byte holds.
    const wide = syntheticSet({ ...MLP, layers: [{ units: 1000, activation: "relu" }] }, "train", 200);
    expect(wide.labels).toBeInstanceOf(Uint16Array);
    expect(Math.max(...wide.labels)).toBeGreaterThan(255);
  });
});

describe("infer", () => {
  for (const dtype of ["bf16", "int8"] as const) {
    it(`${dtype}: every output equals the golden model; 16 samples in batches of 7`, async () => {
      const hw = buildHwConfig("small", { rows: 8, cols: 4, dtype });
      const r = await infer({ spec: MLP, hw, mode: "fast", check: true });
      expect([r.samples, r.batch, r.batches, r.weights]).toEqual([16, 7, 3, "initialised"]);
      expect(r.check).toEqual({ outputs: 16 * 6, mismatches: 0, first: null });
      // Three program runs of 7 samples: 7 x (20 x 25 + 12 x 21 + 6 x 13) MACs each.
      expect(r.stats.macs).toBe(3 * 7 * (20 * 25 + 12 * 21 + 6 * 13));
      expect(r.accuracy).toBeNull();
    });
  }

  it("the paper's counters split every cycle: rows 1, 4, 5, 6 total 100 %, rows 2 + 3 make row 1", async () => {
    const hw = buildHwConfig("small", { rows: 8, cols: 8, dtype: "int8" });
    const r = await infer({ spec: MLP, hw, mode: "fast" });
    const c = r.counters;
    expect(c.arrayActive + c.weightStall + c.weightShift + c.nonMatrix).toBeCloseTo(1, 12);
    expect(c.usefulMacs + c.unusedMacs).toBeCloseTo(c.arrayActive, 12);
    expect(c.rawStalls + c.inputStalls).toBeLessThanOrEqual(c.nonMatrix + 1e-12);
    // 8x8 at 700 MHz: 2 x 64 x 0.7e9 operations per second.
    expect(c.peakTops).toBeCloseTo(2 * 64 * 0.7e9 / 1e12, 12);
    expect(c.tops / c.peakTops).toBeCloseTo(c.usefulMacs, 12);
    expect(c.arrayActive).toBeGreaterThan(0);
  });

  it("fast and detailed mode: the same outputs, cycles and statistics (a two-convolution network, int8)", async () => {
    const hw = buildHwConfig("small", { rows: 6, cols: 5, dtype: "int8" });
    const fast = await infer({ spec: CNN, hw, mode: "fast", check: true });
    const detailed = await infer({ spec: CNN, hw, mode: "detailed", check: true });
    expect(fast.check!.mismatches).toBe(0);
    expect(detailed.check!.mismatches).toBe(0);
    expect(detailed.stats).toEqual(fast.stats);
  });
});

describe("on the simulator, both modes", () => {
  for (const mode of ["fast", "detailed"] as const) {
    it(`a training step in micro-batches equals the whole batch's golden step (${mode})`, async () => {
      const spec = { ...CNN, batch: 5 };
      const hw = buildHwConfig("small", { rows: 4, cols: 4, unifiedBufferBytes: 16384 });
      const net = new NetworkOnChip(spec, hw, mode, "train-step");
      expect(net.compiled.microBatch).toBeLessThan(5);
      const params = initParameters(spec);
      net.setParams(params);
      const data = syntheticSet(spec, "train", 5);
      const out = await net.step(data.images, data.labels, null, 0, 5, {});
      const golden = trainStepSameNumerics(spec, params, data.images, Array.from(data.labels));
      expect(bits(out)).toEqual(bits(golden.activations[2]));
      net.getParams().forEach((p, l) => expect(bits(p), `layer ${l}`).toEqual(bits(golden.params[l])));
    });

    it(`the input gradient through two convolutions equals the golden model (${mode})`, async () => {
      const hw = buildHwConfig("small", { rows: 8, cols: 8 });
      const chip = new InputGradientOnChip(CNN, hw, mode);
      const params = initParameters(CNN);
      chip.setParams(params);
      const data = syntheticSet(CNN, "test", 4);
      const r = await chip.run(data.images, data.labels, 0, 4);
      const golden = inputGradientSameNumerics(CNN, params, data.images, Array.from(data.labels));
      expect(golden.inputGradient.some((v) => v !== 0)).toBe(true);
      expect(bits(r.gradient)).toEqual(bits(golden.inputGradient));
    });
  }

  it("train runs a random-data workload: one step per batch of its samples", async () => {
    const r = await train({ spec: { ...MLP, dtype: "bf16" }, hw: buildHwConfig("small", { rows: 8, cols: 8 }), mode: "fast", epochs: 2 });
    expect(r.steps).toBe(2 * Math.floor(16 / 7));
    expect(r.epochs[1].testAccuracy).not.toBeNull();
    expect(Number.isFinite(r.epochs[1].loss)).toBe(true);
  });
});

describe("the TPU v1 paper's MLPs", () => {
  it("MLP0: 5 fully connected ReLU layers, 20 M weights, batch 200, int8 on tpu-v1; MLP1: 4 layers, 5 M weights, batch 168", () => {
    const mlp0 = loadWorkload("workloads/tpu-v1-mlp0.json");
    const mlp1 = loadWorkload("workloads/tpu-v1-mlp1.json");
    const weights = (s: typeof mlp0) => parameterCount(s) - s.layers.reduce((n, l) => n + l.units, 0);
    expect([mlp0.layers.length, weights(mlp0), mlp0.batch, mlp0.dtype, mlp0.hardware.preset]).toEqual([5, 20_000_000, 200, "int8", "tpu-v1"]);
    expect([mlp1.layers.length, weights(mlp1), mlp1.batch, mlp1.dtype, mlp1.hardware.preset]).toEqual([4, 4_999_696, 168, "int8", "tpu-v1"]);
    expect([...mlp0.layers, ...mlp1.layers].every((l) => l.activation === "relu" && !l.conv)).toBe(true);
    expect([mlp0.dataset, mlp1.dataset]).toEqual(["random", "random"]);
  });
});

/**
 * Convolutions anywhere in a network, in the golden models: float64 gradients of the weights and of
 * the input against central differences (through two convolutions, and a convolution after a dense
 * layer), the col2im scatter by hand, and the same-numerics models (bf16 and int8) against float64.
 */
import { describe, expect, it } from "vitest";
import { scatterPatches } from "../../src/golden/conv-patches.js";
import { finiteDifferenceCheck, forwardF64, inputFiniteDifferenceCheck, inputGradientF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { inputGradientSameNumerics, predictInt8, predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { ConvSpec } from "../../src/workloads/types.js";
import { stackSpec } from "../compiler/conv-harness.js";

const TWO_CONVS = stackSpec(2 * 9 * 9, [
  { type: "conv", kernel: 3, channels: 4, stride: 1, padding: 1, activation: "relu", input: { height: 9, width: 9, channels: 2 } },
  { type: "conv", kernel: 3, channels: 3, stride: 2, padding: 1, activation: "sigmoid" },
  { units: 4, activation: "sigmoid" },
]);
const CONV_AFTER_DENSE = stackSpec(10, [
  { units: 32, activation: "sigmoid" },
  { type: "conv", kernel: 2, channels: 3, stride: 1, activation: "identity", input: { height: 4, width: 4, channels: 2 } },
  { units: 3, activation: "sigmoid" },
]);

function batch(count: number, inputs: number, classes: number, seed: number) {
  const rng = new Random(seed);
  return {
    images: Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform())),
    labels: Array.from({ length: count }, () => rng.below(classes)),
  };
}

describe("a convolution after other layers, float64", () => {
  for (const [name, spec] of [["two convolutions", TWO_CONVS], ["a convolution after a dense layer", CONV_AFTER_DENSE]] as const) {
    it(`${name}: weight gradients match central differences`, () => {
      const params = initParameters(spec).map((m) => m.map((v) => v * 2));
      const { images, labels } = batch(3, spec.inputs, 3, 4);
      const r = finiteDifferenceCheck(spec, params, images, labels, { samples: 90, eps: 1e-5 });
      expect(r.checked).toBeGreaterThan(45);
      expect(r.maxRelativeError).toBeLessThan(1e-3);
    });

    it(`${name}: input gradients match central differences`, () => {
      const params = initParameters(spec).map((m) => m.map((v) => v * 2));
      const { images, labels } = batch(3, spec.inputs, 3, 6);
      const r = inputFiniteDifferenceCheck(spec, params, images, labels, { samples: 60, eps: 1e-5 });
      expect(r.checked).toBeGreaterThan(30);
      expect(r.maxRelativeError).toBeLessThan(1e-3);
    });
  }

  it("the second convolution reads the first one's map: shapes from the schema", () => {
    expect(TWO_CONVS.layers[1].conv).toMatchObject({ inputHeight: 9, inputWidth: 9, inputChannels: 4, outputHeight: 5, outputWidth: 5 });
    const a = forwardF64(TWO_CONVS, initParameters(TWO_CONVS), batch(2, TWO_CONVS.inputs, 3, 1).images, 2).activations;
    expect(a.map((x) => x.length)).toEqual([2 * 81 * 4, 2 * 25 * 3, 2 * 4]);
  });
});

describe("scatterPatches (col2im)", () => {
  it("adds each patch entry to its pixel; overlapping windows sum, padding taps vanish", () => {
    // A 2x3 image under a 2x2 kernel: two positions side by side.
    const c: ConvSpec = { kernel: 2, channels: 1, stride: 1, padding: 0, inputHeight: 2, inputWidth: 3, inputChannels: 1, outputHeight: 1, outputWidth: 2 };
    // Two positions, patch taps (ky, kx) = (0,0), (0,1), (1,0), (1,1).
    const patches = [1, 2, 3, 4, 10, 20, 30, 40];
    const out = scatterPatches(patches, 1, c, (a, b) => a + b);
    // pixel (0,0) <- p0 tap0; (0,1) <- p0 tap1 + p1 tap0; (0,2) <- p1 tap1; row 1 likewise.
    expect(Array.from(out)).toEqual([1, 12, 20, 3, 34, 40]);
  });

  it("calls the adder in image, output row, kernel row, kernel column order", () => {
    const c: ConvSpec = { kernel: 2, channels: 1, stride: 1, padding: 1, inputHeight: 1, inputWidth: 1, inputChannels: 1, outputHeight: 2, outputWidth: 2 };
    // Every output position sees the single pixel through exactly one tap: (oy, ox) through (1-oy, 1-ox).
    const patches = Array.from({ length: 16 }, (_, i) => i);
    const seen: number[] = [];
    scatterPatches(patches, 1, c, (a, b) => (seen.push(b), a + b));
    // Row oy 0 (kernel row 1): kernel column 0 reaches it from ox 1 (patch 1, tap 2 = 6), column 1
    // from ox 0 (patch 0, tap 3 = 3); row oy 1 (kernel row 0) likewise: 12, then 9.
    expect(seen).toEqual([6, 3, 12, 9]);
  });
});

describe("the same numerics through stacked convolutions", () => {
  const gap = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let g = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      g = Math.max(g, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    expect(scale).toBeGreaterThan(0);
    return g / scale;
  };

  it("bf16 training step agrees with float64 to bf16 precision", () => {
    const params = initParameters(TWO_CONVS);
    const { images, labels } = batch(3, TWO_CONVS.inputs, 3, 8);
    const same = trainStepSameNumerics(TWO_CONVS, params, images, labels);
    const real = trainStepF64(TWO_CONVS, params, images, labels);
    for (let l = 0; l < 3; l++) {
      expect(gap(same.activations[l], real.activations[l]), `activation ${l}`).toBeLessThan(2 ** -6);
      expect(gap(same.gradients[l], real.gradients[l]), `gradient ${l}`).toBeLessThan(2 ** -4);
    }
    expect(Array.from(predictSameNumerics(TWO_CONVS, params, images, 3).outputs)).toEqual(Array.from(same.activations[2]));
  });

  it("bf16 input gradient through two convolutions agrees in sign with float64 wherever it is not tiny", () => {
    const params = initParameters(TWO_CONVS).map((m) => m.map((v) => v * 2));
    const { images, labels } = batch(3, TWO_CONVS.inputs, 3, 9);
    const same = inputGradientSameNumerics(TWO_CONVS, params, images, labels).inputGradient;
    const real = inputGradientF64(TWO_CONVS, params, images, labels).inputGradient;
    const scale = Math.max(...real.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    let compared = 0;
    for (let i = 0; i < real.length; i++) {
      if (Math.abs(real[i]) < scale / 20) continue;
      compared++;
      expect(Math.sign(same[i]), `pixel ${i}`).toBe(Math.sign(real[i]));
    }
    expect(compared).toBeGreaterThan(50);
    expect(gap(same, real)).toBeLessThan(2 ** -4);
  });

  it("int8 inference of two convolutions mostly predicts what bf16 predicts", () => {
    const spec = { ...TWO_CONVS, layers: TWO_CONVS.layers.map((l, i) => (i === 2 ? { ...l, activation: "identity" as const } : l)) };
    const params = initParameters(spec);
    const { images } = batch(40, spec.inputs, 3, 10);
    const plan = quantizeForInference(spec, params, { images, count: 40 });
    const q = predictInt8(spec, plan, images, 40);
    const bf = predictSameNumerics(spec, params, images, 40);
    expect(q.outputs.some((v) => v !== 0)).toBe(true);
    const agree = q.predicted.filter((p, i) => p === bf.predicted[i]).length;
    expect(agree).toBeGreaterThanOrEqual(34);
  });
});

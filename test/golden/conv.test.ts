/**
 * Convolution in the golden models: im2col by hand, float64 gradients against central differences,
 * and the same-numerics model against float64.
 */
import { describe, expect, it } from "vitest";
import { imagePatches } from "../../src/golden/conv-patches.js";
import { finiteDifferenceCheck, forwardF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { Random } from "../../src/numerics/random.js";
import { initParameters } from "../../src/workloads/init.js";
import type { ConvSpec, LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";

function conv(image: number, kernel: number, channels: number, stride: number, padding: number): ConvSpec {
  const out = Math.floor((image + 2 * padding - kernel) / stride) + 1;
  return { kernel, channels, stride, padding, inputHeight: image, inputWidth: image, inputChannels: 1, outputHeight: out, outputWidth: out };
}

function spec(c: ConvSpec, act: LayerActivation, dense: [number, LayerActivation][]): WorkloadSpec {
  const layers = [{ units: c.outputHeight * c.outputWidth * c.channels, activation: act, conv: c }, ...dense.map(([units, activation]) => ({ units, activation }))];
  return {
    name: "conv",
    description: "",
    dataset: "mnist",
    inputs: c.inputHeight * c.inputWidth,
    layers,
    loss: "sse",
    batch: 4,
    learningRate: 0.5,
    epochs: 1,
    seed: 11,
    init: "uniform-fanin",
    dtype: "bf16",
    hardware: { preset: "small", overrides: {} },
  };
}

function batch(count: number, inputs: number, classes: number, seed: number) {
  const rng = new Random(seed);
  return {
    images: Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform())),
    labels: Array.from({ length: count }, () => rng.below(classes)),
  };
}

describe("imagePatches", () => {
  it("3x3 image, 2x2 kernel, stride 1: four patches, row-major taps, lane last", () => {
    const p = imagePatches([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, conv(3, 2, 1, 1, 0), (x) => x, 1);
    expect(Array.from(p)).toEqual([1, 2, 4, 5, 1, 2, 3, 5, 6, 1, 4, 5, 7, 8, 1, 5, 6, 8, 9, 1]);
  });

  it("padding reads zeros outside the image; stride skips positions", () => {
    const p = imagePatches([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, conv(3, 3, 1, 2, 1), (x) => 10 * x, 7);
    // Outputs (0,0), (0,1), (1,0), (1,1) centred on pixels 1, 3, 7, 9.
    expect(Array.from(p.subarray(0, 10))).toEqual([0, 0, 0, 0, 10, 20, 0, 40, 50, 7]);
    expect(Array.from(p.subarray(30, 40))).toEqual([50, 60, 0, 80, 90, 0, 0, 0, 0, 7]);
  });
});

describe("convolution in float64", () => {
  for (const [name, c, act] of [
    ["kernel 3, stride 1, padding 1, sigmoid", conv(7, 3, 3, 1, 1), "sigmoid"],
    ["kernel 5, stride 2, padding 0, identity", conv(9, 5, 4, 2, 0), "identity"],
    ["kernel 3, stride 2, padding 1, relu", conv(8, 3, 2, 2, 1), "relu"],
  ] as const) {
    it(`gradients match central differences: ${name}`, () => {
      const s = spec(c, act, [[5, "sigmoid"], [3, "sigmoid"]]);
      const params = initParameters(s).map((m) => m.map((v) => v * 3));
      const { images, labels } = batch(3, s.inputs, 3, 12);
      const r = finiteDifferenceCheck(s, params, images, labels, { samples: 60, eps: 1e-5 });
      expect(r.checked).toBeGreaterThan(30);
      expect(r.maxRelativeError).toBeLessThan(act === "relu" ? 1e-3 : 1e-4);
    });
  }

  it("the convolution output is position-major, channel-minor", () => {
    // 1x1 kernel with weight c+1 and bias 0: output (pos, c) = (c+1) * pixel(pos).
    const c = conv(2, 1, 3, 1, 0);
    const s = spec(c, "identity", [[2, "identity"]]);
    const m0 = Float32Array.of(1, 0, 2, 0, 3, 0);
    const a = forwardF64(s, [m0, new Float32Array(2 * 13)], [1, 2, 3, 4], 1).activations[0];
    expect(Array.from(a)).toEqual([1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12]);
  });
});

describe("convolution in the same numerics", () => {
  it("agrees with float64 to bf16 precision: forward, gradients and predictions", () => {
    const s = spec(conv(10, 5, 6, 2, 1), "relu", [[4, "sigmoid"]]);
    const params = initParameters(s);
    const { images, labels } = batch(4, s.inputs, 4, 13);
    const same = trainStepSameNumerics(s, params, images, labels);
    const real = trainStepF64(s, params, images, labels);
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
    expect(gap(same.activations[0], real.activations[0])).toBeLessThan(2 ** -6);
    expect(gap(same.activations[1], real.activations[1])).toBeLessThan(2 ** -6);
    expect(gap(same.gradients[0], real.gradients[0])).toBeLessThan(2 ** -4);
    expect(gap(same.gradients[1], real.gradients[1])).toBeLessThan(2 ** -4);
    expect(Array.from(predictSameNumerics(s, params, images, 4).outputs)).toEqual(Array.from(same.activations[1]));
  });
});

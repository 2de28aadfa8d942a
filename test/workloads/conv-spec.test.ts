/** Convolution layers in workload specs: validation with JSON paths, geometry, parameter shapes. */
import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { initParameters, layerInputs, layerOutputs, parameterCount, parameterShapes } from "../../src/workloads/init.js";
import { loadWorkload, parseWorkload } from "../../src/workloads/spec.js";

const base = {
  name: "cnn",
  dataset: "mnist",
  inputs: 784,
  layers: [
    { type: "conv", kernel: 5, channels: 8, stride: 2, padding: 0, activation: "relu" },
    { units: 10, activation: "sigmoid" },
  ],
  loss: "sse",
  batch: 8,
  learningRate: 0.5,
  epochs: 1,
  seed: 3,
  dtype: "bf16",
  hardware: { preset: "small" },
};

function parse(change: (s: Record<string, any>) => void = () => {}) {
  const s = structuredClone(base) as Record<string, any>;
  change(s);
  return parseWorkload(JSON.stringify(s));
}

function message(change: (s: Record<string, any>) => void): string {
  try {
    parse(change);
  } catch (err) {
    expect(err).toBeInstanceOf(UserInputError);
    return (err as Error).message;
  }
  throw new Error("expected a UserInputError");
}

describe("conv layers in workload specs", () => {
  it("derive the output geometry and the flattened size", () => {
    const spec = parse();
    expect(spec.layers[0]).toEqual({
      units: 12 * 12 * 8,
      activation: "relu",
      conv: { kernel: 5, channels: 8, stride: 2, padding: 0, inputHeight: 28, inputWidth: 28, inputChannels: 1, outputHeight: 12, outputWidth: 12 },
    });
    const padded = parse((s) => Object.assign(s.layers[0], { kernel: 3, stride: 1, padding: 1 }));
    expect(padded.layers[0].conv).toMatchObject({ outputHeight: 28, outputWidth: 28 });
    expect(padded.layers[0].units).toBe(28 * 28 * 8);
  });

  it("stride and padding default to 1 and 0; dense layers may say type dense", () => {
    const spec = parse((s) => {
      delete s.layers[0].stride;
      delete s.layers[0].padding;
      s.layers[1].type = "dense";
    });
    expect(spec.layers[0].conv).toMatchObject({ stride: 1, padding: 0, outputHeight: 24 });
    expect(spec.layers[1]).toEqual({ units: 10, activation: "sigmoid" });
  });

  it("rejects bad fields with their JSON paths, all at once", () => {
    const m = message((s) => Object.assign(s.layers[0], { kernel: 0, channels: 2.5, stride: -1, units: 3 }));
    expect(m).toMatch(/\$\.layers\[0\]\.kernel: must be an integer >= 1 \(got 0\)/);
    expect(m).toMatch(/\$\.layers\[0\]\.channels: must be an integer >= 1 \(got 2\.5\)/);
    expect(m).toMatch(/\$\.layers\[0\]\.stride: must be an integer >= 1 \(got -1\)/);
    expect(m).toMatch(/\$\.layers\[0\]\.units: unknown field/);
    expect(message((s) => (s.layers[0].type = "pool"))).toMatch(/\$\.layers\[0\]\.type: must be "dense" or "conv" \(got "pool"\)/);
    expect(message((s) => (s.layers[0].padding = 5))).toMatch(/\$\.layers\[0\]\.padding: must be smaller than the kernel \(5\) \(got 5\)/);
    expect(message((s) => (s.layers[0].kernel = 31))).toMatch(/\$\.layers\[0\]\.kernel: must fit the 28x28 image plus padding, at most 28 \(got 31\)/);
    expect(message((s) => (s.layers[1].kernel = 3))).toMatch(/\$\.layers\[1\]\.kernel: unknown field/);
  });

  it("a convolution may follow a convolution: it reads the map the previous one produced", () => {
    const spec = parse((s) => s.layers.splice(1, 0, { type: "conv", kernel: 3, channels: 4, stride: 1, padding: 1, activation: "relu" }));
    expect(spec.layers[1].conv).toEqual({ kernel: 3, channels: 4, stride: 1, padding: 1, inputHeight: 12, inputWidth: 12, inputChannels: 8, outputHeight: 12, outputWidth: 12 });
    expect(spec.layers[1].units).toBe(12 * 12 * 4);
    expect(layerInputs(spec)).toEqual([25, 72, 576]);
  });

  it("after a dense layer a convolution needs the image its input forms, and the sizes must agree", () => {
    const dense = { units: 72, activation: "relu" };
    const conv = { type: "conv", kernel: 3, channels: 2, activation: "relu" };
    expect(message((s) => s.layers.splice(1, 0, dense, conv))).toMatch(/\$\.layers\[2\]\.input: is required here: give the 72 values this convolution reads as/);
    const spec = parse((s) => s.layers.splice(1, 0, dense, { ...conv, input: { height: 6, width: 6, channels: 2 } }));
    expect(spec.layers[2].conv).toMatchObject({ inputHeight: 6, inputWidth: 6, inputChannels: 2, outputHeight: 4 });
    expect(message((s) => s.layers.splice(1, 0, dense, { ...conv, input: { height: 6, width: 6, channels: 3 } }))).toMatch(
      /\$\.layers\[2\]\.input: 6x6x3 = 108 values, but the layer before gives 72/,
    );
    expect(message((s) => s.layers.splice(1, 0, dense, { ...conv, input: { height: 0, width: 6, depth: 2 } }))).toMatch(
      /\$\.layers\[2\]\.input\.height: must be an integer >= 1 \(got 0\).*\$\.layers\[2\]\.input\.channels: is required.*\$\.layers\[2\]\.input\.depth: unknown field/,
    );
    expect(message((s) => s.layers.splice(1, 0, dense, { ...conv, input: [6, 6, 2] }))).toMatch(/\$\.layers\[2\]\.input: must be an object/);
  });

  it("for MNIST the last layer must be dense", () => {
    expect(message((s) => s.layers.pop())).toMatch(/\$\.layers\[0\]\.type: the last layer must be a dense layer of 10 units/);
  });

  it("parameters: channels x (kernel^2 + 1) for the convolution, then dense layers over the flattened output", () => {
    const spec = parse();
    expect(layerInputs(spec)).toEqual([25, 1152]);
    expect(layerOutputs(spec)).toEqual([8, 10]);
    expect(parameterShapes(spec)).toEqual([{ rows: 8, cols: 26 }, { rows: 10, cols: 1153 }]);
    expect(parameterCount(spec)).toBe(8 * 26 + 10 * 1153);
    const params = initParameters(spec);
    expect(params.map((p) => p.length)).toEqual([8 * 26, 10 * 1153]);
    // normal-fanin: weights N(0, 1/25) for the convolution.
    const w = Array.from(params[0]).filter((_, i) => i % 26 !== 25);
    const sd = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(sd).toBeGreaterThan(0.1);
    expect(sd).toBeLessThan(0.35);
  });

  it("the shipped mnist-cnn-small workload", () => {
    const spec = loadWorkload("workloads/mnist-cnn-small.json");
    expect(spec.layers[0].conv).toMatchObject({ kernel: 5, channels: 8, stride: 2, padding: 0, outputHeight: 12 });
    expect(spec.layers[1].units).toBe(10);
    expect(parameterCount(spec)).toBe(11738);
  });
});

/** Convolution workloads for tests: any image size (the compiler and the golden models read the geometry from ConvSpec). */
import { parseWorkload } from "../../src/workloads/spec.js";
import type { ConvSpec, LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";
import { makeSpec } from "./harness.js";

export interface ConvShape {
  image: number;
  kernel: number;
  channels: number;
  stride: number;
  padding: number;
  activation: LayerActivation;
  /** Input channels (MNIST specs have 1; the compiler and golden models take any). */
  inputChannels?: number;
}

export function convSpec(c: ConvShape, dense: [number, LayerActivation][], batch: number, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  const out = Math.floor((c.image + 2 * c.padding - c.kernel) / c.stride) + 1;
  const conv: ConvSpec = {
    kernel: c.kernel,
    channels: c.channels,
    stride: c.stride,
    padding: c.padding,
    inputHeight: c.image,
    inputWidth: c.image,
    inputChannels: c.inputChannels ?? 1,
    outputHeight: out,
    outputWidth: out,
  };
  const base = makeSpec(c.image * c.image * (c.inputChannels ?? 1), dense, batch, extra);
  return { ...base, layers: [{ units: out * out * c.channels, activation: c.activation, conv }, ...base.layers] };
}

/** A random-data workload through the real validator (so the geometry is the schema's). */
export function stackSpec(inputs: number, layers: object[], extra: Record<string, unknown> = {}): WorkloadSpec {
  return parseWorkload(
    JSON.stringify({
      name: "stack",
      dataset: "random",
      inputs,
      layers,
      loss: "sse",
      batch: 3,
      learningRate: 0.5,
      epochs: 1,
      seed: 5,
      init: "uniform-fanin",
      dtype: "bf16",
      hardware: { preset: "small" },
      ...extra,
    }),
  );
}


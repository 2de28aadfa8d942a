/**
 * Initial parameters. Layer l is one fp32 matrix M_l of shape N_l x (K_l + 1), row-major: row n holds
 * the weights from inputs 0..K_l-1 to output n, and column K_l holds output n's bias (the simulator
 * keeps the bias as a weight whose input is the constant 1).
 */
import { Random } from "../numerics/random.js";
import type { WorkloadSpec } from "./types.js";

const f32 = Math.fround;

/**
 * Inputs K_l of each layer (fan-in, without the bias lane): the previous layer's outputs, or for a
 * convolution the patch it sees at one position, kernel^2 * inputChannels.
 */
export function layerInputs(spec: WorkloadSpec): number[] {
  return spec.layers.map((layer, l) => {
    if (layer.conv) return layer.conv.kernel * layer.conv.kernel * layer.conv.inputChannels;
    return l === 0 ? spec.inputs : spec.layers[l - 1].units;
  });
}

/** Rows N_l of M_l: a dense layer's units, a convolution's channels (its weights are shared by every position). */
export function layerOutputs(spec: WorkloadSpec): number[] {
  return spec.layers.map((layer) => layer.conv?.channels ?? layer.units);
}

/** Shape of each M_l: N_l rows, K_l + 1 columns (bias last). */
export function parameterShapes(spec: WorkloadSpec): { rows: number; cols: number }[] {
  const fanIn = layerInputs(spec);
  return layerOutputs(spec).map((rows, l) => ({ rows, cols: fanIn[l] + 1 }));
}

/** Number of trainable values, biases included (784-16-16-10 -> 13002). */
export function parameterCount(spec: WorkloadSpec): number {
  return parameterShapes(spec).reduce((sum, s) => sum + s.rows * s.cols, 0);
}

/**
 * One M_l per layer. A single Random(seed) is drawn in a fixed order (layer by layer; in each layer
 * every weight in row-major order, then the biases) so the simulator and the golden models, which
 * both start from this function, agree for a given seed.
 */
export function initParameters(spec: WorkloadSpec): Float32Array[] {
  const rng = new Random(spec.seed);
  const fanIn = layerInputs(spec);
  const outputs = layerOutputs(spec);
  return spec.layers.map((layer, l) => {
    const K = fanIn[l];
    const N = outputs[l];
    const m = new Float32Array(N * (K + 1));
    // Glorot counts a convolution's fan-out over its kernel window, as Keras does.
    const fanOut = layer.conv ? N * layer.conv.kernel * layer.conv.kernel : N;
    const draw = drawer(spec.init, rng, K, fanOut);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) m[n * (K + 1) + k] = draw.weight();
    }
    for (let n = 0; n < N; n++) m[n * (K + 1) + K] = draw.bias();
    return m;
  });
}

function drawer(init: WorkloadSpec["init"], rng: Random, K: number, N: number) {
  switch (init) {
    case "normal-fanin": {
      // Weights N(0, 1/K) keep the pre-activation's variance near 1 whatever the fan-in.
      const sd = Math.sqrt(K);
      return { weight: () => f32(rng.normal() / sd), bias: () => f32(rng.normal()) };
    }
    case "uniform-fanin": {
      const uniform = () => f32((2 * rng.uniform() - 1) / Math.sqrt(K));
      return { weight: uniform, bias: uniform };
    }
    case "glorot-uniform": {
      const limit = Math.sqrt(6 / (K + N));
      // Glorot's biases start at zero and consume no random numbers.
      return { weight: () => f32((2 * rng.uniform() - 1) * limit), bias: () => 0 };
    }
  }
}

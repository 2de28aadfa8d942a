/**
 * Layer bookkeeping shared by the same-numerics models (bf16 training, int8 inference): the shape of
 * each layer's product, the rows a layer multiplies (dense rows with the bias lane, or a
 * convolution's patches), and argmax. Written from the workload definition (src/workloads/types.ts).
 */
import type { ConvSpec, LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { imagePatches } from "./conv-patches.js";

export interface Shape {
  /** Inputs (a convolution's patch length), outputs per row (a convolution's channels). */
  K: number;
  N: number;
  act: LayerActivation;
  /** Rows per sample: a convolution's output positions, 1 for a dense layer. */
  positions: number;
  conv?: ConvSpec;
}

/** Layer shapes, after checking that the arrays passed in fit them (a mismatch is a caller bug). */
export function shapesOf(spec: WorkloadSpec, params: readonly Float32Array[] | null, images: Float32Array, B: number): Shape[] {
  if (images.length < B * spec.inputs) throw new Error(`internal: ${images.length} pixels for ${B} images`);
  return spec.layers.map((layer, l) => {
    const c = layer.conv;
    const K = c ? c.kernel * c.kernel * c.inputChannels : l === 0 ? spec.inputs : spec.layers[l - 1].units;
    const N = c ? c.channels : layer.units;
    if (params && params[l]?.length !== N * (K + 1)) throw new Error(`internal: layer ${l} parameter shape`);
    return { K, N, act: layer.activation, positions: c ? c.outputHeight * c.outputWidth : 1, ...(c ? { conv: c } : {}) };
  });
}

/**
 * The rows layer `shape` multiplies, from `values` (count samples of its input, already in the
 * machine's number format): a convolution's patches, or the dense rows; `lane` in the last column.
 */
export function layerRows(shape: Shape, values: Float32Array, count: number, lane: number): Float32Array {
  if (shape.conv) return imagePatches(values, count, shape.conv, (x) => x, lane);
  const K = shape.K;
  const x = new Float32Array(count * (K + 1));
  for (let b = 0; b < count; b++) {
    x.set(values.subarray(b * K, (b + 1) * K), b * (K + 1));
    x[b * (K + 1) + K] = lane;
  }
  return x;
}

/** Argmax per row, ties to the lowest index. */
export function argmaxRows(values: Float32Array, rows: number, cols: number): Int32Array {
  const predicted = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    predicted[r] = best;
  }
  return predicted;
}

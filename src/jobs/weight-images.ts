/**
 * The first layer's weights as pictures: one 28x28 image per hidden unit of a dense first layer on
 * MNIST (what each unit looks for in the digit), or one kernel x kernel image per filter of a
 * convolution. Each image is scaled by its own largest magnitude, so the picture shows the sign
 * pattern whatever the unit's overall size.
 */
import { packArray, type WeightImages } from "../io/report/views.js";
import { layerInputs, layerOutputs } from "../workloads/init.js";
import type { WorkloadSpec } from "../workloads/types.js";

/** More images than this make a wall nobody reads; the report says how many it left out. */
export const MAX_WEIGHT_IMAGES = 64;

/** Images of layer 0's weights, or null when its inputs do not form a square picture. */
export function firstLayerImages(spec: WorkloadSpec, params: readonly Float32Array[]): WeightImages | null {
  const layer = spec.layers[0];
  const K = layerInputs(spec)[0];
  const N = layerOutputs(spec)[0];
  const m = params[0];
  let height: number;
  let width: number;
  let channels = 1;
  let title: string;
  if (layer.conv) {
    height = width = layer.conv.kernel;
    channels = layer.conv.inputChannels;
    title = `first layer: ${N} convolution filters, ${height}x${width}${channels > 1 ? " (input channel 0)" : ""}`;
  } else {
    const side = Math.round(Math.sqrt(K));
    if (side * side !== K) return null;
    height = width = side;
    title = `first layer: weights of each of the ${N} hidden units, as ${side}x${side} images`;
  }
  const count = Math.min(N, MAX_WEIGHT_IMAGES);
  const pixels = new Int8Array(count * height * width);
  const scales: number[] = [];
  for (let n = 0; n < count; n++) {
    const row = n * (K + 1);
    let scale = 0;
    for (let p = 0; p < height * width; p++) scale = Math.max(scale, Math.abs(m[row + p * channels]));
    scales.push(scale);
    for (let p = 0; p < height * width; p++) {
      pixels[n * height * width + p] = scale === 0 ? 0 : Math.round((127 * m[row + p * channels]) / scale);
    }
  }
  return { title, noun: layer.conv ? "filter" : "unit", height, width, count, total: N, scales, pixels: packArray(pixels) };
}

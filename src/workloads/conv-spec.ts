/**
 * Convolution layers of the workload schema (workloads/README.md), checked by spec.ts's field
 * checker so their problems carry JSON paths like every other field.
 */
import type { FieldChecker, Json } from "./spec.js";
import type { ConvSpec, LayerActivation, LayerSpec } from "./types.js";

/** The image a convolution reads: MNIST is 28 x 28 pixels, one channel. */
const MNIST_IMAGE = { height: 28, width: 28, channels: 1 } as const;
export const CONV_FIELDS = ["type", "kernel", "channels", "stride", "padding", "activation"];

/**
 * `{ "type": "conv", "kernel": k, "channels": C, "stride": s (default 1), "padding": p (default 0),
 * "activation": f }` over the 28 x 28 x 1 MNIST image; only the first layer may be one.
 */
export function validateConv(layer: Json, field: FieldChecker, index: number, activations: readonly LayerActivation[]): LayerSpec | undefined {
  const kernel = field.integer("kernel", 1);
  const channels = field.integer("channels", 1);
  const stride = layer.stride === undefined ? 1 : field.integer("stride", 1);
  const padding = layer.padding === undefined ? 0 : field.integer("padding", 0);
  const activation = field.oneOf("activation", activations);
  field.rejectUnknown(CONV_FIELDS);
  if (index > 0) {
    return field.fail("type", "a convolution must be the first layer: it reads the image, and the layers after it are dense");
  }
  const { height, width, channels: inputChannels } = MNIST_IMAGE;
  if (kernel === undefined || padding === undefined || stride === undefined || channels === undefined || activation === undefined) return undefined;
  if (padding >= kernel) return field.fail("padding", `must be smaller than the kernel (${kernel}) (got ${padding})`);
  if (kernel > Math.min(height, width) + 2 * padding) {
    return field.fail("kernel", `must fit the ${height}x${width} image plus padding, at most ${Math.min(height, width) + 2 * padding} (got ${kernel})`);
  }
  const outputHeight = Math.floor((height + 2 * padding - kernel) / stride) + 1;
  const outputWidth = Math.floor((width + 2 * padding - kernel) / stride) + 1;
  const conv: ConvSpec = Object.freeze({ kernel, channels, stride, padding, inputHeight: height, inputWidth: width, inputChannels, outputHeight, outputWidth });
  return Object.freeze({ units: outputHeight * outputWidth * channels, activation, conv });
}


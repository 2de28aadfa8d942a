/**
 * Convolution layers of the workload schema (workloads/README.md), checked by spec.ts's field
 * checker so their problems carry JSON paths like every other field.
 */
import type { FieldChecker, Json } from "./spec.js";
import type { ConvSpec, LayerActivation, LayerSpec } from "./types.js";

export const CONV_FIELDS = ["type", "kernel", "channels", "stride", "padding", "activation", "input"];
const IMAGE_FIELDS = ["height", "width", "channels"];

/** An image shape: height x width positions of `channels` values, position-major, channel-minor. */
export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * What a layer reads: `units` values per sample, and the image they form when that is known (the
 * MNIST picture for the first layer, a convolution's output map after a convolution).
 */
export interface LayerInput {
  readonly units: number;
  readonly image?: ImageShape;
}

/**
 * `{ "type": "conv", "kernel": k, "channels": C, "stride": s (default 1), "padding": p (default 0),
 * "activation": f, "input": { "height", "width", "channels" } (optional) }`. The image it convolves
 * is `input` when given (a reshape of the previous layer's outputs: the product must match), else
 * the image the previous layer produced (`previous.image`); `previous` is undefined when the layer
 * before failed validation.
 */
export function validateConv(
  layer: Json,
  field: FieldChecker,
  previous: LayerInput | undefined,
  activations: readonly LayerActivation[],
): LayerSpec | undefined {
  const kernel = field.integer("kernel", 1);
  const channels = field.integer("channels", 1);
  const stride = layer.stride === undefined ? 1 : field.integer("stride", 1);
  const padding = layer.padding === undefined ? 0 : field.integer("padding", 0);
  const activation = field.oneOf("activation", activations);
  // Unknown when the layer before failed validation: it has its own message.
  const image = previous && (layer.input === undefined ? inheritedImage(field, previous) : declaredImage(field, previous));
  field.rejectUnknown(CONV_FIELDS);
  if (kernel === undefined || padding === undefined || stride === undefined || channels === undefined || activation === undefined || image === undefined) {
    return undefined;
  }
  const { height, width, channels: inputChannels } = image;
  if (padding >= kernel) return field.fail("padding", `must be smaller than the kernel (${kernel}) (got ${padding})`);
  if (kernel > Math.min(height, width) + 2 * padding) {
    return field.fail("kernel", `must fit the ${height}x${width} image plus padding, at most ${Math.min(height, width) + 2 * padding} (got ${kernel})`);
  }
  const outputHeight = Math.floor((height + 2 * padding - kernel) / stride) + 1;
  const outputWidth = Math.floor((width + 2 * padding - kernel) / stride) + 1;
  const conv: ConvSpec = Object.freeze({ kernel, channels, stride, padding, inputHeight: height, inputWidth: width, inputChannels, outputHeight, outputWidth });
  return Object.freeze({ units: outputHeight * outputWidth * channels, activation, conv });
}

/** The image a convolution after `layer` produces (position-major, channel-minor). */
export function outputImage(layer: LayerSpec): ImageShape | undefined {
  const c = layer.conv;
  return c && { height: c.outputHeight, width: c.outputWidth, channels: c.channels };
}

function inheritedImage(field: FieldChecker, previous: LayerInput): ImageShape | undefined {
  if (previous.image) return previous.image;
  return field.fail("input", `is required here: give the ${previous.units} values this convolution reads as { "height", "width", "channels" }`);
}

function declaredImage(field: FieldChecker, previous: LayerInput): ImageShape | undefined {
  const shape = field.child("input", "an object { \"height\", \"width\", \"channels\" }");
  if (!shape) return undefined;
  const height = shape.integer("height", 1);
  const width = shape.integer("width", 1);
  const channels = shape.integer("channels", 1);
  shape.rejectUnknown(IMAGE_FIELDS);
  if (height === undefined || width === undefined || channels === undefined) return undefined;
  if (height * width * channels !== previous.units) {
    return field.fail("input", `${height}x${width}x${channels} = ${height * width * channels} values, but the layer before gives ${previous.units}`);
  }
  return { height, width, channels };
}

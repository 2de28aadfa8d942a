/** The workload spec (workloads/*.json) after validation by spec.ts. */
import type { DType } from "../config/hw-config.js";

export type LayerActivation = "sigmoid" | "relu" | "identity";
export type LossKind = "sse" | "softmax-cross-entropy";
export type InitScheme = "normal-fanin" | "uniform-fanin" | "glorot-uniform";

/**
 * A 2-D convolution (workloads/README.md): square kernel, stride, zero padding, over an
 * inputHeight x inputWidth x inputChannels image (pixel (y, x, ci) at (y * inputWidth + x) *
 * inputChannels + ci). Its output is outputHeight x outputWidth positions of `channels` values,
 * flattened position-major: value (oy, ox, c) at (oy * outputWidth + ox) * channels + c.
 */
export interface ConvSpec {
  readonly kernel: number;
  readonly channels: number;
  readonly stride: number;
  readonly padding: number;
  readonly inputHeight: number;
  readonly inputWidth: number;
  readonly inputChannels: number;
  /** floor((inputHeight + 2 padding - kernel) / stride) + 1, likewise for the width. */
  readonly outputHeight: number;
  readonly outputWidth: number;
}

export interface LayerSpec {
  /** Outputs of the layer: a dense layer's units; a convolution's outputHeight * outputWidth * channels. */
  readonly units: number;
  readonly activation: LayerActivation;
  /**
   * Present for a convolution layer ("type": "conv"); its parameters are channels x (kernel^2
   * inputChannels + 1). It may sit anywhere: it reads the previous layer's outputs (or the input
   * features) as an inputHeight x inputWidth x inputChannels image.
   */
  readonly conv?: ConvSpec;
}

/**
 * "mnist": the MNIST files (784 inputs, 10 classes). "random": seeded synthetic samples of the declared
 * shape (src/data/synthetic.ts): inputs uniform in [0, 1), labels uniform over the last layer's units.
 */
export type DatasetKind = "mnist" | "random";

export interface WorkloadSpec {
  readonly name: string;
  readonly description: string;
  readonly dataset: DatasetKind;
  /** Input features (784 for MNIST). */
  readonly inputs: number;
  /** Dataset "random" only: samples in each synthetic split (default: one batch). */
  readonly samples?: number;
  readonly layers: readonly LayerSpec[];
  /**
   * "sse": sum over outputs of squared errors, averaged over the batch: L = (1/B) sum_b sum_j (a-y)^2.
   * "softmax-cross-entropy": the last layer (identity) gives logits z; L = (1/B) sum_b -log softmax(z_b)[y_b].
   */
  readonly loss: LossKind;
  readonly batch: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly seed: number;
  readonly init: InitScheme;
  readonly dtype: DType;
  readonly hardware: { readonly preset: string; readonly overrides: Readonly<Record<string, unknown>> };
}

/** The workload spec (workloads/*.json) after validation by spec.ts. */
import type { DType } from "../config/hw-config.js";

export type LayerActivation = "sigmoid" | "relu" | "identity";
export type LossKind = "sse";
export type InitScheme = "normal-fanin" | "uniform-fanin" | "glorot-uniform";

export interface LayerSpec {
  readonly units: number;
  readonly activation: LayerActivation;
}

export interface WorkloadSpec {
  readonly name: string;
  readonly description: string;
  readonly dataset: "mnist";
  /** Input features (784 for MNIST). */
  readonly inputs: number;
  readonly layers: readonly LayerSpec[];
  /** "sse": sum over outputs of squared errors, averaged over the batch: L = (1/B) sum_b sum_j (a-y)^2. */
  readonly loss: LossKind;
  readonly batch: number;
  readonly learningRate: number;
  readonly epochs: number;
  readonly seed: number;
  readonly init: InitScheme;
  readonly dtype: DType;
  readonly hardware: { readonly preset: string; readonly overrides: Readonly<Record<string, unknown>> };
}

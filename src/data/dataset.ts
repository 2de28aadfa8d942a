/**
 * The samples a workload trains and runs on, whatever their source: the MNIST files, or seeded
 * synthetic samples of the declared shape (dataset "random").
 */
import { Random } from "../numerics/random.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { loadMnist } from "./mnist.js";

export interface DataSet {
  count: number;
  /** count * inputs values, row-major per sample, fp32. */
  images: Float32Array;
  /** One class per sample, below the last layer's units. */
  labels: Uint8Array | Uint16Array;
}

/** Each split of a random data set draws from its own stream. */
const SPLIT_STREAM = { train: 0x7a1d5eed, test: 0x7e575eed } as const;

/**
 * The split of the workload's data set, its first `limit` samples at most. Random data: `samples`
 * samples (spec.samples, default one batch), each `inputs` values uniform in [0, 1) (like MNIST's
 * scaled pixels), then its label uniform over the last layer's units, drawn sample by sample from
 * Random(seed XOR a per-split constant): a shorter set is a prefix of a longer one.
 */
export function loadDataset(spec: WorkloadSpec, split: "train" | "test", opts: { limit?: number } = {}): DataSet {
  if (spec.dataset === "mnist") return loadMnist(split, { limit: opts.limit });
  const count = Math.min(spec.samples ?? spec.batch, opts.limit ?? Number.POSITIVE_INFINITY);
  return syntheticSet(spec, split, count);
}

export function syntheticSet(spec: WorkloadSpec, split: "train" | "test", count: number): DataSet {
  const rng = new Random((spec.seed ^ SPLIT_STREAM[split]) >>> 0);
  const classes = spec.layers[spec.layers.length - 1].units;
  const K = spec.inputs;
  const images = new Float32Array(count * K);
  const labels = classes <= 256 ? new Uint8Array(count) : new Uint16Array(count);
  for (let s = 0; s < count; s++) {
    for (let k = 0; k < K; k++) images[s * K + k] = Math.fround(rng.uniform());
    labels[s] = rng.below(Math.min(classes, 0x10000));
  }
  return { count, images, labels };
}

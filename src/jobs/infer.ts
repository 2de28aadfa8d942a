/**
 * `tpusim infer`: inference of a workload on the simulated chip, batch after batch, with the
 * machine's statistics and the TPU v1 paper's counters. Weights come from a weights file or, when
 * none is given, from the workload's seeded initialisation (init.ts): what a random-data workload
 * such as the TPU v1 paper's MLPs needs to be run. An int8 machine runs post-training-quantized
 * inference (quantize.ts) calibrated on the first <= 1000 samples of the training split, as
 * `tpusim eval` does. `check` compares every output with the same-numerics golden model.
 */
import type { HwConfig } from "../config/hw-config.js";
import { loadDataset, syntheticSet, type DataSet } from "../data/dataset.js";
import { predictInt8, predictSameNumerics } from "../golden/mlp-same-numerics.js";
import type { SimMode } from "../sim/controller.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import type { TraceSink } from "../sim/trace.js";
import { initParameters } from "../workloads/init.js";
import { quantizeForInference, type Int8Plan } from "../workloads/quantize.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { NetworkOnChip } from "./network.js";
import { paperCounters, type PaperCounters } from "./paper-counters.js";

export interface InferOptions {
  spec: WorkloadSpec;
  hw: HwConfig;
  mode: SimMode;
  /** fp32 parameters; default: the workload's initialisation. */
  params?: Float32Array[];
  /** Samples to run: the first N of the test split (random data: N fresh samples). Default: the whole split. */
  samples?: number;
  /** Compare every output with the same-numerics golden model. */
  check?: boolean;
  sink?: TraceSink;
  maxCycles?: number;
  stop?: StopFlag;
  onBatch?: (done: number, batches: number) => void;
}

export interface InferCheck {
  outputs: number;
  mismatches: number;
  /** "sample s, output j: chip vs golden" of the first mismatch. */
  first: string | null;
}

export interface InferResult {
  workload: string;
  dtype: string;
  hardware: HwConfig;
  mode: SimMode;
  weights: "file" | "initialised";
  samples: number;
  batch: number;
  /** Samples per micro-batch inside one program run (= batch when the batch fits the unified buffer). */
  microBatch: number;
  batches: number;
  /** MNIST only: argmax against the labels, and the workload's loss (int8 outputs scaled back). */
  accuracy: number | null;
  loss: number | null;
  stats: HardwareSummary;
  counters: PaperCounters;
  check: InferCheck | null;
  /** Host time: initialising and quantizing the weights and compiling; simulating; checking. */
  wallSeconds: { prepare: number; simulate: number; check: number };
}

export async function infer(opts: InferOptions): Promise<InferResult> {
  const { spec, hw, mode } = opts;
  const started = performance.now();
  const set = testSet(spec, opts.samples);
  const params = opts.params ?? initParameters(spec);
  let net: NetworkOnChip;
  let plan: Int8Plan | undefined;
  if (hw.dtype === "int8") {
    const calibration = loadDataset(spec, "train", { limit: 1000 });
    plan = quantizeForInference(spec, params, { images: calibration.images, count: calibration.count });
    const layers = plan.layers.map((l) => ({ inScale: l.inScale, outScale: l.outScale, biasLane: l.biasInput }));
    const last = plan.layers[plan.layers.length - 1];
    net = new NetworkOnChip(spec, hw, mode, "inference", layers, plan.layers[0].biasInput, plan.pixelMultiplier, last.outputScale);
    net.setParams(plan.layers.map((l) => l.qweights));
  } else {
    net = new NetworkOnChip(spec, hw, mode, "inference");
    net.setParams(params);
  }
  const prepared = performance.now();
  const B = net.batch;
  const batches = Math.ceil(set.count / B);
  const outputs: Float32Array[] = [];
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < batches; i++) {
    if (opts.stop?.stopped) throw new StopRequested();
    const first = i * B;
    const count = Math.min(B, set.count - first);
    const out = await net.step(set.images, null, null, first, count, { sink: opts.sink, maxCycles: opts.maxCycles, stop: opts.stop });
    const r = net.score(out, set.labels, null, first, count);
    correct += r.correct;
    loss += r.loss * count;
    if (opts.check) outputs.push(out);
    opts.onBatch?.(i + 1, batches);
  }
  const simulated = performance.now();
  const check = opts.check ? checkOutputs(spec, set, B, outputs, plan ? { plan, scale: plan.layers[plan.layers.length - 1].outputScale } : { params }) : null;
  const stats = summarizeHardware(net.sim.stats, hw, { unit: "inference", count: set.count });
  const mnist = spec.dataset === "mnist";
  return {
    workload: spec.name,
    dtype: hw.dtype,
    hardware: hw,
    mode,
    weights: opts.params ? "file" : "initialised",
    samples: set.count,
    batch: B,
    microBatch: net.compiled.microBatch,
    batches,
    accuracy: mnist ? correct / set.count : null,
    loss: mnist ? loss / set.count : null,
    stats,
    counters: paperCounters(stats),
    check,
    wallSeconds: { prepare: (prepared - started) / 1000, simulate: (simulated - prepared) / 1000, check: (performance.now() - simulated) / 1000 },
  };
}

/** The samples to run: MNIST's test images, or random samples of the test stream. */
function testSet(spec: WorkloadSpec, samples?: number): DataSet {
  if (spec.dataset === "random") return syntheticSet(spec, "test", samples ?? spec.samples ?? spec.batch);
  return loadDataset(spec, "test", { limit: samples });
}

/** Every output of every batch against the golden model, bit for bit (int8: its codes times the output scale). */
function checkOutputs(
  spec: WorkloadSpec,
  set: DataSet,
  B: number,
  outputs: readonly Float32Array[],
  model: { plan: Int8Plan; scale: number } | { params: Float32Array[] },
): InferCheck {
  const J = spec.layers[spec.layers.length - 1].units;
  const K = spec.inputs;
  let compared = 0;
  let mismatches = 0;
  let first: string | null = null;
  outputs.forEach((out, i) => {
    const count = Math.min(B, set.count - i * B);
    const images = set.images.subarray(i * B * K, (i * B + count) * K);
    const want =
      "plan" in model
        ? Float32Array.from(predictInt8(spec, model.plan, images, count).outputs, (v) => v * model.scale)
        : predictSameNumerics(spec, model.params, images, count).outputs;
    const a = new Uint32Array(out.buffer, out.byteOffset, count * J);
    const b = new Uint32Array(want.buffer, want.byteOffset, count * J);
    for (let e = 0; e < count * J; e++) {
      compared++;
      if (a[e] === b[e]) continue;
      mismatches++;
      first ??= `sample ${i * B + Math.floor(e / J)}, output ${e % J}: chip ${out[e]} vs golden ${want[e]}`;
    }
  });
  return { outputs: compared, mismatches, first };
}

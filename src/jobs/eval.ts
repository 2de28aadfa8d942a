/**
 * `tpusim eval`: test-set accuracy of saved weights on the simulated chip. bf16 runs the network as
 * trained; int8 runs post-training-quantized inference the TPU v1 way (per-layer scales, int32
 * accumulation, requantization in the activation unit; src/workloads/quantize.ts), calibrated on
 * the first 1,000 training images.
 */
import { buildHwConfig, type HwConfig } from "../config/hw-config.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import { loadDataset, type DataSet } from "../data/dataset.js";
import type { SimMode } from "../sim/controller.js";
import { checkWorkloadSizes } from "../compiler/preflight.js";
import { quantizeForInference } from "../workloads/quantize.js";
import type { WorkloadSpec } from "../workloads/types.js";
import type { StopFlag } from "./drive.js";
import type { TraceSink } from "../sim/trace.js";
import { NetworkOnChip } from "./network.js";
import { CaptureSink } from "../io/report/capture-sink.js";
import type { Timeline } from "../io/report/views.js";
import { evaluateSet } from "./train.js";

export interface EvalOptions {
  spec: WorkloadSpec;
  hw: HwConfig;
  params: Float32Array[];
  mode: SimMode;
  testLimit?: number;
  stop?: StopFlag;
  test?: DataSet;
  calibration?: DataSet;
  sink?: TraceSink;
  maxCycles?: number;
  /** Also record a timeline of the first batch (for reports). */
  views?: boolean;
  /** Images done and the total, now and then. */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  workload: string;
  dtype: string;
  hardware: HwConfig;
  images: number;
  accuracy: number;
  loss: number;
  /** Hardware statistics and energy of the test set's inference runs. */
  stats: HardwareSummary;
  /** With `views`: the first batch's timeline. */
  timeline: Timeline | null;
}

export async function evaluateWeights(opts: EvalOptions): Promise<EvalResult> {
  const { spec, hw, params } = opts;
  checkWorkloadSizes(spec, hw); // before the data is loaded
  const test = opts.test ?? loadDataset(spec, "test", { limit: opts.testLimit });
  let net: NetworkOnChip;
  if (hw.dtype === "int8") {
    const calibration = opts.calibration ?? loadDataset(spec, "train", { limit: 1000 });
    const plan = quantizeForInference(spec, params, { images: calibration.images, count: calibration.count });
    const layers = plan.layers.map((l) => ({ inScale: l.inScale, outScale: l.outScale, biasLane: l.biasInput }));
    const last = plan.layers[plan.layers.length - 1];
    net = new NetworkOnChip(spec, hw, opts.mode, "inference", layers, plan.layers[0].biasInput, plan.pixelMultiplier, last.outputScale);
    net.setParams(plan.layers.map((l) => l.qweights));
  } else {
    net = new NetworkOnChip(spec, hw, opts.mode, "inference");
    net.setParams(params);
  }
  const capture = opts.views ? new CaptureSink({ timeline: { from: net.sim.now }, forward: opts.sink }) : undefined;
  const r = await evaluateSet(net, test, opts.stop, { sink: opts.sink, maxCycles: opts.maxCycles, stop: opts.stop }, capture, opts.onProgress);
  return {
    workload: spec.name,
    dtype: hw.dtype,
    hardware: hw,
    images: test.count,
    accuracy: r.accuracy,
    loss: r.loss,
    stats: summarizeHardware(net.sim.stats, hw, { unit: "inference", count: test.count }),
    timeline: capture?.timeline(`inference batch 1 (${Math.min(net.batch, test.count)} images)`, r.firstBatchEnd) ?? null,
  };
}

/** The same machine with another data type (eval --dtype). */
export function withDtype(hw: HwConfig, dtype: "int8" | "bf16"): HwConfig {
  if (hw.dtype === dtype) return hw;
  const { elementBytes: _e, unifiedBufferElements: _u, weightMemoryElements: _w, peakMacsPerCycle: _p, ...params } = hw;
  return buildHwConfig("small", { ...params, dtype, name: params.name });
}

/**
 * `tpusim train`: the workload's data set (MNIST, or seeded random samples) on the simulated chip. Every batch runs the compiled training step on the
 * simulator (forward, loss gradient, backward, SGD in weight memory); after each epoch the test set
 * runs through the compiled inference program on a second chip loaded with the trained weights.
 */
import { boundJson, boundReport, type BoundJson } from "./program-bound.js";
import type { HwConfig } from "../config/hw-config.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import { loadDataset, type DataSet } from "../data/dataset.js";
import { shuffledOrder } from "../data/mnist.js";
import type { SimMode } from "../sim/controller.js";
import { cloneStats, diffStats, type RunStats } from "../sim/stats.js";
import type { TraceSink } from "../sim/trace.js";
import { CaptureSink } from "../io/report/capture-sink.js";
import type { Timeline, WeightImages } from "../io/report/views.js";
import { checkWorkloadSizes } from "../compiler/preflight.js";
import { initParameters } from "../workloads/init.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { UserInputError } from "../errors.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { NetworkOnChip, type RunLimits } from "./network.js";
import { firstLayerImages } from "./weight-images.js";

export interface TrainOptions {
  spec: WorkloadSpec;
  hw: HwConfig;
  mode: SimMode;
  epochs: number;
  trainLimit?: number;
  testLimit?: number;
  /** Skip the test-set evaluation (sweeps that only want cycles). */
  evaluate?: boolean;
  /** Stop after this many training steps in total (sweeps). */
  maxSteps?: number;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (e: EpochResult) => void;
  /** Also collect what a report shows: a timeline of the first step and first-layer weight images. */
  views?: boolean;
  /** Preloaded data (tests, sweeps). */
  train?: DataSet;
  test?: DataSet;
}

/** Steps averaged into one point of the loss curve. */
export const LOSS_CURVE_WINDOW = 50;
/** Step windows (TrainResult.windows) are sized to give at most this many per run. */
export const MAX_STEP_WINDOWS = 100;

/** Consecutive training steps summarised together: learning and hardware figures per step window. */
export interface StepWindow {
  /** First step of the window, counted from 1 over the whole run. */
  firstStep: number;
  steps: number;
  /** Epoch of the window's last step. */
  epoch: number;
  /** Mean training loss and accuracy over the window's batches. */
  loss: number;
  trainAccuracy: number;
  /** Hardware statistics of the window's steps (cycles, MACs, stalls, unit busy cycles, bytes). */
  stats: RunStats;
}

export interface TrainProgress {
  epoch: number;
  batch: number;
  batches: number;
  images: number;
  cycles: number;
  loss: number;
}

export interface EpochResult {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  testAccuracy: number | null;
  testLoss: number | null;
  cycles: number;
}

export interface TrainResult {
  workload: string;
  hardware: HwConfig;
  mode: SimMode;
  batch: number;
  trainImages: number;
  testImages: number;
  steps: number;
  epochs: EpochResult[];
  /** Mean training loss over consecutive windows of LOSS_CURVE_WINDOW steps, in order (for plots). */
  lossCurve: number[];
  /** Hardware statistics and energy of the training steps (evaluation excluded). */
  stats: HardwareSummary;
  /** Steps per window of `windows`. */
  stepWindow: number;
  windows: StepWindow[];
  /** With `views`: the first training step's timeline, and the first layer's weights as images. */
  timeline: Timeline | null;
  firstLayer: WeightImages | null;
  params: Float32Array[];
  /** One training step's cycles beside the step program's lower bound (docs/BOUND.md); null without steps. */
  perStep: BoundJson | null;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { spec, hw } = opts;
  checkWorkloadSizes(spec, hw); // before the data is loaded
  const trainSet = opts.train ?? loadDataset(spec, "train", { limit: opts.trainLimit });
  if (trainSet.count < spec.batch) {
    // Zero steps would report loss NaN and exit 0: a run that looks good and trained nothing.
    throw new UserInputError(
      `batch ${spec.batch} is larger than the training set (${trainSet.count} samples): not one step would run; use a smaller --batch or a larger --train-limit`,
      { field: "batch" },
    );
  }
  const evaluate = opts.evaluate ?? true;
  const testSet = evaluate ? (opts.test ?? loadDataset(spec, "test", { limit: opts.testLimit })) : null;
  const net = new NetworkOnChip(spec, hw, opts.mode, "train-step");
  net.setParams(initParameters(spec));
  const evalNet = evaluate ? new NetworkOnChip(spec, hw, "fast", "inference") : null;
  const B = net.batch;
  const batches = Math.floor(trainSet.count / B);
  const epochs: EpochResult[] = [];
  const lossCurve: number[] = [];
  let windowLoss = 0;
  let windowSteps = 0;
  let steps = 0;
  const planned = Math.min(opts.epochs * batches, opts.maxSteps ?? Number.POSITIVE_INFINITY);
  const stepWindow = Math.max(1, Math.ceil(planned / MAX_STEP_WINDOWS));
  const windows: StepWindow[] = [];
  let win = { first: 1, steps: 0, loss: 0, correct: 0, images: 0, start: cloneStats(net.sim.stats) };
  let timeline: Timeline | null = null;
  // Each epoch's order, made once: the step before an epoch's first announces that batch (prefetch).
  const orders = new Map<number, Int32Array>();
  const orderOf = (epoch: number) => orders.get(epoch) ?? orders.set(epoch, shuffledOrder(trainSet.count, spec.seed, epoch)).get(epoch)!;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = orderOf(epoch);
    orders.delete(epoch - 1);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let i = 0; i < batches; i++) {
      if (opts.stop?.stopped) throw new StopRequested();
      if (opts.maxSteps !== undefined && steps >= opts.maxSteps) break;
      let out: Float32Array;
      const last = steps + 1 >= planned;
      const next = last ? undefined : i + 1 < batches ? { order, first: (i + 1) * B, count: B } : { order: orderOf(epoch + 1), first: 0, count: B };
      if (opts.views && steps === 0) {
        const capture = new CaptureSink({ timeline: { from: net.sim.now }, forward: opts.sink });
        out = await net.step(trainSet.images, trainSet.labels, order, i * B, B, { ...opts, sink: capture }, next);
        timeline = capture.timeline("training step 1", net.sim.now);
      } else out = await net.step(trainSet.images, trainSet.labels, order, i * B, B, opts, next);
      const r = net.score(out, trainSet.labels, order, i * B, B);
      win.steps++;
      win.loss += r.loss;
      win.correct += r.correct;
      win.images += B;
      if (win.steps === stepWindow) {
        windows.push(closeWindow(win, epoch, net.sim.stats));
        win = { first: steps + 2, steps: 0, loss: 0, correct: 0, images: 0, start: cloneStats(net.sim.stats) };
      }
      lossSum += r.loss;
      windowLoss += r.loss;
      if (++windowSteps === LOSS_CURVE_WINDOW) {
        lossCurve.push(windowLoss / windowSteps);
        windowLoss = 0;
        windowSteps = 0;
      }
      correct += r.correct;
      seen += B;
      steps++;
      if (opts.onProgress && (i % 25 === 0 || i === batches - 1)) {
        opts.onProgress({ epoch, batch: i + 1, batches, images: seen, cycles: net.sim.stats.cycles, loss: lossSum / (i + 1) });
      }
      await yieldToEventLoop(i);
    }
    let testAccuracy: number | null = null;
    let testLoss: number | null = null;
    if (evalNet && testSet) {
      evalNet.setParams(net.getParams());
      const r = await evaluateSet(evalNet, testSet, opts.stop);
      testAccuracy = r.accuracy;
      testLoss = r.loss;
    }
    const result: EpochResult = {
      epoch,
      loss: seen > 0 ? lossSum / (seen / B) : Number.NaN,
      trainAccuracy: seen > 0 ? correct / seen : Number.NaN,
      testAccuracy,
      testLoss,
      cycles: net.sim.stats.cycles,
    };
    epochs.push(result);
    opts.onEpoch?.(result);
    if (opts.maxSteps !== undefined && steps >= opts.maxSteps) break;
  }
  if (win.steps > 0) windows.push(closeWindow(win, epochs.length, net.sim.stats));
  const params = net.getParams();
  return {
    workload: spec.name,
    hardware: hw,
    mode: opts.mode,
    batch: B,
    trainImages: trainSet.count,
    testImages: testSet?.count ?? 0,
    steps,
    epochs,
    lossCurve: windowSteps > 0 ? [...lossCurve, windowLoss / windowSteps] : lossCurve,
    stats: summarizeHardware(net.sim.stats, hw, { unit: "training step", count: steps }),
    stepWindow,
    windows,
    timeline,
    firstLayer: opts.views ? firstLayerImages(spec, params) : null,
    params,
    // Timing does not depend on the values. With prefetch, the first step loads its own batch and
    // the rest run the steady program, which does less: the average is measured against the steady
    // program's bound, so the ratio never flatters the schedule.
    perStep: steps > 0 ? boundJson(boundReport(net.typicalStepProgram(), hw, net.sim.stats.cycles / steps)) : null,
  };
}

function closeWindow(
  w: { first: number; steps: number; loss: number; correct: number; images: number; start: RunStats },
  epoch: number,
  now: RunStats,
): StepWindow {
  return { firstStep: w.first, steps: w.steps, epoch, loss: w.loss / w.steps, trainAccuracy: w.correct / w.images, stats: diffStats(now, w.start) };
}

/**
 * Accuracy and loss of a loaded inference network over a whole data set (last batch padded).
 * `firstBatchSink`, when given, traces the first batch instead of `limits.sink`; `firstBatchEnd` is
 * the cycle after that batch's last.
 */
export async function evaluateSet(
  net: NetworkOnChip, set: DataSet, stop?: StopFlag, limits: RunLimits = {}, firstBatchSink?: TraceSink,
  onProgress?: (done: number, total: number) => void,
): Promise<{ accuracy: number; loss: number; firstBatchEnd: number }> {
  const B = net.batch;
  let correct = 0;
  let loss = 0;
  let firstBatchEnd = net.sim.now;
  for (let first = 0, i = 0; first < set.count; first += B, i++) {
    if (stop?.stopped) throw new StopRequested();
    const count = Math.min(B, set.count - first);
    const out = await net.step(set.images, null, null, first, count, i === 0 && firstBatchSink ? { ...limits, sink: firstBatchSink } : limits);
    if (i === 0) firstBatchEnd = net.sim.now;
    const r = net.score(out, set.labels, null, first, count);
    correct += r.correct;
    loss += r.loss * count;
    if (onProgress && (i % 8 === 7 || first + count >= set.count)) onProgress(first + count, set.count);
    await yieldToEventLoop(i);
  }
  return { accuracy: correct / set.count, loss: loss / set.count, firstBatchEnd };
}

/** Let signals and progress output through now and then without slowing the loop. */
async function yieldToEventLoop(i: number): Promise<void> {
  if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * `tpusim train`: MNIST on the simulated chip. Every batch runs the compiled training step on the
 * simulator (forward, loss gradient, backward, SGD in weight memory); after each epoch the test set
 * runs through the compiled inference program on a second chip loaded with the trained weights.
 */
import type { HwConfig } from "../config/hw-config.js";
import { loadMnist, shuffledOrder, type MnistSet } from "../data/mnist.js";
import type { SimMode } from "../sim/controller.js";
import { summarize, type RunSummary } from "../sim/stats.js";
import type { TraceSink } from "../sim/trace.js";
import { checkWorkloadSizes } from "../compiler/preflight.js";
import { initParameters } from "../workloads/init.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { UserInputError } from "../errors.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { NetworkOnChip, type RunLimits } from "./network.js";

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
  /** Preloaded data (tests, sweeps). */
  train?: MnistSet;
  test?: MnistSet;
}

/** Steps averaged into one point of the loss curve. */
export const LOSS_CURVE_WINDOW = 50;

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
  /** Hardware statistics of the training steps (evaluation excluded). */
  stats: RunSummary;
  params: Float32Array[];
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { spec, hw } = opts;
  checkWorkloadSizes(spec, hw); // before the data is loaded
  const trainSet = opts.train ?? loadMnist("train", { limit: opts.trainLimit });
  if (trainSet.count < spec.batch) {
    // Zero steps would report loss NaN and exit 0: a run that looks good and trained nothing.
    throw new UserInputError(
      `batch ${spec.batch} is larger than the training set (${trainSet.count} images): not one step would run; use a smaller --batch or a larger --train-limit`,
      { field: "batch" },
    );
  }
  const evaluate = opts.evaluate ?? true;
  const testSet = evaluate ? (opts.test ?? loadMnist("test", { limit: opts.testLimit })) : null;
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
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = shuffledOrder(trainSet.count, spec.seed, epoch);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let i = 0; i < batches; i++) {
      if (opts.stop?.stopped) throw new StopRequested();
      if (opts.maxSteps !== undefined && steps >= opts.maxSteps) break;
      const out = await net.step(trainSet.images, trainSet.labels, order, i * B, B, opts);
      const r = net.score(out, trainSet.labels, order, i * B, B);
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
    stats: summarize(net.sim.stats, hw),
    params: net.getParams(),
  };
}

/** Accuracy and loss of a loaded inference network over a whole data set (last batch padded). */
export async function evaluateSet(
  net: NetworkOnChip, set: MnistSet, stop?: StopFlag, limits: RunLimits = {}, onProgress?: (done: number, total: number) => void,
): Promise<{ accuracy: number; loss: number }> {
  const B = net.batch;
  let correct = 0;
  let loss = 0;
  for (let first = 0, i = 0; first < set.count; first += B, i++) {
    if (stop?.stopped) throw new StopRequested();
    const count = Math.min(B, set.count - first);
    const out = await net.step(set.images, null, null, first, count, limits);
    const r = net.score(out, set.labels, null, first, count);
    correct += r.correct;
    loss += r.loss * count;
    if (onProgress && (i % 8 === 7 || first + count >= set.count)) onProgress(first + count, set.count);
    await yieldToEventLoop(i);
  }
  return { accuracy: correct / set.count, loss: loss / set.count };
}

/** Let signals and progress output through now and then without slowing the loop. */
async function yieldToEventLoop(i: number): Promise<void> {
  if (i % 64 === 63) await new Promise<void>((resolve) => setImmediate(resolve));
}

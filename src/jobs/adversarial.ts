/**
 * `tpusim adversarial` and `tpusim fool`: the input gradient computed on the simulated chip turned
 * into images that fool the network.
 *
 *  - Fast gradient sign (steps 1): x' = clip(x + eps * sign(dL/dx)) with L the loss against the true
 *    label (untargeted: climb away from it), or x' = clip(x - eps * sign(dL/dx)) with L the loss
 *    against a chosen digit (targeted: descend towards it).
 *  - Iterated (steps K): K such steps of eps/K, each from the gradient at the current image, clipped
 *    to the L-inf ball of radius eps around the original and to [0, 1].
 *  - Fooling patterns (fool.ts): from random noise, signed descent steps towards a digit until the
 *    network reports it with high confidence.
 *
 * Every gradient comes from the input-gradient program on the chip; every verdict (the prediction of
 * a perturbed image) comes from running the image through the inference program on the chip.
 */
import type { HwConfig } from "../config/hw-config.js";
import { energyReport, type EnergyReport } from "../energy/report.js";
import type { DataSet } from "../data/dataset.js";
import { UserInputError } from "../errors.js";
import type { SimMode } from "../sim/controller.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { InputGradientOnChip } from "./input-gradient.js";
import { NetworkOnChip } from "./network.js";

const f32 = Math.fround;

export interface AttackChipOptions {
  spec: WorkloadSpec;
  hw: HwConfig;
  params: Float32Array[];
  mode: SimMode;
  /** Images per program run (default: the workload's batch). */
  batch?: number;
}

export interface AttackSettings {
  epsilon: number;
  steps: number;
  /** Digit to pull towards; undefined = push away from the true label. */
  target?: number;
}

/** The energy of the two chips of an attack. */
export interface ChipEnergies {
  inputGradient: EnergyReport;
  inference: EnergyReport;
}

/** The two programs an attack needs, each on its own chip loaded with the same weights. */
export class AttackChips {
  readonly gradient: InputGradientOnChip;
  readonly inference: NetworkOnChip;
  readonly outputs: number;
  readonly inputs: number;
  private readonly hw: HwConfig;

  constructor(opts: AttackChipOptions) {
    this.hw = opts.hw;
    if (opts.spec.dataset !== "mnist") {
      throw new UserInputError(`attacks and fooling patterns work on MNIST digits; workload "${opts.spec.name}" uses dataset "${opts.spec.dataset}"`, { field: "dataset" });
    }
    const spec = { ...opts.spec, batch: opts.batch ?? opts.spec.batch };
    this.gradient = new InputGradientOnChip(spec, opts.hw, opts.mode);
    this.gradient.setParams(opts.params);
    this.inference = new NetworkOnChip(spec, opts.hw, opts.mode, "inference");
    this.inference.setParams(opts.params);
    this.outputs = spec.layers[spec.layers.length - 1].units;
    this.inputs = spec.inputs;
  }

  get batch(): number {
    return this.gradient.batch;
  }

  /** Simulated cycles so far: [input-gradient chip, inference chip]. */
  get cycles(): [number, number] {
    return [this.gradient.sim.stats.cycles, this.inference.sim.stats.cycles];
  }

  /** Energy so far of each chip (docs/ENERGY.md). */
  get energy(): ChipEnergies {
    return { inputGradient: energyReport(this.gradient.sim.stats, this.hw), inference: energyReport(this.inference.sim.stats, this.hw) };
  }

  /** Outputs (count x classes) of the inference program for images[first ..< first + count]. */
  async classify(images: Float32Array, first: number, count: number): Promise<Float32Array> {
    const out = await this.inference.step(images, null, null, first, count, {});
    return out.slice(0, count * this.outputs);
  }

  /**
   * Perturbed copies of images[first ..< first + count] (count <= batch): the fast gradient sign
   * step, or `steps` iterated steps, as in the file comment.
   */
  async attack(images: Float32Array, labels: ArrayLike<number>, first: number, count: number, s: AttackSettings): Promise<Float32Array> {
    const K = this.inputs;
    const x0 = images.slice(first * K, (first + count) * K);
    const x = x0.slice();
    const targets = lossTargets(labels, first, count, s.target);
    const alpha = f32(s.epsilon / s.steps);
    for (let i = 0; i < s.steps; i++) {
      const { gradient } = await this.gradient.run(x, targets, 0, count);
      signStep(x, x0, gradient, s.target === undefined ? 1 : -1, alpha, s.epsilon);
    }
    return x;
  }
}

/** The one-hot target of each image: its label (untargeted) or the chosen digit. */
export function lossTargets(labels: ArrayLike<number>, first: number, count: number, target?: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, b) => target ?? labels[first + b]);
}

/**
 * x <- clip(x + direction * alpha * sign(g)) to [x0 - eps, x0 + eps] and [0, 1], in fp32, in place.
 * A zero gradient leaves the pixel alone.
 */
export function signStep(x: Float32Array, x0: Float32Array, g: Float32Array, direction: 1 | -1, alpha: number, eps: number): void {
  for (let i = 0; i < x.length; i++) {
    const lo = Math.max(0, f32(x0[i] - eps));
    const hi = Math.min(1, f32(x0[i] + eps));
    const v = f32(x[i] + direction * alpha * Math.sign(g[i]));
    x[i] = Math.min(hi, Math.max(lo, v));
  }
}

export function argmax(v: ArrayLike<number>, from = 0, n = v.length - from): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (v[from + j] > v[from + best]) best = j;
  return best;
}

/** max |a - b| over the elements (float64 of the fp32 values). */
export function linfDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** An attack succeeded: untargeted, the prediction left the (correct) label; targeted, it became the target. */
function succeeded(label: number, predicted: number, target: number | undefined): boolean {
  return target === undefined ? predicted !== label : predicted === target;
}

/** Images worth attacking: correctly classified, and (targeted) not already the target. */
function attackable(label: number, cleanPrediction: number, target: number | undefined): boolean {
  return cleanPrediction === label && label !== target;
}

export interface SingleAttackResult {
  index: number;
  label: number;
  target: number | null;
  epsilon: number;
  steps: number;
  original: Float32Array;
  perturbed: Float32Array;
  /** Inference-program outputs (the sigmoid values) before and after. */
  originalOutputs: Float32Array;
  perturbedOutputs: Float32Array;
  originalPrediction: number;
  perturbedPrediction: number;
  linf: number;
  originallyCorrect: boolean;
  /** Untargeted: the perturbed image is misclassified; targeted: it is classified as the target. */
  success: boolean;
  cycles: { inputGradient: number; inference: number };
  energy: ChipEnergies;
}

/** Attack test image `index` with batch-1 programs. */
export async function attackOne(opts: AttackChipOptions, set: DataSet, index: number, s: AttackSettings): Promise<SingleAttackResult> {
  const chips = new AttackChips({ ...opts, batch: 1 });
  const K = chips.inputs;
  const original = set.images.slice(index * K, (index + 1) * K);
  const label = set.labels[index];
  const perturbed = await chips.attack(set.images, set.labels, index, 1, s);
  const originalOutputs = await chips.classify(original, 0, 1);
  const perturbedOutputs = await chips.classify(perturbed, 0, 1);
  const originalPrediction = argmax(originalOutputs);
  const perturbedPrediction = argmax(perturbedOutputs);
  const [g, inf] = chips.cycles;
  return {
    index,
    label,
    target: s.target ?? null,
    epsilon: s.epsilon,
    steps: s.steps,
    original,
    perturbed,
    originalOutputs,
    perturbedOutputs,
    originalPrediction,
    perturbedPrediction,
    linf: linfDistance(original, perturbed),
    originallyCorrect: originalPrediction === label,
    success: succeeded(label, perturbedPrediction, s.target),
    cycles: { inputGradient: g, inference: inf },
    energy: chips.energy,
  };
}

export interface SweepOptions extends AttackChipOptions {
  set: DataSet;
  /** The first `images` images of the set. */
  images: number;
  epsilons: readonly number[];
  steps: number;
  target?: number;
  stop?: StopFlag;
  onProgress?: (done: number, total: number) => void;
}

export interface EpsilonRow {
  epsilon: number;
  /** Images attacked: correctly classified (and, targeted, not of the target class). */
  attacked: number;
  succeeded: number;
  /** succeeded / attacked. */
  successRate: number;
  /** Accuracy over all the images after the attack. */
  accuracy: number;
  /** Mean L-inf size of the change over the attacked images. */
  meanLinf: number;
}

export interface SweepResult {
  images: number;
  steps: number;
  target: number | null;
  cleanAccuracy: number;
  rows: EpsilonRow[];
  cycles: { inputGradient: number; inference: number };
  energy: ChipEnergies;
}

/** Success rate per epsilon over the first `images` images; steps 1 reuses one gradient for all epsilons. */
export async function sweepEpsilons(opts: SweepOptions): Promise<SweepResult> {
  const chips = new AttackChips(opts);
  const { set, target } = opts;
  const count = Math.min(opts.images, set.count);
  const K = chips.inputs;
  const J = chips.outputs;
  const tallies = opts.epsilons.map((epsilon) => ({ epsilon, attacked: 0, succeeded: 0, correct: 0, linf: 0 }));
  let cleanCorrect = 0;
  const targets = lossTargets(set.labels, 0, count, target);
  for (let first = 0; first < count; first += chips.batch) {
    if (opts.stop?.stopped) throw new StopRequested();
    const n = Math.min(chips.batch, count - first);
    const clean = await chips.classify(set.images, first, n);
    const x0 = set.images.slice(first * K, (first + n) * K);
    const oneGradient = opts.steps === 1 ? (await chips.gradient.run(set.images, targets, first, n)).gradient : null;
    for (const t of tallies) {
      let x: Float32Array;
      if (oneGradient) {
        x = x0.slice();
        signStep(x, x0, oneGradient, target === undefined ? 1 : -1, f32(t.epsilon), t.epsilon);
      } else x = await chips.attack(set.images, set.labels, first, n, { epsilon: t.epsilon, steps: opts.steps, target });
      const out = await chips.classify(x, 0, n);
      for (let b = 0; b < n; b++) {
        const label = set.labels[first + b];
        const predicted = argmax(out, b * J, J);
        if (predicted === label) t.correct++;
        if (!attackable(label, argmax(clean, b * J, J), target)) continue;
        t.attacked++;
        if (succeeded(label, predicted, target)) t.succeeded++;
        t.linf += linfDistance(x.subarray(b * K, (b + 1) * K), x0.subarray(b * K, (b + 1) * K));
      }
    }
    for (let b = 0; b < n; b++) if (argmax(clean, b * J, J) === set.labels[first + b]) cleanCorrect++;
    opts.onProgress?.(first + n, count);
  }
  const [g, inf] = chips.cycles;
  return {
    images: count,
    steps: opts.steps,
    target: target ?? null,
    cleanAccuracy: cleanCorrect / count,
    rows: tallies.map((t) => ({
      epsilon: t.epsilon,
      attacked: t.attacked,
      succeeded: t.succeeded,
      successRate: t.attacked > 0 ? t.succeeded / t.attacked : 0,
      accuracy: t.correct / count,
      meanLinf: t.attacked > 0 ? t.linf / t.attacked : 0,
    })),
    cycles: { inputGradient: g, inference: inf },
    energy: chips.energy,
  };
}

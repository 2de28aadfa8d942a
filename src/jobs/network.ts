/**
 * An MLP living on a simulated chip: the compiled step program, the weights in weight memory, and the
 * host-side glue (writing a batch to host memory, reading outputs back, loss and accuracy).
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import type { Program } from "../isa/program.js";
import { canPrefetch, compileInference, compileTrainingStep, type CompiledProgram, type GradientForm, type Int8LayerParams } from "../compiler/index.js";
import type { PreparedProgram, SimMode } from "../sim/controller.js";
import type { TraceSink } from "../sim/trace.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { ChipProgram } from "./chip-program.js";
import { driveToHalt, type StopFlag } from "./drive.js";

export interface BatchResult {
  loss: number;
  correct: number;
}

/** The batch the host will ask for next: rows order[first + b] for b < count. */
export interface NextBatch {
  readonly order: Int32Array | null;
  readonly first: number;
  readonly count: number;
}

export interface RunLimits {
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
}

export class NetworkOnChip extends ChipProgram {
  constructor(
    spec: WorkloadSpec,
    hw: HwConfig,
    mode: SimMode,
    kind: "train-step" | "inference",
    int8?: readonly Int8LayerParams[],
    /** Value of the constant lane of the input (1, or the int8 plan's bias input). */
    private readonly inputConstant = 1,
    /** Pixel multiplier on the host (int8 inference feeds x * 127). */
    private readonly pixelMultiplier = 1,
    /** Real value of one output unit (int8 codes are scaled back for loss and reports). */
    private readonly outputScale = 1,
    /** The weight gradients' form (compiler gradient-form.ts); TPUSIM_GRADIENT_FORM or `auto`. */
    gradientForm: GradientForm = gradientFormFromEnv(),
  ) {
    const prefetch = kind === "train-step" && canPrefetch(spec, hw, gradientForm);
    const own = prefetch ? { prefetch: { parity: 0 as const, loadOwn: true }, gradientForm } : { gradientForm };
    super(spec, hw, mode, kind !== "train-step" ? compileInference(spec, hw, int8) : compileTrainingStep(spec, hw, own));
    this.prefetch = prefetch;
    this.gradientForm = gradientForm;
  }

  private readonly gradientForm: GradientForm;

  /**
   * A training step that prefetches (compiler canPrefetch): the host pushes work ahead as a TPU host
   * does. Each step's program transfers the next batch's rows, written to host memory before the
   * step starts, into the other copy of the input while it computes; the next step then starts on
   * its data already in the unified buffer (steady[parity]). A step whose batch was not prefetched
   * (the first, or one the caller did not announce) runs the program that loads its own rows. The
   * two steady programs are compiled when first needed (a one-step run never needs them).
   */
  private readonly prefetch: boolean;
  private readonly steady: (PreparedProgram | undefined)[] = [undefined, undefined];
  private pending: (NextBatch & { parity: 0 | 1 }) | null = null;

  private readonly steadyPrograms: (Program | undefined)[] = [undefined, undefined];

  private steadyProgram(parity: 0 | 1): PreparedProgram {
    const ready = this.steady[parity];
    if (ready) return ready;
    return (this.steady[parity] = this.sim.prepare(this.steadyStepProgram(parity)));
  }

  private steadyStepProgram(parity: 0 | 1): Program {
    const ready = this.steadyPrograms[parity];
    if (ready) return ready;
    const c = compileTrainingStep(this.spec, this.hw, { prefetch: { parity, loadOwn: false }, gradientForm: this.gradientForm });
    sameMemoryMap(this.compiled, c);
    return (this.steadyPrograms[parity] = c.program);
  }

  /**
   * The program most steps of a run execute: the steady prefetching step when this network
   * prefetches (both parities are the same program at other addresses), else the step program.
   * Its lower bound is what a step's cycles are measured against (docs/BOUND.md).
   */
  typicalStepProgram(): Program {
    return this.prefetch ? this.steadyStepProgram(0) : this.compiled.program;
  }

  /**
   * Run one step on images[order[first + b]] for b < count (count <= batch; missing rows are zeros).
   * Returns the outputs (batch x outputs) read back from host memory.
   */
  async step(
    images: Float32Array,
    labels: ArrayLike<number> | null,
    order: Int32Array | null,
    first: number,
    count: number,
    limits: RunLimits,
    /** The batch of the next call, when known: a prefetching step transfers it ahead. */
    next?: NextBatch,
  ): Promise<Float32Array> {
    const { host } = this.compiled;
    const p = this.pending;
    const resident = p && p.order === order && p.first === first && p.count === count ? p.parity : undefined;
    this.sim.start(resident === undefined ? this.prepared : this.steadyProgram(resident));
    if (resident === undefined) this.writeRows(images, labels, order, first, count, host.input, host.labels);
    this.pending = null;
    if (this.prefetch && next && labels) {
      this.writeRows(images, labels, next.order, next.first, next.count, host.nextInput!, host.nextLabels!);
      this.pending = { ...next, parity: resident === 1 ? 0 : 1 };
    }
    if (limits.sink) await driveToHalt(this.sim, limits);
    else this.sim.run({ maxCycles: limits.maxCycles });
    const mem = this.sim.dp.host;
    const out = new Float32Array(this.batch * this.outputs);
    for (let b = 0; b < this.batch; b++) {
      const row = host.output + b * host.outputStride;
      for (let j = 0; j < this.outputs; j++) out[b * this.outputs + j] = mem[row + j] * this.outputScale;
    }
    return out;
  }

  /** Host rows of one batch: pixels (times the pixel multiplier), the constant lane, one-hot labels. */
  private writeRows(
    images: Float32Array, labels: ArrayLike<number> | null, order: Int32Array | null, first: number, count: number, input: number, labelRows: number,
  ): void {
    const { host } = this.compiled;
    const mem = this.sim.dp.host;
    const K = this.inputs;
    const mult = this.pixelMultiplier;
    for (let b = 0; b < this.batch; b++) {
      const row = input + b * host.inputStride;
      if (b < count) {
        const img = (order ? order[first + b] : first + b) * K;
        if (mult === 1) mem.set(images.subarray(img, img + K), row);
        else for (let k = 0; k < K; k++) mem[row + k] = Math.fround(images[img + k] * mult);
      } else mem.fill(0, row, row + K);
      mem[row + K] = this.inputConstant;
      if (labels && this.compiled.kind === "train-step") {
        const lrow = labelRows + b * host.labelsStride;
        mem.fill(0, lrow, lrow + this.outputs);
        if (b < count) mem[lrow + labels[order ? order[first + b] : first + b]] = 1;
      }
    }
  }

  /**
   * Loss over the first `count` rows per the spec's loss, in float64: SSE (1/count) sum (a - y)^2, or
   * softmax cross-entropy (1/count) sum -log softmax(z)[y] from the logits z; and the number of
   * correct argmaxes.
   */
  score(outputs: Float32Array, labels: ArrayLike<number>, order: Int32Array | null, first: number, count: number): BatchResult {
    const n = this.outputs;
    const crossEntropy = this.spec.loss === "softmax-cross-entropy";
    let loss = 0;
    let correct = 0;
    for (let b = 0; b < count; b++) {
      const label = labels[order ? order[first + b] : first + b];
      let best = 0;
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        const a = outputs[b * n + j];
        if (crossEntropy) max = Math.max(max, a);
        else {
          const d = a - (j === label ? 1 : 0);
          loss += d * d;
        }
        if (a > outputs[b * n + best]) best = j;
      }
      if (crossEntropy) {
        let s = 0;
        for (let j = 0; j < n; j++) s += Math.exp(outputs[b * n + j] - max);
        loss += max + Math.log(s) - outputs[b * n + label];
      }
      if (best === label) correct++;
    }
    return { loss: loss / Math.max(1, count), correct };
  }
}

/**
 * TPUSIM_GRADIENT_FORM=plain|transposed forces the weight gradients' form (compiler
 * gradient-form.ts) for measurements (bench, docs/BOUND.md); unset or `auto`: the compiler's choice.
 */
function gradientFormFromEnv(): GradientForm {
  const v = process.env.TPUSIM_GRADIENT_FORM;
  if (v === undefined || v === "" || v === "auto") return "auto";
  if (v === "plain" || v === "transposed") return v;
  throw new UserInputError(`environment variable TPUSIM_GRADIENT_FORM must be auto, plain or transposed (got ${v})`);
}

/** The prefetching variants must share one memory map: each leaves data for the next. */
function sameMemoryMap(a: CompiledProgram, b: CompiledProgram): void {
  const map = (c: CompiledProgram) => JSON.stringify([c.buffers.map((x) => [x.name, x.address]), c.weights, c.host]);
  if (map(a) !== map(b)) throw new Error("internal: the prefetching step programs place their buffers differently");
}

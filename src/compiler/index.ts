/**
 * The MLP compiler: WorkloadSpec -> TPU program. `lower` lists every pass in order (tinygrad's
 * full_rewrite_to_sink); each pass is a pure function (ir, hw) => ir in its own file, and `{ check:
 * true }` runs verify() after every pass.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { allocate } from "./allocate.js";
import { emitAssembly } from "./emit-asm.js";
import { chooseGradientForms, type GradientForm } from "./gradient-form.js";
import { buildGraph, stripsInput } from "./graph.js";
import type { GraphOptions } from "./graph.js";
import { findBuffer } from "./ir.js";
import type { CompiledProgram, CompilerIr, Int8LayerParams } from "./ir.js";
import { lowerBackward } from "./lower-backward.js";
import { lowerForward } from "./lower-forward.js";
import { lowerLoss } from "./lower-loss.js";
import { lowerSgd } from "./lower-sgd.js";
import { lowerTransfers } from "./lower-transfer.js";
import { planMicroBatch } from "./micro-batch.js";
import { checkWorkloadSizes } from "./preflight.js";
import { schedule } from "./schedule.js";
import { tileMatmuls } from "./tile.js";
import { verify } from "./verify.js";

export type { CompiledProgram, Int8LayerParams } from "./ir.js";
export type { GradientForm } from "./gradient-form.js";
export { emitAssembly };
export { verify, verifyCompiled, VerifyError } from "./verify.js";

export interface CompileOptions {
  /** Run verify() between passes. */
  readonly check?: boolean;
}

export interface TrainingStepOptions extends CompileOptions {
  /** Overlap the next step's input transfer (graph.ts GraphOptions.prefetch; canPrefetch says when). */
  readonly prefetch?: { readonly parity: 0 | 1; readonly loadOwn: boolean };
  /**
   * The weight gradients' form (gradient-form.ts): `auto` (default) by the compiler's estimate;
   * `plain` / `transposed` force it wherever possible (measurements, tests). Every variant of one
   * network (prefetching or not) gets the same forms: they share the weights' layout.
   */
  readonly gradientForm?: GradientForm;
}

/** One SGD step: forward, loss gradient, backward, update; outputs A to host memory. */
export function compileTrainingStep(spec: WorkloadSpec, hw: HwConfig, opts: TrainingStepOptions = {}): CompiledProgram {
  const transposedGradients = gradientForms(spec, hw, opts.gradientForm, opts.prefetch !== undefined);
  return lower(spec, hw, { kind: "train-step", prefetch: opts.prefetch, transposedGradients }, opts);
}

/**
 * Per layer, whether a training step of this network computes its gradient transposed
 * (gradient-form.ts). The same for every variant of a prefetching network (they share the weights'
 * layout). Not layer 0 when X_0 arrives in k-tile strips (a network that does not prefetch): X_0^T
 * would take one VTR per strip.
 */
export function gradientForms(spec: WorkloadSpec, hw: HwConfig, form: GradientForm = "auto", prefetch = false): boolean[] {
  if (hw.dtype !== "bf16" || !Number.isInteger(spec.batch) || spec.batch < 1) return spec.layers.map(() => false);
  checkWorkloadSizes(spec, hw);
  const layer0 = !stripsInput(spec, hw, "train-step", prefetch);
  const fits = (forms: readonly boolean[]) =>
    planMicroBatch(spec, hw, { kind: "train-step", transposedGradients: forms, ...(prefetch ? { prefetch: { parity: 0, loadOwn: true } } : {}) }) === spec.batch;
  return chooseGradientForms(spec, hw, form, layer0, fits);
}

/**
 * A training step can prefetch the next batch when its first layer is dense and the whole batch,
 * with the second copy of its input and labels, fits the unified buffer at once.
 */
export function canPrefetch(spec: WorkloadSpec, hw: HwConfig, form: GradientForm = "auto"): boolean {
  if (spec.layers[0].conv || hw.dtype !== "bf16") return false;
  const transposedGradients = gradientForms(spec, hw, form, true);
  return planMicroBatch(spec, hw, { kind: "train-step", prefetch: { parity: 0, loadOwn: true }, transposedGradients }) === spec.batch;
}

/** Forward only; on an int8 machine `int8` gives each layer's ACT scales and constant lane. */
export function compileInference(
  spec: WorkloadSpec,
  hw: HwConfig,
  int8?: readonly Int8LayerParams[],
  opts: CompileOptions = {},
): CompiledProgram {
  return lower(spec, hw, { kind: "inference", int8 }, opts);
}

/**
 * Forward, loss gradient and the backward pass down to the input: E_0 = dL/dX_0 (B x K_0) goes to
 * host memory next to the outputs; weight memory is not written. The loss target Y is data: the
 * host writes the one-hot rows it wants (the true label to push away from it, a chosen digit to pull
 * towards it).
 */
export function compileInputGradient(spec: WorkloadSpec, hw: HwConfig, opts: CompileOptions = {}): CompiledProgram {
  return lower(spec, hw, { kind: "input-gradient" }, opts);
}

function lower(spec: WorkloadSpec, hw: HwConfig, graph: GraphOptions, opts: CompileOptions): CompiledProgram {
  if (!Number.isInteger(spec.batch) || spec.batch < 1) {
    throw new UserInputError(`batch must be an integer >= 1 (got ${spec.batch})`, { field: "batch" });
  }
  checkWorkloadSizes(spec, hw); // arithmetic only: refuse absurd sizes before building anything
  const check = (ir: CompilerIr): CompilerIr => {
    if (opts.check) verify(ir, hw);
    return ir;
  };
  // (A training step's per-layer gradient forms, graph.transposedGradients, were chosen before this: gradientForms, gradient-form.ts.)
  const microBatch = planMicroBatch(spec, hw, graph); // a batch too big for the unified buffer runs in turns of this many samples
  if (graph.prefetch && microBatch < spec.batch) throw new UserInputError(`batch ${spec.batch} with a prefetched copy does not fit the unified buffer`, { field: "batch" });
  let ir = check(buildGraph(spec, hw, { ...graph, microBatch })); // layer-level ops on symbolic buffers: the contract with golden/runtime; X0 in k-tile strips, the error chain before the gradients
  ir = check(tileMatmuls(ir, hw)); // split every product into passes that fit the R x C grid and the accumulators
  ir = check(allocate(ir, hw)); // addresses in every memory (micro-batches reuse the unified buffer's)
  ir = check(lowerTransfers(ir, hw)); // host <-> unified buffer DMA and HALT
  ir = check(lowerForward(ir, hw)); // Z = X·M^T per layer: RDW transpose + MMUL, ACT
  ir = check(lowerLoss(ir, hw)); // e = A - Y, delta = (2/B) e ⊙ f'(A)
  ir = check(lowerBackward(ir, hw)); // VTR, E = delta·M: RDW + MMUL, ACT identity, delta of the layer below
  ir = check(lowerSgd(ir, hw)); // G = delta^T·X (or G^T = X^T·delta, gradient-form.ts): RDWU + MMUL, VSGD per column tile
  ir = check(schedule(ir, hw)); // flatten; each VSGD after its gradient has completed; prefetch weight tiles as early as the FIFO and data allow
  return finish(ir, hw);
}

function finish(ir: CompilerIr, hw: HwConfig): CompiledProgram {
  if (!ir.program || !ir.layout) throw new Error("internal: the pass list did not produce a placed program");
  const address = (name: string) => findBuffer(ir, name).address!;
  const stride = (name: string) => findBuffer(ir, name).cols;
  const hasLabels = ir.buffers.some((b) => b.name === "labels");
  const hasGradient = ir.buffers.some((b) => b.name === "input-gradient");
  return {
    kind: ir.kind,
    spec: ir.spec,
    hw,
    batch: ir.batch,
    microBatch: ir.microBatch,
    program: {
      instructions: ir.program,
      data: ir.hostData.map((d) => ({ memory: "host" as const, address: address(d.buffer), values: d.values })),
    },
    host: {
      elements: ir.layout.hostElements,
      input: address("input"),
      inputStride: stride("input"),
      labels: hasLabels ? address("labels") : 0,
      labelsStride: hasLabels ? stride("labels") : 0,
      output: address("output"),
      outputStride: stride("output"),
      ...(hasGradient ? { inputGradient: address("input-gradient"), inputGradientStride: stride("input-gradient") } : {}),
      ...(ir.buffers.some((b) => b.name === "next-input") ? { nextInput: address("next-input"), nextLabels: address("next-labels") } : {}),
    },
    buffers: ir.buffers,
    weights: ir.weights.map((w) => ({ address: w.address!, rows: w.rows, cols: w.cols, ...(w.transposed ? { transposed: true } : {}) })),
    memory: {
      unifiedBufferElements: ir.layout.unifiedBufferElements,
      accumulatorRows: ir.layout.accumulatorRows,
      weightMemoryElements: ir.layout.weightMemoryElements,
    },
  };
}

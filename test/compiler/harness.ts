/**
 * Runs compiled programs in the independent ISA interpreter and reads every result back through the
 * compiled layout (buffer addresses, weight addresses, host layout), for comparison with the golden
 * model.
 */
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { HwConfig } from "../../src/config/hw-config.js";
import type { CompiledProgram } from "../../src/compiler/index.js";
import { fromStoredWeights, toStoredWeights } from "../../src/compiler/weight-layout.js";
import { Random } from "../../src/numerics/random.js";
import type { LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";
import { IsaInterpreter } from "../helpers/isa-interpreter.js";

export function makeSpec(inputs: number, layers: [number, LayerActivation][], batch: number, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    name: `test-${inputs}-${layers.map((l) => l[0]).join("-")}`,
    description: "",
    dataset: "mnist",
    inputs,
    layers: layers.map(([units, activation]) => ({ units, activation })),
    loss: "sse",
    batch,
    learningRate: 0.1,
    epochs: 1,
    seed: 7,
    init: "normal-fanin",
    dtype: "bf16",
    hardware: { preset: "small", overrides: {} },
    ...extra,
  };
}

/** The "small" preset resized; memories kept small so the interpreter's arrays stay small. */
export function grid(rows: number, cols: number, overrides: Record<string, unknown> = {}): HwConfig {
  return buildHwConfig("small", { rows, cols, vectorLanes: Math.min(cols, 64), weightMemoryBytes: 1 << 20, ...overrides });
}

export function randomImages(count: number, inputs: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: count * inputs }, () => Math.fround(rng.uniform()));
}

export function randomLabels(count: number, classes: number, seed: number): number[] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => rng.below(classes));
}

function readBlock(src: ArrayLike<number>, address: number, stride: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = src[address + r * stride + c];
  return out;
}

export interface StepResult {
  activations: Float32Array[];
  deltas: Float32Array[];
  gradients: Float32Array[];
  params: Float32Array[];
  outputs: Float32Array;
  machine: IsaInterpreter;
}

/** Host input rows for `images` (B x K_0): pixels then the constant lane value. */
function writeInputs(c: CompiledProgram, m: IsaInterpreter, images: Float32Array, lane: (x: number) => number, biasLane: number) {
  const K = c.spec.inputs;
  for (let b = 0; b < c.batch; b++) {
    for (let k = 0; k < K; k++) m.host[c.host.input + b * c.host.inputStride + k] = lane(images[b * K + k]);
    m.host[c.host.input + b * c.host.inputStride + K] = biasLane;
  }
}

/** Execute a compiled program: parameters into weight memory, inputs and labels into host memory. */
export function runCompiled(
  c: CompiledProgram,
  params: Float32Array[],
  images: Float32Array,
  labels?: readonly number[],
  input: { pixel?: (x: number) => number; biasLane?: number } = {},
): StepResult {
  const m = new IsaInterpreter(c.hw, c.host.elements);
  m.loadData(c.program);
  params.forEach((p, l) => m.weights.set(toStoredWeights(c.weights[l], p), c.weights[l].address));
  writeInputs(c, m, images, input.pixel ?? ((x) => x), input.biasLane ?? 1);
  const L = c.spec.layers.length;
  const nOut = c.spec.layers[L - 1].units;
  if (labels) {
    for (let b = 0; b < c.batch; b++) for (let j = 0; j < nOut; j++) m.host[c.host.labels + b * c.host.labelsStride + j] = labels[b] === j ? 1 : 0;
  }
  const gradients = c.weights.map((w) => new Float32Array(w.rows * w.cols).fill(NaN));
  // Gradients live in the accumulators only until their VSGD: capture them there.
  m.onExecute = (ins) => {
    if (ins.op !== "VSGD") return;
    const f = ins.f;
    const l = c.weights.findIndex((w) => f.wm >= w.address && f.wm < w.address + w.rows * w.cols);
    const w = c.weights[l];
    for (let r = 0; r < f.rows; r++) {
      for (let col = 0; col < f.cols; col++) gradients[l][f.wm - w.address + r * f.wstride + col] = m.acc[(f.acc + r) * c.hw.cols + col];
    }
  };
  m.run(c.program);
  const buffer = (name: string) => {
    const b = c.buffers.find((x) => x.name === name);
    if (!b || b.address === undefined) throw new Error(`no buffer ${name}`);
    return b;
  };
  const activations = c.spec.layers.map((layer, l) => {
    // Before a convolution a layer's outputs go to the image its patches are gathered from.
    const b = buffer(c.buffers.some((x) => x.name === `I${l + 1}`) ? `I${l + 1}` : `X${l + 1}`);
    return readBlock(m.ub, b.address!, b.cols, c.batch, layer.units);
  });
  const deltas = labels
    ? c.spec.layers.map((layer, l) => {
        const b = buffer(`D${l}`);
        return readBlock(m.ub, b.address!, b.cols, c.batch, layer.units);
      })
    : [];
  return {
    activations,
    deltas,
    // Both in M_l's logical layout (N_l x (K_l+1)) whatever the stored one.
    gradients: gradients.map((g, l) => fromStoredWeights(c.weights[l], g)),
    params: c.weights.map((w) => fromStoredWeights(w, m.weights.slice(w.address, w.address + w.rows * w.cols))),
    outputs: readBlock(m.host, c.host.output, c.host.outputStride, c.batch, nOut),
    machine: m,
  };
}

/** Bit equality of two float arrays, reporting the first difference. */
export function firstDifference(a: Float32Array, b: Float32Array): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
}

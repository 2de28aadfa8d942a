/**
 * The training step exactly as the machine computes it (docs/ARCHITECTURE.md "Numerics"): bf16
 * operands, fp32 sums in a fixed order, the activation and vector units' roundings. The simulator's
 * results must equal these bit for bit. Deliberately written as plain loops over the formulas and
 * sharing nothing with src/compiler, src/sim or src/hw, so a bug there cannot hide here.
 *
 * Layouts: M_l is N_l x (K_l + 1) with the bias in column K_l; X_l is B x (K_l + 1) with the
 * constant 1 in column K_l (a convolution's X_l: its patches, B*P x (KK + 1)); activations and
 * deltas are B x N_l (a convolution's: B x P*C, position-major). All row-major.
 */
import { roundBf16 } from "../numerics/bf16.js";
import {
  ACT_IDENTITY,
  ACT_RELU,
  ACT_SIGMOID,
  VEC_ADD,
  VEC_COPY,
  VEC_DRELUMUL,
  VEC_DSIGMUL,
  VEC_SUB,
  activate,
  sgdStep,
  softmaxRow,
  vectorLane,
} from "../numerics/vector-ops.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { scatterPatches } from "./conv-patches.js";
import { argmaxRows, layerRows, shapesOf, type Shape } from "./layers.js";

export { predictInt8 } from "./int8-same-numerics.js";

const f32 = Math.fround;
const ACT_CODE: Record<LayerActivation, number> = { identity: ACT_IDENTITY, relu: ACT_RELU, sigmoid: ACT_SIGMOID };
/** Vector function multiplying an error by f'(z), given a = f(z); identity's f' = 1 is a copy. */
const DERIVATIVE_CODE: Record<LayerActivation, number> = { identity: VEC_COPY, relu: VEC_DRELUMUL, sigmoid: VEC_DSIGMUL };

export interface TrainStepResult {
  /** a of every layer (bf16 values), B x N_l. */
  activations: Float32Array[];
  /** delta of every layer (bf16 values), B x N_l. */
  deltas: Float32Array[];
  /** G_l (fp32), same shape as M_l. */
  gradients: Float32Array[];
  /** Updated copies of M_l; the inputs are not modified. */
  params: Float32Array[];
  /**
   * In float64 from the bf16 outputs A: SSE (1/B) sum_b sum_j (A - Y)^2; softmax cross-entropy
   * (1/B) sum_b -log softmax(A_b)[y_b].
   */
  loss: number;
}

/** One SGD step on a batch of B = labels.length images (B x inputs fp32 pixels in [0, 1]). */
export function trainStepSameNumerics(
  spec: WorkloadSpec,
  params: Float32Array[],
  images: Float32Array,
  labels: Uint8Array | number[],
): TrainStepResult {
  const B = labels.length;
  const pass = backwardPass(spec, params, images, labels);
  const { shapes, xs, deltas } = pass;
  const L = shapes.length;
  const gradients: Float32Array[] = new Array(L);
  const updated: Float32Array[] = new Array(L);
  const lr = f32(spec.learningRate);
  for (let l = L - 1; l >= 0; l--) {
    const { K, N, positions } = shapes[l];
    const delta = deltas[l];
    const x = xs[l];
    const g = new Float32Array(N * (K + 1));
    // A convolution's gradient sums over every position of every image, in row order.
    const rows = B * positions;
    for (let n = 0; n < N; n++) {
      for (let k = 0; k <= K; k++) {
        let s = 0;
        for (let b = 0; b < rows; b++) s = f32(s + delta[b * N + n] * x[b * (K + 1) + k]);
        g[n * (K + 1) + k] = s + 0;
      }
    }
    gradients[l] = g;
    updated[l] = params[l].map((m, i) => sgdStep(m, lr, g[i]));
  }
  return { activations: pass.activations, deltas, gradients, params: updated, loss: pass.loss };
}

export interface InputGradientResult {
  /** a of every layer (bf16 values), B x N_l. */
  activations: Float32Array[];
  /** delta of every layer (bf16 values), B x N_l. */
  deltas: Float32Array[];
  /**
   * E_0 = delta_0 · M_0[:, :K_0] through the activation unit (identity, bf16): B x inputs; below a
   * convolution, its patches' gradient scattered back to the pixels (inputGradientOf).
   */
  inputGradient: Float32Array;
  /** (1/B) sum_b sum_j (A - Y)^2 in float64 from the bf16 outputs A. */
  loss: number;
}

/**
 * dL/dX_0 as the machine computes it: the training step's forward pass and deltas (`targets` are the
 * loss targets Y, one class per image), then one more error product through M_0, and no update.
 */
export function inputGradientSameNumerics(
  spec: WorkloadSpec,
  params: Float32Array[],
  images: Float32Array,
  targets: Uint8Array | number[],
): InputGradientResult {
  const B = targets.length;
  const pass = backwardPass(spec, params, images, targets);
  const inputGradient = inputGradientOf(pass.shapes[0], pass.deltas[0], pass.weightsBf16[0], B);
  return { activations: pass.activations, deltas: pass.deltas, inputGradient, loss: pass.loss };
}

interface BackwardPass {
  shapes: Shape[];
  weightsBf16: Float32Array[];
  /** X_l with the bias lane (a convolution's patches), l = 0..L-1. */
  xs: Float32Array[];
  activations: Float32Array[];
  deltas: Float32Array[];
  loss: number;
}

/** Forward, loss and every layer's delta (through the weights as they were before any update). */
function backwardPass(spec: WorkloadSpec, params: Float32Array[], images: Float32Array, labels: Uint8Array | number[]): BackwardPass {
  const B = labels.length;
  const shapes = shapesOf(spec, params, images, B);
  const L = shapes.length;
  /** Outputs per sample (a convolution's P*C). */
  const J = spec.layers[L - 1].units;
  checkLabels(labels, J);
  const weightsBf16 = params.map(toBf16Matrix);
  const xs: Float32Array[] = [];
  const activations: Float32Array[] = [];
  let input = images.subarray(0, B * spec.inputs).map(roundBf16);
  shapes.forEach((shape, l) => {
    xs.push(layerRows(shape, input, B, 1));
    input = forwardLayer(xs[l], weightsBf16[l], B * shape.positions, shape.K, shape.N, shape.act);
    activations.push(input);
  });

  const outAct = shapes[L - 1].act;
  const A = activations[L - 1];
  const crossEntropy = spec.loss === "softmax-cross-entropy";
  if (crossEntropy && outAct !== "identity") throw new Error("internal: softmax cross-entropy needs an identity output layer");
  let sum = 0;
  for (let b = 0; b < B; b++) {
    if (crossEntropy) sum += crossEntropyRow(A, b * J, J, labels[b]);
    else for (let j = 0; j < J; j++) sum += (A[b * J + j] - (labels[b] === j ? 1 : 0)) ** 2;
  }
  const loss = (1 / B) * sum;

  const deltas: Float32Array[] = new Array(L);
  deltas[L - 1] = new Float32Array(B * J);
  if (crossEntropy) {
    // VSMX: P = softmax(A) per row (bf16), then VEC sub with imm fp32(1/B): delta = bf16(fp32(1/B * fp32(P - Y))).
    const oneOverB = f32(1 / B);
    const p = new Float64Array(J);
    for (let b = 0; b < B; b++) {
      softmaxRow(A.subarray(b * J, (b + 1) * J), J, p, "bf16");
      for (let j = 0; j < J; j++) deltas[L - 1][b * J + j] = vectorLane(VEC_SUB, p[j], labels[b] === j ? 1 : 0, oneOverB, "bf16");
    }
  } else {
    const twoOverB = f32(2 / B);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < J; j++) {
        const i = b * J + j;
        const e = vectorLane(VEC_SUB, A[i], labels[b] === j ? 1 : 0, 1, "bf16");
        deltas[L - 1][i] = vectorLane(DERIVATIVE_CODE[outAct], e, A[i], twoOverB, "bf16");
      }
    }
  }
  for (let l = L - 1; l > 0; l--) {
    const e = inputGradientOf(shapes[l], deltas[l], weightsBf16[l], B);
    const below = shapes[l - 1];
    const aBelow = activations[l - 1];
    const d = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) d[i] = vectorLane(DERIVATIVE_CODE[below.act], e[i], aBelow[i], 1, "bf16");
    deltas[l - 1] = d;
  }
  return { shapes, weightsBf16, xs, activations, deltas, loss };
}

/** -log softmax(z)[y] of the row z = a[off .. off+J-1] in float64: logsumexp(z) - z_y. */
function crossEntropyRow(a: ArrayLike<number>, off: number, J: number, y: number): number {
  let m = -Infinity;
  for (let j = 0; j < J; j++) m = Math.max(m, a[off + j]);
  let s = 0;
  for (let j = 0; j < J; j++) s += Math.exp(a[off + j] - m);
  return m + Math.log(s) - a[off + y];
}

/**
 * dL/d(input of a layer), B x its input features: a dense layer's E = delta · M[:, :K]; for a
 * convolution the same product per position (its patches' gradient, B*P x KK), scattered back onto
 * the pixels by bf16 vector adds in the machine's order (scatterPatches).
 */
function inputGradientOf(shape: Shape, delta: Float32Array, w: Float32Array, B: number): Float32Array {
  if (!shape.conv) return errorProduct(delta, w, B, shape.K, shape.N);
  const patches = errorProduct(delta, w, B * shape.positions, shape.K, shape.N);
  return scatterPatches(patches, B, shape.conv, (a, b) => vectorLane(VEC_ADD, a, b, 1, "bf16"));
}

/** E = delta · M[:, :K] (B x K): the fp32 chain over n = 0..N-1, then the activation unit (identity). */
function errorProduct(delta: Float32Array, w: Float32Array, B: number, K: number, N: number): Float32Array {
  const e = new Float32Array(B * K);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let n = 0; n < N; n++) s = f32(s + delta[b * N + n] * w[n * (K + 1) + k]);
      e[b * K + k] = activate(s + 0, ACT_IDENTITY, 1, 1, "bf16");
    }
  }
  return e;
}

/** bf16 inference on `count` images; predicted = argmax of the outputs, ties to the lowest index. */
export function predictSameNumerics(
  spec: WorkloadSpec,
  params: Float32Array[],
  images: Float32Array,
  count: number,
): { outputs: Float32Array; predicted: Int32Array } {
  const shapes = shapesOf(spec, params, images, count);
  let outputs = images.subarray(0, count * spec.inputs).map(roundBf16);
  shapes.forEach((shape, l) => {
    const x = layerRows(shape, outputs, count, 1);
    outputs = forwardLayer(x, toBf16Matrix(params[l]), count * shape.positions, shape.K, shape.N, shape.act);
  });
  return { outputs, predicted: argmaxRows(outputs, count, outputs.length / count) };
}

/** Weights as the weight loader delivers them to the array. */
function toBf16Matrix(m: Float32Array): Float32Array {
  return m.map(roundBf16);
}

/** a = f(z), z the sequential fp32 chain over k = 0..K (bias lane last) with negative zero cleared. */
function forwardLayer(x: Float32Array, w: Float32Array, B: number, K: number, N: number, act: LayerActivation) {
  const a = new Float32Array(B * N);
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k <= K; k++) s = f32(s + x[b * (K + 1) + k] * w[n * (K + 1) + k]);
      a[b * N + n] = activate(s + 0, ACT_CODE[act], 1, 1, "bf16");
    }
  }
  return a;
}

function checkLabels(labels: ArrayLike<number>, classes: number): void {
  for (let b = 0; b < labels.length; b++) {
    if (!Number.isInteger(labels[b]) || labels[b] < 0 || labels[b] >= classes) throw new Error(`internal: label ${labels[b]}`);
  }
}

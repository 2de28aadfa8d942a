/**
 * The MLP in plain float64 real math: the yardstick for how far the machine's bf16 numerics drift,
 * and (with the finite-difference check) for whether the gradient formulas are right at all.
 * Same parameter layout as src/workloads/init.ts: M_l is N_l x (K_l + 1), bias in the last column.
 * Loss "sse": L = (1/B) sum_b sum_j (A - Y)^2, so dL/dA = 2 (A - Y) / B. Loss "softmax-cross-entropy"
 * (identity output, A = logits Z): L = (1/B) sum_b -log softmax(Z_b)[y_b], so dL/dZ = (softmax(Z) - Y) / B.
 */
import { Random } from "../numerics/random.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { convForwardF64, convGradientF64, convInputGradientF64 } from "./conv-f64.js";

const RELATIVE_FLOOR = 1e-6;

export type Params = readonly ArrayLike<number>[];

export interface ForwardF64 {
  /** Output of every layer, count x N_l row-major. */
  activations: Float64Array[];
  /** Argmax of the last layer per image, ties to the lowest index. */
  predicted: Int32Array;
}

export interface TrainStepF64 {
  activations: Float64Array[];
  /** dL/dM_l, same shape as M_l. */
  gradients: Float64Array[];
  loss: number;
  /** M_l - lr * G_l. */
  params: Float64Array[];
}

/** Forward pass of `count` images (count x inputs, row-major). */
export function forwardF64(spec: WorkloadSpec, params: Params, images: ArrayLike<number>, count: number): ForwardF64 {
  checkShapes(spec, params, images, count);
  const activations: Float64Array[] = [];
  let x: ArrayLike<number> = images;
  let K = spec.inputs;
  spec.layers.forEach((layer, l) => {
    const N = layer.units;
    const m = params[l];
    if (layer.conv) {
      x = convForwardF64(layer.conv, m, x, count, (z) => activation(layer.activation, z));
      activations.push(x as Float64Array);
      K = N;
      return;
    }
    const a = new Float64Array(count * N);
    for (let b = 0; b < count; b++) {
      for (let n = 0; n < N; n++) {
        let z = m[n * (K + 1) + K];
        for (let k = 0; k < K; k++) z += x[b * K + k] * m[n * (K + 1) + k];
        a[b * N + n] = activation(layer.activation, z);
      }
    }
    activations.push(a);
    x = a;
    K = N;
  });
  return { activations, predicted: argmaxRows(activations[activations.length - 1], count, K) };
}

/** Loss of one batch; the batch size is labels.length. */
export function lossF64(spec: WorkloadSpec, params: Params, images: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { activations } = forwardF64(spec, params, images, labels.length);
  return lossOf(spec, activations[activations.length - 1], labels);
}

/** One SGD step on a batch of labels.length images. */
export function trainStepF64(
  spec: WorkloadSpec,
  params: Params,
  images: ArrayLike<number>,
  labels: ArrayLike<number>,
): TrainStepF64 {
  const B = labels.length;
  const L = spec.layers.length;
  const { activations, deltas, loss } = backwardF64(spec, params, images, labels);
  const gradients: Float64Array[] = new Array(L);
  for (let l = L - 1; l >= 0; l--) {
    const K = l === 0 ? spec.inputs : spec.layers[l - 1].units;
    const N = spec.layers[l].units;
    const x: ArrayLike<number> = l === 0 ? images : activations[l - 1];
    const delta = deltas[l];
    const conv = spec.layers[l].conv;
    if (conv) {
      gradients[l] = convGradientF64(conv, x, delta, B);
      continue;
    }
    const g = new Float64Array(N * (K + 1));
    for (let b = 0; b < B; b++) {
      for (let n = 0; n < N; n++) {
        const d = delta[b * N + n];
        if (d === 0) continue;
        for (let k = 0; k < K; k++) g[n * (K + 1) + k] += d * x[b * K + k];
        g[n * (K + 1) + K] += d;
      }
    }
    gradients[l] = g;
  }
  const updated = params.map((m, l) => Float64Array.from(m, (w, i) => w - spec.learningRate * gradients[l][i]));
  return { activations, gradients, loss, params: updated };
}

/** dL/dx of every pixel (B x inputs) for loss targets `targets` (one class per image). */
export function inputGradientF64(
  spec: WorkloadSpec,
  params: Params,
  images: ArrayLike<number>,
  targets: ArrayLike<number>,
): { activations: Float64Array[]; inputGradient: Float64Array; loss: number } {
  const { activations, deltas, loss } = backwardF64(spec, params, images, targets);
  const inputGradient = layerInputGradientF64(spec, 0, deltas[0], params[0], targets.length);
  return { activations, inputGradient, loss };
}

/** Forward, loss and delta_l = dL/dZ_l of every layer. */
function backwardF64(spec: WorkloadSpec, params: Params, images: ArrayLike<number>, labels: ArrayLike<number>) {
  const B = labels.length;
  const L = spec.layers.length;
  const { activations } = forwardF64(spec, params, images, B);
  const J = outputUnits(spec);
  const out = activations[L - 1];
  const loss = lossOf(spec, out, labels);
  const deltas: Float64Array[] = new Array(L);
  deltas[L - 1] = new Float64Array(B * J);
  if (spec.loss === "softmax-cross-entropy") {
    for (let b = 0; b < B; b++) {
      const p = softmaxF64(out, b * J, J);
      for (let j = 0; j < J; j++) deltas[L - 1][b * J + j] = (p[j] - (labels[b] === j ? 1 : 0)) / B;
    }
  } else {
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < J; j++) {
        const i = b * J + j;
        deltas[L - 1][i] = ((2 * (out[i] - (labels[b] === j ? 1 : 0))) / B) * derivative(spec.layers[L - 1].activation, out[i]);
      }
    }
  }
  for (let l = L - 1; l > 0; l--) {
    const e = layerInputGradientF64(spec, l, deltas[l], params[l], B);
    const x = activations[l - 1];
    deltas[l - 1] = e.map((v, i) => v * derivative(spec.layers[l - 1].activation, x[i]));
  }
  return { activations, deltas, loss };
}

/** dL/d(input of layer l) from its delta: the dense error product, or a convolution's scatter to the pixels. */
function layerInputGradientF64(spec: WorkloadSpec, l: number, delta: Float64Array, m: ArrayLike<number>, B: number): Float64Array {
  const layer = spec.layers[l];
  if (layer.conv) return convInputGradientF64(layer.conv, m, delta, B);
  return errorProductF64(delta, m, B, l === 0 ? spec.inputs : spec.layers[l - 1].units, layer.units);
}

/** delta (B x N) · M[:, :K] with M stored N x (K + 1). */
function errorProductF64(delta: Float64Array, m: ArrayLike<number>, B: number, K: number, N: number): Float64Array {
  const e = new Float64Array(B * K);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let n = 0; n < N; n++) s += delta[b * N + n] * m[n * (K + 1) + k];
      e[b * K + k] = s;
    }
  }
  return e;
}

/**
 * Central differences of the loss with respect to `samples` pixels (picked with Random(spec.seed))
 * against inputGradientF64, with the same relative-error rule as finiteDifferenceCheck.
 */
export function inputFiniteDifferenceCheck(
  spec: WorkloadSpec,
  params: Params,
  images: ArrayLike<number>,
  targets: ArrayLike<number>,
  options: { samples: number; eps: number },
): { maxRelativeError: number; checked: number } {
  const { inputGradient } = inputGradientF64(spec, params, images, targets);
  const work = Float64Array.from(images);
  const rng = new Random(spec.seed);
  let maxRelativeError = 0;
  let checked = 0;
  for (let s = 0; s < options.samples; s++) {
    const i = rng.below(work.length);
    const saved = work[i];
    work[i] = saved + options.eps;
    const up = lossF64(spec, params, work, targets);
    work[i] = saved - options.eps;
    const down = lossF64(spec, params, work, targets);
    work[i] = saved;
    const numeric = (up - down) / (2 * options.eps);
    const analytic = inputGradient[i];
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
    if (scale > RELATIVE_FLOOR) checked++;
    maxRelativeError = Math.max(maxRelativeError, Math.abs(analytic - numeric) / Math.max(scale, RELATIVE_FLOOR));
  }
  return { maxRelativeError, checked };
}

/**
 * Central differences (L(w + eps) - L(w - eps)) / 2eps against trainStepF64's gradients at `samples`
 * parameters, picked with Random(spec.seed) round-robin over the layers so small layers are checked too.
 * Relative error is |analytic - numeric| / max(|analytic|, |numeric|, 1e-6): the floor keeps
 * rounding noise on near-zero gradients from counting as a relative error. `checked` counts the
 * samples whose gradient is above the floor, i.e. really compared relatively.
 */
export function finiteDifferenceCheck(
  spec: WorkloadSpec,
  params: Params,
  images: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { samples: number; eps: number },
): { maxRelativeError: number; checked: number } {
  const { gradients } = trainStepF64(spec, params, images, labels);
  const work = params.map((m) => Float64Array.from(m));
  const rng = new Random(spec.seed);
  let maxRelativeError = 0;
  let checked = 0;
  for (let s = 0; s < options.samples; s++) {
    const l = s % work.length;
    const i = rng.below(work[l].length);
    const saved = work[l][i];
    work[l][i] = saved + options.eps;
    const up = lossF64(spec, work, images, labels);
    work[l][i] = saved - options.eps;
    const down = lossF64(spec, work, images, labels);
    work[l][i] = saved;
    const numeric = (up - down) / (2 * options.eps);
    const analytic = gradients[l][i];
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric));
    if (scale > RELATIVE_FLOOR) checked++;
    maxRelativeError = Math.max(maxRelativeError, Math.abs(analytic - numeric) / Math.max(scale, RELATIVE_FLOOR));
  }
  return { maxRelativeError, checked };
}

function activation(fn: LayerActivation, z: number): number {
  if (fn === "sigmoid") return 1 / (1 + Math.exp(-z));
  if (fn === "relu") return z > 0 ? z : 0;
  return z;
}

/** f'(z) written in terms of a = f(z), which is what the backward pass keeps. */
function derivative(fn: LayerActivation, a: number): number {
  if (fn === "sigmoid") return a * (1 - a);
  if (fn === "relu") return a > 0 ? 1 : 0;
  return 1;
}

function lossOf(spec: WorkloadSpec, out: Float64Array, labels: ArrayLike<number>): number {
  if (spec.loss !== "softmax-cross-entropy") return sumSquaredError(out, labels, outputUnits(spec));
  if (spec.layers[spec.layers.length - 1].activation !== "identity") throw new Error("internal: softmax cross-entropy needs an identity output layer");
  return crossEntropyF64(out, labels, outputUnits(spec));
}

/** softmax of row z = v[off .. off+J-1] in real (float64) math. */
export function softmaxF64(v: ArrayLike<number>, off: number, J: number): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < J; j++) m = Math.max(m, v[off + j]);
  const p = new Float64Array(J);
  let s = 0;
  for (let j = 0; j < J; j++) s += p[j] = Math.exp(v[off + j] - m);
  for (let j = 0; j < J; j++) p[j] /= s;
  return p;
}

/** (1/B) sum_b -log softmax(z_b)[y_b] = (1/B) sum_b (logsumexp(z_b) - z_b[y_b]), in float64. */
export function crossEntropyF64(z: ArrayLike<number>, labels: ArrayLike<number>, J: number): number {
  let sum = 0;
  for (let b = 0; b < labels.length; b++) {
    const y = labels[b];
    if (!Number.isInteger(y) || y < 0 || y >= J) throw new Error(`internal: label ${y}`);
    let m = -Infinity;
    for (let j = 0; j < J; j++) m = Math.max(m, z[b * J + j]);
    let s = 0;
    for (let j = 0; j < J; j++) s += Math.exp(z[b * J + j] - m);
    sum += m + Math.log(s) - z[b * J + y];
  }
  return (1 / labels.length) * sum;
}

function sumSquaredError(out: Float64Array, labels: ArrayLike<number>, J: number): number {
  for (let b = 0; b < labels.length; b++) {
    if (!Number.isInteger(labels[b]) || labels[b] < 0 || labels[b] >= J) throw new Error(`internal: label ${labels[b]}`);
  }
  let sum = 0;
  for (let b = 0; b < labels.length; b++) {
    for (let j = 0; j < J; j++) sum += (out[b * J + j] - (labels[b] === j ? 1 : 0)) ** 2;
  }
  return (1 / labels.length) * sum;
}

function outputUnits(spec: WorkloadSpec): number {
  return spec.layers[spec.layers.length - 1].units;
}

function argmaxRows(values: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const predicted = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c] > values[r * cols + best]) best = c;
    predicted[r] = best;
  }
  return predicted;
}

function checkShapes(spec: WorkloadSpec, params: Params, images: ArrayLike<number>, count: number): void {
  if (params.length !== spec.layers.length) throw new Error(`internal: ${params.length} parameter matrices for ${spec.layers.length} layers`);
  if (images.length < count * spec.inputs) throw new Error(`internal: ${images.length} pixels for ${count} images of ${spec.inputs}`);
  spec.layers.forEach((layer, l) => {
    const c = layer.conv;
    const K = c ? c.kernel * c.kernel * c.inputChannels : l === 0 ? spec.inputs : spec.layers[l - 1].units;
    const N = c ? c.channels : layer.units;
    if (params[l].length !== N * (K + 1)) throw new Error(`internal: layer ${l} has ${params[l].length} parameters`);
  });
}

/**
 * Post-training int8 quantization for inference on the int8 (TPU v1 style) datapath.
 *
 * A real value v is held as an int8 code q with v ~= q * scale. Layer l multiplies input codes
 * (scale s_in) by weight codes (scale s_w) into exact int32 sums, so the accumulator counts units of
 * s_in * s_w; the activation unit turns that back into real numbers (inscale = s_in * s_w), applies f,
 * and requantizes to the next layer's input scale (outscale = 1 / s_out).
 *
 * The bias. The machine has no bias adder: the bias is the weight of an extra input lane holding a
 * constant (docs/ARCHITECTURE.md; src/workloads/init.ts). On the int8 path that constant cannot
 * always mean 1.0: with s_in = 1/127 "1.0" is the code 127, but after a ReLU layer calibrated to
 * [0, 20] it would be the code 6.35, and after one calibrated to [0, 0.5] it would be 254. So the bias
 * is folded into its own fixed-point format instead:
 *   - the bias lane holds a per-layer int8 constant c (`biasInput`), and the bias column holds codes
 *     q_b = int8(b / (s_in * s_w * c)), so c * q_b lands in the accumulator in units of s_in * s_w;
 *   - c is the smallest constant in 1..127 that keeps every |q_b| <= 127, which gives the biases
 *     the finest step the format allows (max|b| / 127 or better);
 *   - s_w = max(max|w| / 127, max|b| / (127 * 127 * s_in)): the second term only matters when the
 *     biases are too large for c * q_b <= 127 * 127 at the weights' own scale.
 * With s_in = 1/127 (the first layer, and any layer after a sigmoid) this is exactly s_w = max|M| / 127
 * over weights and biases, and c = 127 whenever the largest entry of M is a bias.
 */
import { toInt8 } from "../numerics/int8.js";
import { calibratedRanges } from "./calibrate.js";
import { layerInputs, layerOutputs } from "./init.js";
import type { WorkloadSpec } from "./types.js";

const f32 = Math.fround;
const LEVELS = 127;
/** Calibration looks at no more than this many images: the range estimate has settled by then. */
const MAX_CALIBRATION_IMAGES = 1000;

export interface Int8LayerPlan {
  /** Codes of M_l (N x (K+1), integers in [-128, 127]); columns < K at weightScale, column K at biasScale. */
  readonly qweights: Float32Array;
  /** s_w: real value of one weight code. */
  readonly weightScale: number;
  /** s_in: real value of one input code. */
  readonly inputScale: number;
  /** s_out: real value of one output code; the next layer's inputScale. */
  readonly outputScale: number;
  /** The int8 constant on the bias lane. */
  readonly biasInput: number;
  /** Real value of one bias code: s_in * s_w * biasInput. */
  readonly biasScale: number;
  /** Activation-unit operands: v = fp32(acc * inScale), out = int8(fp32(f(v) * outScale)). */
  readonly inScale: number;
  readonly outScale: number;
}

export interface Int8Plan {
  /** The host feeds pixel x (in [0, 1]) as toInt8(fp32(x * pixelMultiplier)), i.e. s_in = 1/127. */
  readonly pixelMultiplier: number;
  readonly layers: readonly Int8LayerPlan[];
}

export interface Calibration {
  /** count x inputs fp32 pixels in [0, 1]. */
  readonly images: Float32Array;
  readonly count: number;
}

/**
 * Quantize trained parameters. Sigmoid outputs lie in [0, 1] and get s_out = 1/127. ReLU and
 * identity outputs get s_out = max|a| / 127, max|a| from a float64 forward pass over the first
 * <= 1000 calibration images; without calibration images, from a worst-case interval bound over
 * pixels in [0, 1] (never saturates, but coarse). A convolution is quantized like a dense layer
 * with K = its patch length and N = its channels: one weight scale for all its filters.
 */
export function quantizeForInference(spec: WorkloadSpec, params: Float32Array[], calibration?: Calibration): Int8Plan {
  const ranges =
    calibration && calibration.count > 0
      ? calibratedRanges(spec, params, calibration.images, Math.min(calibration.count, MAX_CALIBRATION_IMAGES))
      : intervalRanges(spec, params);
  const fanIn = layerInputs(spec);
  const outputs = layerOutputs(spec);
  let inputScale = 1 / LEVELS;
  const layers = spec.layers.map((layer, l) => {
    const K = fanIn[l];
    const N = outputs[l];
    const m = params[l];
    let maxW = 0;
    let maxB = 0;
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) maxW = Math.max(maxW, Math.abs(m[n * (K + 1) + k]));
      maxB = Math.max(maxB, Math.abs(m[n * (K + 1) + K]));
    }
    const weightScale = Math.max(maxW / LEVELS, maxB / (LEVELS * LEVELS * inputScale)) || 1;
    const biasInput = Math.min(LEVELS, Math.max(1, Math.ceil(maxB / (inputScale * weightScale) / LEVELS)));
    const biasScale = inputScale * weightScale * biasInput;
    const qweights = new Float32Array(N * (K + 1));
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) qweights[n * (K + 1) + k] = toInt8(f32(m[n * (K + 1) + k] / weightScale));
      qweights[n * (K + 1) + K] = toInt8(f32(m[n * (K + 1) + K] / biasScale));
    }
    // A range of 0 (a layer that never fires on the calibration set) still needs a usable scale.
    const outputScale = layer.activation === "sigmoid" || ranges[l] === 0 ? 1 / LEVELS : ranges[l] / LEVELS;
    const plan: Int8LayerPlan = {
      qweights,
      weightScale,
      inputScale,
      outputScale,
      biasInput,
      biasScale,
      inScale: f32(inputScale * weightScale),
      outScale: f32(1 / outputScale),
    };
    inputScale = outputScale;
    return plan;
  });
  return { pixelMultiplier: LEVELS, layers };
}

/** Per layer, a bound on |activation| valid for every input with pixels in [0, 1]. */
function intervalRanges(spec: WorkloadSpec, params: Float32Array[]): number[] {
  const fanIn = layerInputs(spec);
  const outputs = layerOutputs(spec);
  let inputBound = 1;
  return spec.layers.map((layer, l) => {
    const K = fanIn[l];
    const m = params[l];
    let bound = 0;
    // A convolution's row n is one filter: the bound over a patch holds at every position.
    for (let n = 0; n < outputs[l]; n++) {
      let sum = Math.abs(m[n * (K + 1) + K]);
      for (let k = 0; k < K; k++) sum += Math.abs(m[n * (K + 1) + k]) * inputBound;
      bound = Math.max(bound, sum);
    }
    inputBound = layer.activation === "sigmoid" ? 1 : bound;
    return inputBound;
  });
}

/**
 * Scalar definitions of the activation unit's and vector unit's math (docs/ARCHITECTURE.md,
 * "Numerics"). Both hw/ and golden/ call these, so there is exactly one definition of each rounding.
 */
import { roundBf16 } from "./bf16.js";
import { toInt8 } from "./int8.js";
import type { DType } from "../config/hw-config.js";

const fround = Math.fround;

/** Activation function codes, in the order of ACTIVATION_FUNCTIONS in isa/opcodes.ts. */
export const ACT_IDENTITY = 0;
export const ACT_RELU = 1;
export const ACT_SIGMOID = 2;

/** Vector function codes, in the order of VECTOR_FUNCTIONS in isa/opcodes.ts. */
export const VEC_ADD = 0;
export const VEC_SUB = 1;
export const VEC_MUL = 2;
export const VEC_COPY = 3;
export const VEC_DSIGMUL = 4;
export const VEC_DRELUMUL = 5;

/** Convert an fp32 value to the array data type (returned as the decoded number). */
export function convertToDtype(x: number, dtype: DType): number {
  return dtype === "bf16" ? roundBf16(x) : toInt8(x);
}

/** f(v) of the activation unit, rounded to fp32. v is already fp32. */
export function activationFunction(fn: number, v: number): number {
  switch (fn) {
    case ACT_IDENTITY:
      return v;
    case ACT_RELU:
      return v > 0 ? v : 0;
    case ACT_SIGMOID:
      return fround(1 / (1 + Math.exp(-v)));
    default:
      throw new Error(`internal: activation function ${fn}`);
  }
}

/** One activation-unit lane: accumulator value -> output in the data type. */
export function activate(acc: number, fn: number, inScale: number, outScale: number, dtype: DType): number {
  const v = fround(acc * inScale);
  const y = activationFunction(fn, v);
  return convertToDtype(fround(y * outScale), dtype);
}

/** f(a, b) of the vector unit, every intermediate rounded to fp32. */
export function vectorFunction(fn: number, a: number, b: number): number {
  switch (fn) {
    case VEC_ADD:
      return fround(a + b);
    case VEC_SUB:
      return fround(a - b);
    case VEC_MUL:
      return fround(a * b);
    case VEC_COPY:
      return a;
    case VEC_DSIGMUL:
      return fround(a * fround(b * fround(1 - b)));
    case VEC_DRELUMUL:
      return b > 0 ? a : 0;
    default:
      throw new Error(`internal: vector function ${fn}`);
  }
}

/** One vector-unit lane: dst = conv(fp32(imm * f(a, b))). */
export function vectorLane(fn: number, a: number, b: number, imm: number, dtype: DType): number {
  return convertToDtype(fround(imm * vectorFunction(fn, a, b)), dtype);
}

/**
 * Softmax of one row (VSMX): m = max_i x_i; e_i = exp(x_i - m) in float64; s = sum of e_i in
 * index order in float64; out_i = conv(fp32(e_i / s)). `x` holds the decoded source values; the
 * result is written to `out[0 .. x.length-1]`.
 */
export function softmaxRow(x: ArrayLike<number>, cols: number, out: Float64Array | Float32Array, dtype: DType): void {
  let m = -Infinity;
  for (let i = 0; i < cols; i++) if (x[i] > m) m = x[i];
  let s = 0;
  for (let i = 0; i < cols; i++) s += Math.exp(x[i] - m);
  for (let i = 0; i < cols; i++) out[i] = convertToDtype(fround(Math.exp(x[i] - m) / s), dtype);
}

/** SGD on an fp32 master weight. */
export function sgdStep(w: number, lr: number, g: number): number {
  return fround(w - fround(lr * g));
}

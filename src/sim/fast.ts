/**
 * Whole-instruction executors for fast mode. Same arithmetic, same addition order as the register
 * model (docs/ARCHITECTURE.md "Order of additions"): for vector b and column c the partial sum starts
 * at the accumulator (accumulating pass) or +0 and runs down the tile rows in order. Lanes past the
 * vector length or the tile's rows add +-0 and are skipped; the accumulator write adds +0 (no
 * negative zero), which is what the skipped lanes could have changed.
 */
import type { ActivationOp } from "../hw/activation-unit.js";
import { activate } from "../numerics/vector-ops.js";
import type { DType } from "../config/hw-config.js";

export interface PassOp {
  ub: number;
  ustride: number;
  vectors: number;
  cols: number;
  acc: number;
  accumulate: boolean;
}

/**
 * One pass through a tile. `weights` holds the bank (R x C, row-major from `wOffset`), `tileRows`
 * and `tileCols` its valid extent. Writes all C columns of each accumulator row, like the array.
 * Returns the flat accumulator index of the first non-finite result (bf16), or -1.
 */
export function fastPassFloat(
  ub: Float32Array, acc: Float32Array, weights: Float32Array, wOffset: number,
  R: number, C: number, tileRows: number, tileCols: number, op: PassOp, f32: Float32Array,
): number {
  const lanes = Math.min(op.cols, tileRows, R);
  let fault = -1;
  for (let b = 0; b < op.vectors; b++) {
    const row = (op.acc + b) * C;
    const x = op.ub + b * op.ustride;
    for (let c = 0; c < C; c++) f32[c] = op.accumulate ? acc[row + c] : 0;
    for (let r = 0; r < lanes; r++) {
      const a = ub[x + r];
      if (a === 0) continue;
      const w = wOffset + r * C;
      for (let c = 0; c < tileCols; c++) f32[c] += a * weights[w + c];
    }
    for (let c = 0; c < C; c++) {
      const v = f32[c] + 0;
      if ((v !== v || v === Infinity || v === -Infinity) && fault < 0) fault = row + c;
      acc[row + c] = v;
    }
  }
  return fault;
}

export function fastPassInt(
  ub: Float32Array, acc: Int32Array, weights: Float32Array, wOffset: number,
  R: number, C: number, tileRows: number, tileCols: number, op: PassOp, sums: Float64Array,
): void {
  const lanes = Math.min(op.cols, tileRows, R);
  for (let b = 0; b < op.vectors; b++) {
    const row = (op.acc + b) * C;
    const x = op.ub + b * op.ustride;
    for (let c = 0; c < C; c++) sums[c] = op.accumulate ? acc[row + c] : 0;
    for (let r = 0; r < lanes; r++) {
      const a = ub[x + r];
      if (a === 0) continue;
      const w = wOffset + r * C;
      for (let c = 0; c < tileCols; c++) sums[c] += a * weights[w + c];
    }
    for (let c = 0; c < C; c++) acc[row + c] = sums[c] | 0;
  }
}

/** Activation of `rows` accumulator rows into the unified buffer; returns first non-finite index or -1. */
export function fastActivation(
  acc: Float32Array | Int32Array, C: number, ub: Float32Array, op: ActivationOp, dtype: DType,
): number {
  let fault = -1;
  for (let i = 0; i < op.rows; i++) {
    const src = (op.acc + i) * C;
    const dst = op.ub + i * op.ustride;
    for (let c = 0; c < op.cols; c++) {
      const v = activate(acc[src + c], op.fn, op.inScale, op.outScale, dtype);
      if ((v !== v || v === Infinity || v === -Infinity) && fault < 0) fault = dst + c;
      ub[dst + c] = v;
    }
  }
  return fault;
}

/**
 * Vector unit: elementwise training math on unified-buffer matrices (VEC), transposes (VTR),
 * row-wise softmax (VSMX) and the SGD update of fp32 master weights from accumulator gradients (VSGD). Transaction level in both
 * modes; the controller times it (docs/ARCHITECTURE.md "Vector unit"). Each function returns the
 * index of the first non-finite value it wrote in bf16 mode, or -1.
 */
import type { DType } from "../config/hw-config.js";
import { sgdStep, softmaxRow, vectorLane } from "../numerics/vector-ops.js";

export interface VectorOp {
  fn: number;
  dst: number;
  dstride: number;
  a: number;
  astride: number;
  b: number;
  bstride: number;
  rows: number;
  cols: number;
  imm: number;
}

export function vectorElementwise(ub: Float32Array, op: VectorOp, dtype: DType): number {
  let fault = -1;
  for (let r = 0; r < op.rows; r++) {
    const d = op.dst + r * op.dstride;
    const a = op.a + r * op.astride;
    const b = op.b + r * op.bstride;
    for (let c = 0; c < op.cols; c++) {
      const v = vectorLane(op.fn, ub[a + c], ub[b + c], op.imm, dtype);
      if (!Number.isFinite(v) && fault < 0) fault = d + c;
      ub[d + c] = v;
    }
  }
  return fault;
}

/** dst[c][r] = src[r][c]; a staging copy makes overlapping blocks well defined. */
export function vectorTranspose(
  ub: Float32Array, src: number, sstride: number, rows: number, cols: number, dst: number, dstride: number,
  scratch: Float32Array,
): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scratch[c * rows + r] = ub[src + r * sstride + c];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) ub[dst + c * dstride + r] = scratch[c * rows + r];
}

export function vectorSgd(
  wm: Float32Array, wmAddr: number, wstride: number,
  acc: Float32Array | Int32Array, accRow: number, accCols: number,
  rows: number, cols: number, lr: number,
): number {
  let fault = -1;
  for (let r = 0; r < rows; r++) {
    const w = wmAddr + r * wstride;
    const g = (accRow + r) * accCols;
    for (let c = 0; c < cols; c++) {
      const v = sgdStep(wm[w + c], lr, acc[g + c]);
      if (!Number.isFinite(v) && fault < 0) fault = w + c;
      wm[w + c] = v;
    }
  }
  return fault;
}

/**
 * dst[r] = softmax(src[r]) for each of `rows` rows (numerics/vector-ops.ts softmaxRow). The whole
 * source block is staged before any destination element is written, so overlapping blocks are well
 * defined. Returns the first non-finite destination address, or -1.
 */
export function vectorSoftmax(
  ub: Float32Array, src: number, sstride: number, dst: number, dstride: number, rows: number, cols: number,
  dtype: DType, scratch: Float32Array,
): number {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scratch[r * cols + c] = ub[src + r * sstride + c];
  const out = new Float64Array(cols);
  let fault = -1;
  for (let r = 0; r < rows; r++) {
    softmaxRow(scratch.subarray(r * cols, (r + 1) * cols), cols, out, dtype);
    const d = dst + r * dstride;
    for (let c = 0; c < cols; c++) {
      if (!Number.isFinite(out[c]) && fault < 0) fault = d + c;
      ub[d + c] = out[c];
    }
  }
  return fault;
}

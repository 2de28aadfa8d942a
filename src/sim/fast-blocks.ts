/**
 * Fast mode's whole-instruction data movers for the DMA, the weight loader and the vector unit: the
 * same values the clocked units write element by element (docs/ARCHITECTURE.md "Fast mode"), moved
 * at issue. Each returns the first non-finite value it wrote in block order (the fault fast mode holds
 * until the cycle the detailed model would write it), or -1.
 */
import type { DType } from "../config/hw-config.js";
import { isFiniteWeight } from "../hw/vector-unit.js";
import { roundBf16InPlace } from "../numerics/bf16.js";
import { convertToDtype, sgdStep, softmaxRow, vectorLane } from "../numerics/vector-ops.js";
import type { TileRead } from "../hw/weight-loader.js";

export interface Block2D {
  rows: number;
  cols: number;
}

/** RHM. Returns the block index (r*cols + c) of the first non-finite value (bf16), or -1. */
export function hostToUnifiedBuffer(
  host: Float64Array, hostAddr: number, hostStride: number, ub: Float32Array, ubAddr: number, ubStride: number,
  shape: Block2D, dtype: DType, bits: Uint32Array,
): number {
  let fault = -1;
  for (let r = 0; r < shape.rows; r++) {
    const h = hostAddr + r * hostStride;
    const u = ubAddr + r * ubStride;
    if (dtype === "bf16") {
      // Float64 -> Float32 stores round to fp32; then the row rounds to bf16 in place.
      for (let c = 0; c < shape.cols; c++) ub[u + c] = host[h + c];
      const bad = roundBf16InPlace(ub, u, u + shape.cols, bits);
      if (bad >= 0 && fault < 0) fault = r * shape.cols + bad - u;
      continue;
    }
    for (let c = 0; c < shape.cols; c++) ub[u + c] = convertToDtype(Math.fround(host[h + c]), dtype);
  }
  return fault;
}

export function unifiedBufferToHost(
  ub: Float32Array, ubAddr: number, ubStride: number, host: Float64Array, hostAddr: number, hostStride: number, shape: Block2D,
): void {
  for (let r = 0; r < shape.rows; r++) {
    const u = ubAddr + r * ubStride;
    const h = hostAddr + r * hostStride;
    for (let c = 0; c < shape.cols; c++) host[h + c] = ub[u + c];
  }
}

/**
 * A whole tile into `tile` at `offset` (zero padding already in place): tile[r][c] =
 * src[addr + r*stride + c], or src[addr + c*stride + r] when transposed, converted to `convert`.
 * Returns the tile index (r*cols + c, row-major) of the first non-finite value (bf16), or -1.
 */
export function readTile(
  src: Float32Array, read: Readonly<TileRead>, tile: Float32Array, offset: number, C: number, convert: DType | null, bits: Uint32Array,
): number {
  const { addr, stride, rows, cols, transpose } = read;
  // Element (r, c) of the tile sits at addr + r*rs + c*cs in the source.
  const rs = transpose ? 1 : stride;
  const cs = transpose ? stride : 1;
  for (let r = 0; r < rows; r++) {
    const base = addr + r * rs;
    const t = offset + r * C;
    for (let c = 0; c < cols; c++) tile[t + c] = src[base + c * cs];
  }
  if (convert === "int8") {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) tile[offset + r * C + c] = convertToDtype(tile[offset + r * C + c], "int8");
    return -1;
  }
  if (convert !== "bf16") return -1;
  let fault = -1;
  for (let r = 0; r < rows; r++) {
    const t = offset + r * C;
    const bad = roundBf16InPlace(tile, t, t + cols, bits);
    if (bad >= 0 && fault < 0) fault = r * cols + bad - t;
  }
  return fault;
}

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

/** VEC. Returns the block index of the first non-finite result (any dtype; int8 never has one). */
export function vectorElementwise(ub: Float32Array, op: VectorOp, dtype: DType): number {
  let fault = -1;
  for (let r = 0; r < op.rows; r++) {
    const d = op.dst + r * op.dstride;
    const a = op.a + r * op.astride;
    const b = op.b + r * op.bstride;
    for (let c = 0; c < op.cols; c++) {
      const v = vectorLane(op.fn, ub[a + c], ub[b + c], op.imm, dtype);
      if (!Number.isFinite(v) && fault < 0) fault = r * op.cols + c;
      ub[d + c] = v;
    }
  }
  return fault;
}

/** VTR: dst[c][r] = src[r][c]; the block is staged first (the unit buffers it). */
export function vectorTranspose(
  ub: Float32Array, src: number, sstride: number, rows: number, cols: number, dst: number, dstride: number, scratch: Float32Array,
): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scratch[c * rows + r] = ub[src + r * sstride + c];
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) ub[dst + c * dstride + r] = scratch[c * rows + r];
}

/** VSGD. Returns the block index of the first weight whose master or bf16 copy is non-finite, or -1. */
export function vectorSgd(
  wm: Float32Array, wmAddr: number, wstride: number, acc: Float32Array | Int32Array, accRow: number, accCols: number,
  rows: number, cols: number, lr: number, dtype: DType,
): number {
  let fault = -1;
  for (let r = 0; r < rows; r++) {
    const w = wmAddr + r * wstride;
    const g = (accRow + r) * accCols;
    for (let c = 0; c < cols; c++) {
      const v = sgdStep(wm[w + c], lr, acc[g + c]);
      if (dtype === "bf16" && fault < 0 && !isFiniteWeight(v)) fault = r * cols + c;
      wm[w + c] = v;
    }
  }
  return fault;
}

/**
 * VSMX: dst[r] = softmax(src[r]) (numerics/vector-ops.ts softmaxRow). The source block is staged
 * before any destination element is written (the unit buffers it), so overlapping blocks are well
 * defined. `out` holds at least `cols`. Returns the block index of the first non-finite value, or -1.
 */
export function vectorSoftmax(
  ub: Float32Array, src: number, sstride: number, dst: number, dstride: number, rows: number, cols: number,
  dtype: DType, scratch: Float32Array, out: Float64Array,
): number {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scratch[r * cols + c] = ub[src + r * sstride + c];
  let fault = -1;
  for (let r = 0; r < rows; r++) {
    softmaxRow(scratch.subarray(r * cols, (r + 1) * cols), cols, out, dtype);
    const d = dst + r * dstride;
    for (let c = 0; c < cols; c++) {
      if (!Number.isFinite(out[c]) && fault < 0) fault = r * cols + c;
      ub[d + c] = out[c];
    }
  }
  return fault;
}

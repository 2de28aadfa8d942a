/**
 * Host DMA (TPU paper: "Host Interface", Read_Host_Memory / Write_Host_Memory). Transaction level in
 * both modes: the data moves as one block; its timing (bytes per cycle) is the controller's counter.
 * Host values cross the link as fp32 (rounded first), then convert to the array data type.
 * Returns the flat index of the first non-finite value written in bf16 mode, or -1.
 */
import type { DType } from "../config/hw-config.js";
import { roundBf16InPlace } from "../numerics/bf16.js";
import { convertToDtype } from "../numerics/vector-ops.js";

export interface Block2D {
  rows: number;
  cols: number;
}

export function hostToUnifiedBuffer(
  host: Float64Array, hostAddr: number, hostStride: number,
  ub: Float32Array, ubAddr: number, ubStride: number,
  shape: Block2D, dtype: DType,
): number {
  let fault = -1;
  const bits = dtype === "bf16" ? new Uint32Array(ub.buffer, ub.byteOffset, ub.length) : undefined;
  for (let r = 0; r < shape.rows; r++) {
    const h = hostAddr + r * hostStride;
    const u = ubAddr + r * ubStride;
    if (dtype === "bf16") {
      // Float64 -> Float32 stores round to fp32; then the row rounds to bf16 in place.
      for (let c = 0; c < shape.cols; c++) ub[u + c] = host[h + c];
      const bad = roundBf16InPlace(ub, u, u + shape.cols, bits);
      if (bad >= 0 && fault < 0) fault = bad;
      continue;
    }
    for (let c = 0; c < shape.cols; c++) {
      const v = convertToDtype(Math.fround(host[h + c]), dtype);
      if (!Number.isFinite(v) && fault < 0) fault = u + c;
      ub[u + c] = v;
    }
  }
  return fault;
}

export function unifiedBufferToHost(
  ub: Float32Array, ubAddr: number, ubStride: number,
  host: Float64Array, hostAddr: number, hostStride: number,
  shape: Block2D,
): void {
  for (let r = 0; r < shape.rows; r++) {
    const u = ubAddr + r * ubStride;
    const h = hostAddr + r * hostStride;
    for (let c = 0; c < shape.cols; c++) host[h + c] = ub[u + c];
  }
}

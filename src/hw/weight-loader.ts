/**
 * Weight loader: fills the weight FIFO's staging tile from weight memory (RDW, converting fp32 master
 * weights to the array data type on the way) or from the unified buffer (RDWU). Transaction level:
 * the controller times the transfer and pushes the tile at completion. Padding is zero (only the
 * previous tile's extent needs clearing: `dirtyRows` x `dirtyCols`).
 */
import type { DType } from "../config/hw-config.js";
import { roundBf16InPlace } from "../numerics/bf16.js";
import { convertToDtype } from "../numerics/vector-ops.js";

export interface TileRead {
  addr: number;
  stride: number;
  rows: number;
  cols: number;
  transpose: boolean;
}

/**
 * tile[r][c] = src[addr + r*stride + c], or src[addr + c*stride + r] when transposed. Returns the
 * source index of the first non-finite value (a fault in bf16 mode), or -1.
 */
export function readTile(
  src: Float32Array, read: TileRead, tile: Float32Array, C: number, convert: DType | null,
  dirtyRows = Math.floor(tile.length / C), dirtyCols = C,
): number {
  for (let r = 0; r < dirtyRows; r++) for (let c = 0; c < dirtyCols; c++) tile[r * C + c] = 0;
  const { addr, stride, rows, cols, transpose } = read;
  // Element (r, c) of the tile sits at addr + r*rs + c*cs in the source.
  const rs = transpose ? 1 : stride;
  const cs = transpose ? stride : 1;
  for (let r = 0; r < rows; r++) {
    const base = addr + r * rs;
    const t = r * C;
    for (let c = 0; c < cols; c++) tile[t + c] = src[base + c * cs];
  }
  if (convert === "int8") {
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) tile[r * C + c] = convertToDtype(tile[r * C + c], "int8");
    return -1;
  }
  let fault = -1;
  const bits = new Uint32Array(tile.buffer, tile.byteOffset, tile.length);
  for (let r = 0; r < rows && fault < 0; r++) {
    const bad = convert === "bf16" ? roundBf16InPlace(tile, r * C, r * C + cols, bits) : firstNonFinite(tile, r * C, r * C + cols);
    if (bad >= 0) fault = addr + r * rs + (bad - r * C) * cs;
  }
  if (fault >= 0 && convert === "bf16") {
    for (let r = 0; r < rows; r++) roundBf16InPlace(tile, r * C, r * C + cols, bits);
  }
  return fault;
}

function firstNonFinite(a: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/**
 * Weight loader: fills the weight FIFO's staging tile from weight memory (RDW, converting fp32 master
 * weights to the array data type on the way) or from the unified buffer (RDWU). Transaction level:
 * the controller times the transfer and pushes the tile at completion. Padding is zero.
 */
import type { DType } from "../config/hw-config.js";
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
): number {
  let fault = -1;
  tile.fill(0);
  for (let r = 0; r < read.rows; r++) {
    for (let c = 0; c < read.cols; c++) {
      const i = read.transpose ? read.addr + c * read.stride + r : read.addr + r * read.stride + c;
      const v = src[i];
      if (!Number.isFinite(v) && fault < 0) fault = i;
      tile[r * C + c] = convert === null ? v : convertToDtype(v, convert);
    }
  }
  return fault;
}

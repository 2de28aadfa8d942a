/**
 * Tile buffers are R x C with zero padding outside the tile's rows x cols. Copies clear the old extent
 * and write the new one, so their cost follows the tile's size rather than the array's (a 16 x 16
 * tile on a 256 x 256 array moves 256 values, not 65,536). The stored values are the same as a full
 * copy's.
 */
export function copyTileExtent(
  src: Float32Array, srcOffset: number, dst: Float32Array | Int32Array, dstOffset: number, C: number,
  rows: number, cols: number, oldRows: number, oldCols: number,
): void {
  for (let r = 0; r < oldRows; r++) {
    const d = dstOffset + r * C;
    for (let c = 0; c < oldCols; c++) dst[d + c] = 0;
  }
  for (let r = 0; r < rows; r++) {
    const s = srcOffset + r * C;
    const d = dstOffset + r * C;
    for (let c = 0; c < cols; c++) dst[d + c] = src[s + c];
  }
}

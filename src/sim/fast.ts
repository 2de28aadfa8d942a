/**
 * Whole-instruction executors for fast mode. Same arithmetic, same addition order as the register
 * model (docs/ARCHITECTURE.md "Order of additions"): for vector b and column c the partial sum starts
 * at the accumulator (accumulating pass) or +0 and runs down the tile rows in order. Products with a
 * zero factor (padding lanes, zero activations, zero weights) add +-0 and are skipped; the
 * accumulator write adds +0 (no negative zero), which is all the skipped terms could have changed.
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
 * Nonzero weights of the two banks, row by row, with their values: fast mode's passes skip products
 * with a zero factor (they add +-0, which changes no value; the accumulator write normalises the
 * sign of zero). Built when a tile starts shifting into a bank, straight from its FIFO slot: fast
 * mode keeps no other copy of the banks.
 */
export class BankNonzeros {
  readonly rowStart: Int32Array[];
  readonly cols: Int32Array[];
  readonly values: Float32Array[];

  constructor(
    private readonly R: number,
    private readonly C: number,
  ) {
    this.rowStart = [new Int32Array(R + 1), new Int32Array(R + 1)];
    this.cols = [new Int32Array(R * C), new Int32Array(R * C)];
    this.values = [new Float32Array(R * C), new Float32Array(R * C)];
  }

  /** Scan the tile's valid extent (outside it every weight is zero). */
  build(bank: number, weights: Float32Array, offset: number, tileRows: number, tileCols: number): void {
    const { R, C } = this;
    const start = this.rowStart[bank];
    const cols = this.cols[bank];
    const values = this.values[bank];
    let n = 0;
    for (let r = 0; r < R; r++) {
      start[r] = n;
      if (r >= tileRows) continue;
      const base = offset + r * C;
      for (let c = 0; c < tileCols; c++) {
        const w = weights[base + c];
        if (w !== 0) {
          cols[n] = c;
          values[n++] = w;
        }
      }
    }
    start[R] = n;
  }
}

/**
 * One pass through a tile, given its nonzero weights row by row (`rowStart`, `nzCols`, `nzValues`). Writes all C columns of each accumulator row, like the array. Returns the flat
 * accumulator index of the non-finite result the array would write first (bf16): result (b, c) is
 * written at t0 + b + R + c + 1, so the lowest b + c, then the lowest column; -1 when none.
 */
export function fastPassFloat(
  ub: Float32Array, acc: Float32Array, R: number, C: number, tileCols: number,
  rowStart: Int32Array, nzCols: Int32Array, nzValues: Float32Array, op: PassOp, f32: Float32Array,
): number {
  const lanes = Math.min(op.cols, R);
  let fault = -1;
  let faultKey = Number.POSITIVE_INFINITY;
  for (let b = 0; b < op.vectors; b++) {
    const row = (op.acc + b) * C;
    const x = op.ub + b * op.ustride;
    // Columns past the tile get acc + 0 (unchanged: the accumulators hold no -0) or 0.
    if (op.accumulate) for (let c = 0; c < tileCols; c++) f32[c] = acc[row + c];
    else {
      f32.fill(0, 0, tileCols);
      acc.fill(0, row + tileCols, row + C);
    }
    for (let r = 0; r < lanes; r++) {
      const a = ub[x + r];
      if (a === 0) continue;
      for (let j = rowStart[r], end = rowStart[r + 1]; j < end; j++) f32[nzCols[j]] += a * nzValues[j];
    }
    for (let c = 0; c < tileCols; c++) {
      const v = f32[c] + 0;
      if ((v !== v || v === Infinity || v === -Infinity) && (b + c) * C + c < faultKey) {
        faultKey = (b + c) * C + c;
        fault = row + c;
      }
      acc[row + c] = v;
    }
  }
  return fault;
}

export function fastPassInt(
  ub: Float32Array, acc: Int32Array, R: number, C: number, tileCols: number,
  rowStart: Int32Array, nzCols: Int32Array, nzValues: Float32Array, op: PassOp, sums: Float64Array,
): void {
  const lanes = Math.min(op.cols, R);
  for (let b = 0; b < op.vectors; b++) {
    const row = (op.acc + b) * C;
    const x = op.ub + b * op.ustride;
    for (let c = 0; c < tileCols; c++) sums[c] = op.accumulate ? acc[row + c] : 0;
    if (!op.accumulate) acc.fill(0, row + tileCols, row + C);
    for (let r = 0; r < lanes; r++) {
      const a = ub[x + r];
      if (a === 0) continue;
      for (let j = rowStart[r], end = rowStart[r + 1]; j < end; j++) sums[nzCols[j]] += a * nzValues[j];
    }
    for (let c = 0; c < tileCols; c++) acc[row + c] = sums[c] | 0;
  }
}

/** Activation of `rows` accumulator rows into the unified buffer; returns the block index (i*cols + c) of the first non-finite output, or -1. */
export function fastActivation(
  acc: Float32Array | Int32Array, C: number, ub: Float32Array, op: ActivationOp, dtype: DType,
): number {
  let fault = -1;
  for (let i = 0; i < op.rows; i++) {
    const src = (op.acc + i) * C;
    const dst = op.ub + i * op.ustride;
    for (let c = 0; c < op.cols; c++) {
      const v = activate(acc[src + c], op.fn, op.inScale, op.outScale, dtype);
      if ((v !== v || v === Infinity || v === -Infinity) && fault < 0) fault = i * op.cols + c;
      ub[dst + c] = v;
    }
  }
  return fault;
}

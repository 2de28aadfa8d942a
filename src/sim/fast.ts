/**
 * Whole-instruction executors for fast mode. Same arithmetic, same addition order as the register
 * model (docs/ARCHITECTURE.md "Order of additions"): for vector b and column c the partial sum starts
 * at the accumulator (accumulating pass) or +0 and runs down the tile rows in order. Products with a
 * zero factor (padding lanes, zero activations, zero weights) add +-0 and are skipped; the
 * accumulator write adds +0 (no negative zero), which is all the skipped terms could have changed.
 * Big passes run in WebAssembly SIMD kernels (pass-kernels.ts) with the same numbers.
 */
import type { ActivationOp } from "../hw/activation-unit.js";
import { activate } from "../numerics/vector-ops.js";
import type { DType } from "../config/hw-config.js";
import { DECLINED, KERNEL_CHUNK, PassKernels } from "./pass-kernels.js";

export interface PassOp {
  ub: number;
  ustride: number;
  vectors: number;
  cols: number;
  acc: number;
  accumulate: boolean;
}

/** Below this many multiply-accumulates per chunk the JavaScript pass is as fast as a kernel call. */
const KERNEL_MIN_MACS = 4096;
/** Narrow tiles (a 16-wide MNIST layer) gain little from SIMD and pay the copies: JavaScript runs them. */
const KERNEL_MIN_COLS = 32;

/**
 * The two weight banks as fast mode's passes see them. Per bank: the nonzero weights row by row with
 * their values (the JavaScript pass skips products with a zero factor: they add +-0, which changes
 * no value; the accumulator write normalises the sign of zero), and the tile packed for the SIMD
 * kernels (pass-kernels.ts), packed from the nonzeros on first use. Built when a tile starts
 * shifting into a bank, straight from its FIFO slot: fast mode keeps no other copy of the banks.
 */
export class BankNonzeros {
  readonly rowStart: Int32Array[];
  readonly cols: Int32Array[];
  readonly values: Float32Array[];
  /** Built on first use: a module compile costs milliseconds, and small arrays never need it. */
  private compiled: PassKernels | null = null;
  readonly tileRows = new Int32Array(2);
  /** 0 not packed since the tile arrived, 1 packed for int8, 2 for bf16. */
  private readonly packed = new Uint8Array(2);
  /** Tests turn the kernels off to compare them with the JavaScript pass. */
  useKernels = true;

  constructor(
    private readonly R: number,
    private readonly C: number,
  ) {
    this.rowStart = [new Int32Array(R + 1), new Int32Array(R + 1)];
    this.cols = [new Int32Array(R * C), new Int32Array(R * C)];
    this.values = [new Float32Array(R * C), new Float32Array(R * C)];
  }

  get kernels(): PassKernels {
    this.compiled ??= new PassKernels(this.R, this.C);
    return this.compiled;
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
    this.tileRows[bank] = tileRows;
    this.packed[bank] = 0;
  }

  /** Whether chunks of this pass go to the kernels; packs the bank's tile on first use. */
  kernelFor(bank: number, int: boolean, tileCols: number, op: PassOp): boolean {
    if (!this.useKernels || tileCols < KERNEL_MIN_COLS) return false;
    const lanes = Math.min(op.cols, this.R, this.tileRows[bank]);
    if (Math.min(op.vectors, KERNEL_CHUNK) * lanes * tileCols < KERNEL_MIN_MACS) return false;
    const want = int ? 1 : 2;
    if (this.packed[bank] !== want) {
      this.kernels.packTile(bank, int, this.rowStart[bank], this.cols[bank], this.values[bank], this.tileRows[bank], tileCols);
      this.packed[bank] = want;
    }
    return this.kernels.canRun(bank);
  }
}

/**
 * One pass through the tile in `bank` (its nonzeros and packed copy in `banks`). Writes all C
 * columns of each accumulator row, like the array. Returns the flat accumulator index of the
 * non-finite result the array would write first (bf16): result (b, c) is written at
 * t0 + b + R + c + 1, so the lowest b + c, then the lowest column; -1 when none.
 */
export function fastPassFloat(
  ub: Float32Array, acc: Float32Array, R: number, C: number, tileCols: number,
  banks: BankNonzeros, bank: number, op: PassOp, f32: Float32Array,
): number {
  const rowStart = banks.rowStart[bank];
  const nzCols = banks.cols[bank];
  const nzValues = banks.values[bank];
  if (!banks.kernelFor(bank, false, tileCols, op)) {
    return jsPassFloat(ub, acc, R, C, tileCols, rowStart, nzCols, nzValues, op, 0, op.vectors, f32);
  }
  let bad = false;
  for (let v0 = 0; v0 < op.vectors; v0 += KERNEL_CHUNK) {
    const n = Math.min(KERNEL_CHUNK, op.vectors - v0);
    let chunk = banks.kernels.passFloat(ub, acc, bank, op, v0, n);
    if (chunk === DECLINED) chunk = jsPassFloat(ub, acc, R, C, tileCols, rowStart, nzCols, nzValues, op, v0, n, f32);
    if (chunk >= 0) bad = true;
  }
  // Rare: a later chunk can hold a result the array writes earlier (lower b + c), so look at them all.
  return bad ? firstNonFinite(acc, C, tileCols, op) : -1;
}

export function fastPassInt(
  ub: Float32Array, acc: Int32Array, R: number, C: number, tileCols: number,
  banks: BankNonzeros, bank: number, op: PassOp, sums: Float64Array,
): void {
  const rowStart = banks.rowStart[bank];
  const nzCols = banks.cols[bank];
  const nzValues = banks.values[bank];
  if (!banks.kernelFor(bank, true, tileCols, op)) {
    jsPassInt(ub, acc, R, C, tileCols, rowStart, nzCols, nzValues, op, 0, op.vectors, sums);
    return;
  }
  for (let v0 = 0; v0 < op.vectors; v0 += KERNEL_CHUNK) {
    const n = Math.min(KERNEL_CHUNK, op.vectors - v0);
    if (!banks.kernels.passInt(ub, acc, bank, op, v0, n)) jsPassInt(ub, acc, R, C, tileCols, rowStart, nzCols, nzValues, op, v0, n, sums);
  }
}

/** The result of `op` the array writes first among the non-finite ones (lowest b + c, then c), or -1. */
function firstNonFinite(acc: Float32Array, C: number, tileCols: number, op: PassOp): number {
  let fault = -1;
  let faultKey = Number.POSITIVE_INFINITY;
  for (let b = 0; b < op.vectors; b++) {
    const row = (op.acc + b) * C;
    for (let c = 0; c < tileCols; c++) {
      const v = acc[row + c];
      if ((v !== v || v === Infinity || v === -Infinity) && (b + c) * C + c < faultKey) {
        faultKey = (b + c) * C + c;
        fault = row + c;
      }
    }
  }
  return fault;
}

/**
 * Vectors [v0, v0 + n) of a bf16 pass, in JavaScript: products with a zero factor skipped. Returns
 * the result among them the array writes first that is non-finite (see fastPassFloat), or -1.
 */
function jsPassFloat(
  ub: Float32Array, acc: Float32Array, R: number, C: number, tileCols: number,
  rowStart: Int32Array, nzCols: Int32Array, nzValues: Float32Array, op: PassOp, v0: number, n: number, f32: Float32Array,
): number {
  const lanes = Math.min(op.cols, R);
  let fault = -1;
  let faultKey = Number.POSITIVE_INFINITY;
  for (let b = v0; b < v0 + n; b++) {
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

/**
 * Vectors [v0, v0 + n) of an int8 pass, in JavaScript. Each vector's sum starts from the int32
 * accumulator and adds at most R products of magnitude <= 2^14, so it is exact in float64 and `| 0`
 * wraps it to int32 as the array's adders do.
 */
function jsPassInt(
  ub: Float32Array, acc: Int32Array, R: number, C: number, tileCols: number,
  rowStart: Int32Array, nzCols: Int32Array, nzValues: Float32Array, op: PassOp, v0: number, n: number, sums: Float64Array,
): void {
  const lanes = Math.min(op.cols, R);
  for (let b = v0; b < v0 + n; b++) {
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

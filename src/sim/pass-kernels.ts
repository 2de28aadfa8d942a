/**
 * Fast mode's whole-pass kernels in WebAssembly SIMD: the same numbers as fast.ts's JavaScript
 * passes, 10-20 times faster on big tiles. Each kernel computes 4 vectors x 8 columns in registers
 * and walks the tile rows in order, so every column's partial sum is still one chain in k order:
 *
 * - int8: `i32x4.dot_i16x8_s` multiplies two lanes at once and adds in int32 with wrap-around. Integer
 *   addition modulo 2^32 does not depend on order, so this is exactly the register model's int32 sum
 *   for any K (the accumulators carry the wrapped value from pass to pass, as in the array).
 * - bf16: `f32x4.mul` then `f32x4.add`. The product of two bf16 values has at most 16 significant
 *   bits, so it is exact in fp32 as long as it is neither subnormal nor overflowing; then one
 *   correctly rounded fp32 addition equals the register model's `fp32(p + a*w)` (computed in float64
 *   and rounded once: double rounding is innocuous for a sum of two fp32 values, 53 >= 2*24 + 2).
 *   A tile or vector with a nonzero magnitude outside [2^-60, 2^60] (products could leave the exact
 *   range) is left to the JavaScript pass.
 *
 * Inputs are copied into the module's memory in chunks of vectors (int8 as int16 pairs, bf16 as
 * fp32), the pass runs, and the tile's columns are copied back. Weights are packed once per tile,
 * from the bank's nonzero weights, the first time a pass through it runs here.
 */
import { F32_SAFE_MAX, F32_SAFE_MIN, passKernelModule, type FloatPass, type Kernel, type Pack } from "./pass-kernel-code.js";

/** Vectors per chunk: small enough that a chunk's inputs and sums stay in the L2 cache. */
const CHUNK = 256;
const PAGE = 65536;

/** A pass as the kernels see it (the fields of MMUL they use). */
export interface KernelPass {
  ub: number;
  ustride: number;
  vectors: number;
  cols: number;
  acc: number;
  accumulate: boolean;
}

export class PassKernels {
  private readonly int8: Kernel;
  private readonly float: Kernel;
  private readonly pack: Pack;
  private readonly checkFloat: FloatPass;
  private readonly finishFloat: FloatPass;
  private readonly i16: Int16Array;
  private readonly i32: Int32Array;
  private readonly f32: Float32Array;
  /** Padded columns (a multiple of 8) and the byte offsets of the regions. */
  private readonly cp: number;
  private readonly wBase: [number, number];
  private readonly aBase: number;
  private readonly accBase: number;
  /** int8: fp32 inputs staged here, then packed to int16 at aBase by the pack kernel. */
  private readonly stageBase: number;
  /** Per bank: packed tile extent, and whether the kernels may run it. */
  private readonly rows = new Int32Array(2);
  private readonly cols = new Int32Array(2);
  private readonly usable = new Uint8Array(2);
  /** Nonzero weights of each bank's tile (the JavaScript pass's work per nonzero input is that over the rows). */
  private readonly nonzeros = new Int32Array(2);
  /** Chunks the kernels computed (tests check that a comparison did exercise them). */
  chunks = 0;

  constructor(
    private readonly R: number,
    private readonly C: number,
  ) {
    this.cp = Math.ceil(C / 8) * 8;
    const rEven = R + (R & 1);
    const wBytes = rEven * this.cp * 4;
    this.wBase = [0, wBytes];
    this.aBase = 2 * wBytes;
    this.accBase = this.aBase + CHUNK * rEven * 4;
    this.stageBase = this.accBase + CHUNK * this.cp * 4;
    const bytes = this.stageBase + CHUNK * rEven * 4;
    const module = passKernelModule(Math.ceil(bytes / PAGE));
    const exports = new WebAssembly.Instance(module, {}).exports as {
      mem: WebAssembly.Memory; int8: Kernel; float: Kernel; pack: Pack; checkFloat: FloatPass; finishFloat: FloatPass;
    };
    this.int8 = exports.int8;
    this.float = exports.float;
    this.pack = exports.pack;
    this.checkFloat = exports.checkFloat;
    this.finishFloat = exports.finishFloat;
    this.i16 = new Int16Array(exports.mem.buffer);
    this.i32 = new Int32Array(exports.mem.buffer);
    this.f32 = new Float32Array(exports.mem.buffer);
  }

  /** Whether passes through `bank` can run here (its weights are in range). */
  canRun(bank: number): boolean {
    return this.usable[bank] === 1;
  }

  /**
   * Packs the tile in `bank` for int8 or bf16 passes from its nonzero weights row by row (`rowStart`,
   * `nzCols`, `nzValues`, as fast.ts's BankNonzeros keeps them); valid extent rows x cols.
   */
  packTile(bank: number, int: boolean, rowStart: Int32Array, nzCols: Int32Array, nzValues: Float32Array, rows: number, cols: number): void {
    const { cp } = this;
    this.rows[bank] = rows;
    this.cols[bank] = cols;
    let ok = true;
    if (int) {
      // Pair row p holds (w[2p][c], w[2p+1][c]) for each column: what dot_i16x8 multiplies with (a[2p], a[2p+1]).
      const w16 = this.i16;
      const base = this.wBase[bank] >> 1;
      const pairs = (rows + 1) >> 1;
      w16.fill(0, base, base + pairs * cp * 2);
      for (let r = 0; r < rows; r++) {
        const dst = base + (r >> 1) * cp * 2 + (r & 1);
        for (let j = rowStart[r], end = rowStart[r + 1]; j < end; j++) {
          const v = nzValues[j];
          if (!(v >= -128 && v <= 128 && Math.floor(v) === v)) ok = false;
          w16[dst + 2 * nzCols[j]] = v;
        }
      }
    } else {
      const w32 = this.f32;
      const base = this.wBase[bank] >> 2;
      w32.fill(0, base, base + rows * cp);
      for (let r = 0; r < rows; r++) {
        const dst = base + r * cp;
        for (let j = rowStart[r], end = rowStart[r + 1]; j < end; j++) {
          const v = nzValues[j];
          const m = Math.abs(v);
          if (!(m >= F32_SAFE_MIN && m <= F32_SAFE_MAX)) ok = false;
          w32[dst + nzCols[j]] = v;
        }
      }
    }
    this.usable[bank] = ok ? 1 : 0;
    this.nonzeros[bank] = rowStart[rows] - rowStart[0];
  }

  /**
   * Whether the kernel beats the JavaScript pass on a chunk with `nonzeroInputs` nonzero inputs: that
   * pass skips zero factors (MNIST pixels are mostly 0), costing about one step per nonzero input per
   * nonzero weight in its row; the kernel costs its whole padded tile at `macsPerStep` per step, plus
   * the copies in and out.
   */
  private worthIt(bank: number, nonzeroInputs: number, vectors: number, lanes: number, macsPerStep: number): boolean {
    const scalar = (nonzeroInputs * this.nonzeros[bank]) / Math.max(1, this.rows[bank]);
    const simd = (vectors * lanes * this.cp) / macsPerStep + vectors * (lanes + 2 * this.cols[bank]);
    return scalar > simd;
  }

  /**
   * int8 pass over vectors [v0, v0 + n) of `op`; returns false (and changes nothing) when an input
   * is out of the kernel's range or the chunk is sparse enough for the JavaScript pass to be faster,
   * so the caller runs that chunk in JavaScript.
   */
  passInt(ub: Float32Array, acc: Int32Array, bank: number, op: KernelPass, v0: number, n: number): boolean {
    const { cp, C, i32, f32 } = this;
    const lanes = Math.min(op.cols, this.R, this.rows[bank]);
    const aRow = lanes + (lanes & 1);
    const pairs = aRow >> 1;
    const padded = (n + 3) & ~3;
    // Rows copied as fp32 (one memcpy each), then converted and checked in SIMD.
    const stage = this.stageBase >> 2;
    for (let v = 0; v < n; v++) {
      const x = op.ub + (v0 + v) * op.ustride;
      f32.set(ub.subarray(x, x + lanes), stage + v * aRow);
      if (lanes & 1) f32[stage + v * aRow + lanes] = 0;
    }
    const count = (padded * aRow + 7) & ~7;
    f32.fill(0, stage + n * aRow, stage + count);
    const nonzeroInputs = this.pack(this.stageBase, this.aBase, count);
    if (nonzeroInputs < 0) return false;
    if (!this.worthIt(bank, nonzeroInputs, padded, lanes, 8)) return false;
    const tileCols = this.cols[bank];
    const s0 = this.accBase >> 2;
    const first = (op.acc + v0) * C;
    // Whole rows line up when the tile spans every column and C is a multiple of 8: one copy each way.
    const whole = tileCols === C && cp === C;
    if (!op.accumulate) i32.fill(0, s0, s0 + n * cp);
    else if (whole) i32.set(acc.subarray(first, first + n * C), s0);
    else for (let v = 0; v < n; v++) copyRow(acc, first + v * C, i32, s0 + v * cp, tileCols);
    this.chunks++;
    this.int8(this.aBase, this.wBase[bank], this.accBase, padded, pairs, aRow * 2, cp * 4);
    if (whole) acc.set(i32.subarray(s0, s0 + n * C), first);
    else {
      for (let v = 0; v < n; v++) {
        const row = first + v * C;
        copyRow(i32, s0 + v * cp, acc, row, tileCols);
        if (!op.accumulate) acc.fill(0, row + tileCols, row + C);
      }
    }
    return true;
  }

  /**
   * bf16 pass over vectors [v0, v0 + n): the flat accumulator index of the first non-finite result,
   * or -1; DECLINED (nothing changed) when an input is outside the exact range or the chunk is
   * sparse enough for the JavaScript pass to be faster.
   */
  passFloat(ub: Float32Array, acc: Float32Array, bank: number, op: KernelPass, v0: number, n: number): number {
    const { cp, C, f32 } = this;
    const lanes = Math.min(op.cols, this.R, this.rows[bank]);
    const a0 = this.aBase >> 2;
    const padded = (n + 3) & ~3;
    for (let v = 0; v < n; v++) {
      const x = op.ub + (v0 + v) * op.ustride;
      f32.set(ub.subarray(x, x + lanes), a0 + v * lanes);
    }
    const count = (padded * lanes + 3) & ~3;
    f32.fill(0, a0 + n * lanes, a0 + count);
    const nonzeroInputs = this.checkFloat(this.aBase, count);
    if (nonzeroInputs < 0 || !this.worthIt(bank, nonzeroInputs, padded, lanes, 4)) return DECLINED;
    const tileCols = this.cols[bank];
    const s0 = this.accBase >> 2;
    const first = (op.acc + v0) * C;
    const whole = tileCols === C && cp === C;
    if (!op.accumulate) f32.fill(0, s0, s0 + n * cp);
    else if (whole) f32.set(acc.subarray(first, first + n * C), s0);
    else for (let v = 0; v < n; v++) copyFloatRow(acc, first + v * C, f32, s0 + v * cp, tileCols);
    this.chunks++;
    this.float(this.aBase, this.wBase[bank], this.accBase, padded, lanes, lanes * 4, cp * 4);
    const finite = this.finishFloat(this.accBase, n * cp) === 1;
    if (whole) acc.set(f32.subarray(s0, s0 + n * C), first);
    else {
      for (let v = 0; v < n; v++) {
        const row = first + v * C;
        copyFloatRow(f32, s0 + v * cp, acc, row, tileCols);
        if (!op.accumulate) acc.fill(0, row + tileCols, row + C);
      }
    }
    if (finite) return -1;
    // Rare: find the first non-finite result in block order, as the array would report it.
    for (let v = 0; v < n; v++) {
      for (let c = 0; c < tileCols; c++) {
        const x = acc[first + v * C + c];
        if (x !== x || x === Infinity || x === -Infinity) return first + v * C + c;
      }
    }
    return -1;
  }
}

function copyRow(from: Int32Array, at: number, to: Int32Array, dst: number, n: number): void {
  for (let i = 0; i < n; i++) to[dst + i] = from[at + i];
}

function copyFloatRow(from: Float32Array, at: number, to: Float32Array, dst: number, n: number): void {
  for (let i = 0; i < n; i++) to[dst + i] = from[at + i];
}

/** passFloat's answer when an input is out of range: nothing was changed. */
export const DECLINED = -3;

export { CHUNK as KERNEL_CHUNK };

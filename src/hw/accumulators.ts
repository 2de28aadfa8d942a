/**
 * Accumulators (TPU paper: "Accumulators", 4096 x 256 x 32-bit in TPU v1).
 *
 * Registers:
 *   data[rows*C]        Int32Array | Float32Array  the accumulator SRAM                     reset 0
 *   ring of N = R+C+2 control entries, one per cycle a vector was read for the array:
 *     ctrlValid, ctrlRow (accumulator row), ctrlAccumulate, ctrlPass (pass id), ctrlLast
 *   staged writes: one per column per cycle (writeRow, writeValue, writePending)
 *   psumReaders: how many columns read an accumulating psum input this cycle (the entries latched
 *                at t-C .. t-1 that accumulate), kept as a count so the port request is O(1)
 * Inputs:  the control entry of the vector entering the array this cycle; the array's bottom row.
 * Outputs: top[c], the partial sum entering column c (the accumulator value for an accumulating
 *          pass, else 0) — a function of current registers only; `psumReaders` (the matrix unit
 *          holds one accumulator read port while it is > 0); values read and written per cycle.
 * Timing:  column c reads the top input of the vector latched at t-1-c and writes the result of the
 *          vector latched at t-R-1-c (docs/ARCHITECTURE.md "MatrixMultiply").
 * A bf16 write stores s + 0 (no negative zero); a non-finite value is latched as a fault.
 */
import type { HwConfig } from "../config/hw-config.js";

/** The array's bottom row as the accumulators read it: bottom(t, c), or its psum ring directly. */
export interface BottomRow {
  bottom(t: number, c: number): number;
  readonly psum?: Float32Array | Int32Array;
  bottomOffset?(t: number): number;
}

export class Accumulators {
  readonly rows: number;
  readonly C: number;
  private readonly R: number;
  private readonly int: boolean;
  readonly data: Float32Array | Int32Array;
  readonly top: Float32Array | Int32Array;
  private readonly N: number;
  private readonly ctrlValid: Uint8Array;
  private readonly ctrlRow: Int32Array;
  private readonly ctrlAccumulate: Uint8Array;
  private readonly ctrlPass: Int32Array;
  private readonly ctrlLast: Uint8Array;
  private readonly writeRow: Int32Array;
  private readonly writeValue: Float64Array;
  private readonly writePending: Uint8Array;
  /** Control entry for the vector latched this cycle (set by the datapath before evaluate). */
  inValid = 0;
  inRow = 0;
  inAccumulate = 0;
  inPass = 0;
  inLast = 0;
  /** Pass whose last result was written in the last committed cycle, and when (-1: none). */
  completedPass = -1;
  completedCycle = -1;
  private completingPass = -1;
  /** Column slices read (psum inputs) and written (results) in the last committed cycle. */
  valuesRead = 0;
  valuesWritten = 0;
  psumReaders = 0;
  faultRow = -1;
  faultCol = -1;
  /** Pass (pc) whose result was the fault. */
  faultPass = -1;
  private readonly writePass: Int32Array;
  /** top[] may hold nonzeros / writes may be staged (skips idle clears and scans). */
  private topDirty = false;
  private pendingWrites = false;
  /** mod(t, N) of cycle phaseT, stepped by one when t follows the last cycle asked for (no modulo). */
  private phaseT = 0;
  private phase = 0;

  /** `top`: a buffer of C elements to compute top[] into (the array's SIMD kernel reads it from its own memory). */
  constructor(cfg: Readonly<HwConfig>, top: Int32Array | Float32Array | null = null) {
    this.rows = cfg.accumulatorRows;
    this.C = cfg.cols;
    this.R = cfg.rows;
    this.int = cfg.dtype === "int8";
    this.data = this.int ? new Int32Array(this.rows * this.C) : new Float32Array(this.rows * this.C);
    this.top = top ?? (this.int ? new Int32Array(this.C) : new Float32Array(this.C));
    this.N = this.R + this.C + 2;
    this.ctrlValid = new Uint8Array(this.N);
    this.ctrlRow = new Int32Array(this.N);
    this.ctrlAccumulate = new Uint8Array(this.N);
    this.ctrlPass = new Int32Array(this.N);
    this.ctrlLast = new Uint8Array(this.N);
    this.writeRow = new Int32Array(this.C);
    this.writeValue = new Float64Array(this.C);
    this.writePending = new Uint8Array(this.C);
    this.writePass = new Int32Array(this.C);
  }

  /** The ring slot of cycle t + d (-N < d <= 0). */
  private slotOf(t: number, d: number): number {
    if (t !== this.phaseT) {
      this.phase = t === this.phaseT + 1 ? (this.phase === this.N - 1 ? 0 : this.phase + 1) : ((t % this.N) + this.N) % this.N;
      this.phaseT = t;
    }
    const s = this.phase + d;
    return s < 0 ? s + this.N : s;
  }

  /** Compute top[] for cycle t from current registers. Must run before the array evaluates. */
  evaluateTop(t: number): void {
    const { C, N } = this;
    const top = this.top;
    if (this.psumReaders === 0) {
      // No accumulating vector in the read window: every column's top input is 0.
      if (this.topDirty) top.fill(0);
      this.topDirty = false;
      return;
    }
    this.topDirty = true;
    let s = this.slotOf(t, -1);
    for (let c = 0; c < C; c++, s = s === 0 ? N - 1 : s - 1) {
      top[c] = this.ctrlValid[s] && this.ctrlAccumulate[s] ? this.data[this.ctrlRow[s] * C + c] : 0;
    }
  }

  /** Stage this cycle's bottom-row writes from the array's current bottom registers. */
  evaluateBottom(t: number, array: BottomRow): void {
    const { C, N, R } = this;
    this.completingPass = -1;
    let s = this.slotOf(t, -R - 1);
    if (array.psum === undefined || array.bottomOffset === undefined) {
      this.stageBottom(t, s, array);
      return;
    }
    const psum = array.psum;
    const base = array.bottomOffset(t);
    const { ctrlValid, ctrlRow, ctrlPass, writePending, writeRow, writeValue, writePass } = this;
    let any = false;
    for (let c = 0; c < C; c++, s = s === 0 ? N - 1 : s - 1) {
      if (!ctrlValid[s]) continue;
      any = true;
      writePending[c] = 1;
      writeRow[c] = ctrlRow[s];
      writeValue[c] = psum[base + c];
      writePass[c] = ctrlPass[s];
      if (c === C - 1 && this.ctrlLast[s]) this.completingPass = ctrlPass[s];
    }
    if (any) this.pendingWrites = true;
  }

  /** evaluateBottom through bottom(t, c) only (an array model without a psum ring). */
  private stageBottom(t: number, s: number, array: BottomRow): void {
    const { C, N } = this;
    for (let c = 0; c < C; c++, s = s === 0 ? N - 1 : s - 1) {
      if (!this.ctrlValid[s]) continue;
      this.writePending[c] = 1;
      this.pendingWrites = true;
      this.writeRow[c] = this.ctrlRow[s];
      this.writeValue[c] = array.bottom(t, c);
      this.writePass[c] = this.ctrlPass[s];
      if (c === C - 1 && this.ctrlLast[s]) this.completingPass = this.ctrlPass[s];
    }
  }

  commit(t: number): void {
    let written = 0;
    if (this.pendingWrites) {
      const { C, writePending, writeRow, writeValue, data } = this;
      for (let c = 0; c < C; c++) {
        if (!writePending[c]) continue;
        writePending[c] = 0;
        written++;
        const v = writeValue[c];
        if (this.int) {
          data[writeRow[c] * C + c] = v;
          continue;
        }
        if ((v !== v || v === Infinity || v === -Infinity) && this.faultRow < 0) {
          this.faultRow = writeRow[c];
          this.faultCol = c;
          this.faultPass = this.writePass[c];
        }
        data[writeRow[c] * C + c] = v + 0;
      }
    }
    this.pendingWrites = false;
    this.endCycle(t, written);
  }

  /**
   * evaluateBottom(t, array) and commit(t) in one step, each result written straight to data: the
   * same, when nothing reads data or the staged writes in between (the matrix-only burst: top[] was
   * computed before and the array reads only top[]). `psum` at `base` is the array's bottom row.
   */
  clockBottom(t: number, psum: Float32Array | Int32Array, base: number): void {
    const { C, N, ctrlValid, ctrlRow, data } = this;
    this.completingPass = -1;
    let s = this.slotOf(t, -this.R - 1);
    let written = 0;
    for (let c = 0; c < C; c++, s = s === 0 ? N - 1 : s - 1) {
      if (!ctrlValid[s]) continue;
      written++;
      const v = psum[base + c];
      if (c === C - 1 && this.ctrlLast[s]) this.completingPass = this.ctrlPass[s];
      if (this.int) {
        data[ctrlRow[s] * C + c] = v;
        continue;
      }
      if ((v !== v || v === Infinity || v === -Infinity) && this.faultRow < 0) {
        this.faultRow = ctrlRow[s];
        this.faultCol = c;
        this.faultPass = this.ctrlPass[s];
      }
      data[ctrlRow[s] * C + c] = v + 0;
    }
    this.endCycle(t, written);
  }

  /**
   * Cycles t .. t+k-1 of a steady stretch, as k clockBottom calls with bottom row i at
   * out[i*C ..] and the control input of cycle t+i a non-accumulating, not-last vector for row
   * row0 + i of pass `pass` (the caller guarantees no accumulating entry in the read window and no
   * completion in these cycles: cyclesBeforeCompletion). bf16: only the last row may hold an
   * infinity or a NaN (the array's SIMD kernel stops after such a row), so only it is checked for
   * a fault. Returns the values written.
   */
  clockBottomSteps(t: number, k: number, out: Int32Array | Float32Array, row0: number, pass: number): number {
    const { C, N, ctrlValid, ctrlRow, ctrlAccumulate, ctrlPass, ctrlLast } = this;
    let read = this.slotOf(t, -this.R - 1);
    let leaving = this.slotOf(t, -C);
    let s = this.slotOf(t, 0);
    let written = 0;
    for (let i = 0, o = 0; i < k; i++, o += C) {
      if (this.int) written += writeRowInt(this.data as Int32Array, out as Int32Array, o, C, N, read, ctrlValid, ctrlRow);
      else {
        written += writeRowFloat(this.data as Float32Array, out as Float32Array, o, C, N, read, ctrlValid, ctrlRow);
        if (i === k - 1 && this.faultRow < 0) this.faultFrom(out as Float32Array, o, read);
      }
      if (ctrlValid[leaving] && ctrlAccumulate[leaving]) this.psumReaders--;
      ctrlValid[s] = 1;
      ctrlRow[s] = row0 + i;
      ctrlAccumulate[s] = 0;
      ctrlPass[s] = pass;
      ctrlLast[s] = 0;
      read = read === N - 1 ? 0 : read + 1;
      leaving = leaving === N - 1 ? 0 : leaving + 1;
      s = s === N - 1 ? 0 : s + 1;
    }
    this.slotOf(t + k - 1, 0);
    this.completingPass = -1;
    this.valuesRead = this.psumReaders;
    this.valuesWritten = written;
    this.inValid = 1;
    this.inRow = row0 + k - 1;
    this.inAccumulate = 0;
    this.inPass = pass;
    this.inLast = 0;
    return written;
  }

  /** The first write of bottom row `out[o..]` that is not finite, if any, latched as clockBottom does. */
  private faultFrom(out: Float32Array, o: number, read: number): void {
    for (let c = 0, x = read; c < this.C; c++, x = x === 0 ? this.N - 1 : x - 1) {
      const v = out[o + c];
      if (this.ctrlValid[x] && (v !== v || v === Infinity || v === -Infinity)) {
        this.faultRow = this.ctrlRow[x];
        this.faultCol = c;
        this.faultPass = this.ctrlPass[x];
        return;
      }
    }
  }

  /**
   * Cycles from t before a pass can complete (the last vector of a pass already latched reaches the
   * last column), Infinity when none is in the ring. Vectors latched from t on are the caller's.
   */
  cyclesBeforeCompletion(t: number): number {
    const { R, C, N } = this;
    for (let x = t - R - C, s = this.slotOf(t, -R - C); x < t; x++, s = s === N - 1 ? 0 : s + 1) {
      if (this.ctrlValid[s] && this.ctrlLast[s]) return x + R + C - t;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The rest of a commit: counters, completion, and the control ring moving on. */
  private endCycle(t: number, written: number): void {
    const C = this.C;
    this.valuesRead = this.psumReaders;
    this.valuesWritten = written;
    if (this.completingPass >= 0) {
      this.completedPass = this.completingPass;
      this.completedCycle = t;
    }
    // The psum-read window moves on: the entry latched at t - C leaves it, this cycle's enters.
    const leaving = this.slotOf(t, -C);
    if (this.ctrlValid[leaving] && this.ctrlAccumulate[leaving]) this.psumReaders--;
    if (this.inValid && this.inAccumulate) this.psumReaders++;
    const s = this.slotOf(t, 0);
    this.ctrlValid[s] = this.inValid;
    this.ctrlRow[s] = this.inRow;
    this.ctrlAccumulate[s] = this.inAccumulate;
    this.ctrlPass[s] = this.inPass;
    this.ctrlLast[s] = this.inLast;
  }
}

/** One bottom row of int8 results written (columns whose control entry is valid); returns how many. */
function writeRowInt(data: Int32Array, out: Int32Array, o: number, C: number, N: number, read: number, valid: Uint8Array, row: Int32Array): number {
  let written = 0;
  for (let c = 0, x = read; c < C; c++, x = x === 0 ? N - 1 : x - 1) {
    if (!valid[x]) continue;
    written++;
    data[row[x] * C + c] = out[o + c];
  }
  return written;
}

/** The bf16 twin of writeRowInt: each value stored as s + 0 (no negative zero), as clockBottom does. */
function writeRowFloat(data: Float32Array, out: Float32Array, o: number, C: number, N: number, read: number, valid: Uint8Array, row: Int32Array): number {
  let written = 0;
  for (let c = 0, x = read; c < C; c++, x = x === 0 ? N - 1 : x - 1) {
    if (!valid[x]) continue;
    written++;
    data[row[x] * C + c] = out[o + c] + 0;
  }
  return written;
}

/**
 * The naive systolic array (docs/ARCHITECTURE.md "Registers", "Weight shift", "MatrixMultiply"):
 * every register is a plain array slot and is physically copied to its neighbour each cycle. No rings.
 *
 *   data setup + activations: row r is one shift register of r + C stages; stages 0..r-1 are the
 *     skew delay, stage r + c is PE(r,c)'s activation register. A vector read from the unified
 *     buffer in cycle x enters stage 0 at the end of x, so PE(r,c) holds it during x + 1 + r + c.
 *     Bank tags (0 bubble, 1 bank 0, 2 bank 1) travel in a parallel shift register.
 *   partial sums: ps[r][c] is PE(r,c)'s output register; PE(r,c) adds into ps[r-1][c] (r > 0) or
 *     the accumulator value read at the top this cycle (accumulating passes) or 0.
 *   accumulator control: a shift register of R + C entries, entry written at the vector's read
 *     cycle x; during cycle x + 1 + j it sits at position j: column c reads its psum input from
 *     position c and writes its result (ps[R-1][c]) from position R + c.
 *   weights: two banks of R x C registers and their row extents; the shifter's step k copies rows
 *     0..k-1 down to 1..k and puts tile row R-1-k, read from the FIFO head slot, in row 0.
 */
import type { HwConfig } from "../../../src/config/hw-config.js";
import { RANK_MATRIX, type CycleIo } from "./cycle.js";
import type { NaiveOp } from "./ops.js";

export interface Slot {
  state: "filling" | "ready" | "shifting";
  /** R x C, zero padded. */
  readonly w: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

interface Ctl {
  row: number;
  accumulate: boolean;
  op: NaiveOp;
  last: boolean;
}

export interface Shift {
  bank: number;
  k: number;
  slot: Slot;
}

export class NaiveArray {
  readonly R: number;
  readonly C: number;
  act: number[][];
  tag: number[][];
  ps: number[];
  weights: number[][];
  rowCols: number[][];
  ctl: (Ctl | null)[];
  /** The data setup's sequencer: the pass streaming vectors, its next vector b and its bank. */
  seq: { op: NaiveOp; b: number; bank: number } | null = null;
  shift: Shift | null = null;

  constructor(readonly hw: HwConfig) {
    const R = (this.R = hw.rows);
    const C = (this.C = hw.cols);
    this.act = Array.from({ length: R }, (_, r) => new Array<number>(r + C).fill(0));
    this.tag = Array.from({ length: R }, (_, r) => new Array<number>(r + C).fill(0));
    this.ps = new Array<number>(R * C).fill(0);
    this.weights = [new Array<number>(R * C).fill(0), new Array<number>(R * C).fill(0)];
    this.rowCols = [new Array<number>(R).fill(0), new Array<number>(R).fill(0)];
    this.ctl = new Array<Ctl | null>(R + C).fill(null);
  }

  /** Unified-buffer read ports (one vector) and accumulator read ports (any psum input this cycle). */
  request(): { ubRead: number; accRead: number } {
    let psum = 0;
    for (let c = 0; c < this.C; c++) if (this.ctl[c]?.accumulate) psum = 1;
    return { ubRead: this.seq ? 1 : 0, accRead: psum };
  }

  /**
   * One clock. Returns whether a vector streamed, the passes whose last result was written, and
   * whether a shift finished (its FIFO slot is free and its bank holds the tile from now on).
   */
  work(io: CycleIo): { streamed: boolean; passesDone: NaiveOp[]; shiftDone: Shift | null } {
    const { R, C } = this;
    const bf16 = io.bf16;
    const acc = io.mem.acc;
    const passesDone: NaiveOp[] = [];

    // The data setup reads vector b of the streaming pass (lanes >= cols are fed 0).
    let inLanes: number[] | null = null;
    let inTag = 0;
    let inCtl: Ctl | null = null;
    const streamed = this.seq !== null;
    if (this.seq) {
      const { op, b, bank } = this.seq;
      const f = op.f;
      inLanes = new Array<number>(R).fill(0);
      for (let r = 0; r < f.cols; r++) inLanes[r] = io.mem.ub[f.ub + b * f.ustride + r];
      io.ctr.ubReadBytes += f.cols * io.eb;
      inTag = bank + 1;
      inCtl = { row: f.acc + b, accumulate: f.accumulate === 1, op, last: b === f.rows - 1 };
      this.seq.b++;
      if (this.seq.b === f.rows) this.seq = null;
    }

    // Every PE with a valid vector multiplies and adds, from the registers of the previous cycle.
    const psNext = new Array<number>(R * C).fill(0);
    for (let c = 0; c < C; c++) {
      const top = this.ctl[c];
      if (top?.accumulate) io.ctr.accReadBytes += 4;
      for (let r = 0; r < R; r++) {
        const t = this.tag[r][r + c];
        if (t === 0) continue;
        const bank = t - 1;
        const a = this.act[r][r + c];
        const w = this.weights[bank][r * C + c];
        let pin = 0;
        if (r > 0) pin = this.ps[(r - 1) * C + c];
        else if (top?.accumulate) pin = acc[top.row * C + c];
        psNext[r * C + c] = bf16 ? Math.fround(pin + a * w) : (pin + a * w) | 0;
        if (c < this.rowCols[bank][r]) io.ctr.macs++;
      }
    }

    // The accumulators below the array write the bottom PEs' outputs of the previous cycle.
    for (let c = 0; c < C; c++) {
      const e = this.ctl[R + c];
      if (!e) continue;
      let v = this.ps[(R - 1) * C + c];
      if (bf16) {
        v = v + 0; // no negative zero in the accumulators
        if (!Number.isFinite(v)) io.badValue(RANK_MATRIX, c, "matrix", e.op.pc, `non-finite value written to accumulator row ${e.row}, column ${c}`);
      }
      io.write(acc, e.row * C + c, v);
      io.ctr.accWrittenBytes += 4;
      if (e.last && c === C - 1) passesDone.push(e.op);
    }

    // Shift every activation one PE right (and the skew one stage), tags with them, control along.
    for (let r = 0; r < R; r++) {
      for (let j = r + C - 1; j > 0; j--) {
        this.act[r][j] = this.act[r][j - 1];
        this.tag[r][j] = this.tag[r][j - 1];
      }
      this.act[r][0] = inLanes ? inLanes[r] : 0;
      this.tag[r][0] = inTag;
    }
    for (let j = R + C - 1; j > 0; j--) this.ctl[j] = this.ctl[j - 1];
    this.ctl[0] = inCtl;
    this.ps = psNext;

    return { streamed, passesDone, shiftDone: this.shiftStep(io) };
  }

  /** The weight shifter's gated shift, step k: rows 1..k take rows 0..k-1, row 0 takes tile row R-1-k. */
  private shiftStep(io: CycleIo): Shift | null {
    const s = this.shift;
    if (!s) return null;
    const { R, C } = this;
    const w = this.weights[s.bank];
    const rc = this.rowCols[s.bank];
    for (let r = s.k; r >= 1; r--) {
      for (let c = 0; c < C; c++) w[r * C + c] = w[(r - 1) * C + c];
      rc[r] = rc[r - 1];
    }
    const tileRow = R - 1 - s.k;
    for (let c = 0; c < C; c++) w[c] = s.slot.w[tileRow * C + c];
    rc[0] = tileRow < s.slot.rows ? s.slot.cols : 0;
    io.ctr.weightFifoRead += C * io.eb;
    io.ctr.weightRegisterWrites += (s.k + 1) * C;
    if (s.k === 0) io.ctr.tilesShifted++;
    if (s.k === R - 1) {
      this.shift = null;
      return s;
    }
    s.k++;
    return null;
  }
}

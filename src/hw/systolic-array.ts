/**
 * Matrix multiply unit: systolic data setup + R x C weight-stationary MAC array + weight shifter
 * (TPU paper: "Matrix Multiply Unit", "Systolic Data Setup"). docs/ARCHITECTURE.md "MatrixMultiply".
 *
 * Registers (struct of arrays, index r*C + c):
 *   act[RC]         Float32Array  activation moving right                         reset 0
 *   tag[RC]         Uint8Array    0 bubble, 1 bank 0, 2 bank 1 (moves with act)  reset 0
 *   psum[RC]        Int32Array | Float32Array  partial sum moving down           reset 0
 *   weights[3RC]    Float32Array  slot 0 = zeros (bubbles), slots 1,2 = banks    reset 0
 *   weightValid[3RC] Uint8Array   PE inside the loaded tile (counts MACs)        reset 0
 *   setup[R*R]      Float32Array  data-setup ring: vector latched at cycle t in slot t mod R
 *   setupTag[R]     Uint8Array
 *   shift*          weight shifter: target bank, step k, the tile being shifted
 * Inputs:  the vector read from the unified buffer this cycle (+ its bank tag), the psum entering
 *          the top of each column (from the accumulators), shift start commands.
 * Outputs: psum of the bottom row (current registers), MACs done this cycle.
 * Timing:  vector latched at t enters row r at t+1+r and reaches PE(r,c) at t+1+r+c.
 */
import type { HwConfig } from "../config/hw-config.js";

export class SystolicArray {
  readonly R: number;
  readonly C: number;
  readonly RC: number;
  private readonly int: boolean;
  act: Float32Array;
  actNext: Float32Array;
  tag: Uint8Array;
  tagNext: Uint8Array;
  psum: Float32Array | Int32Array;
  psumNext: Float32Array | Int32Array;
  readonly weights: Float32Array;
  readonly weightValid: Uint8Array;
  private readonly setup: Float32Array;
  private readonly setupTag: Uint8Array;
  /** Left-edge inputs of this cycle, gathered from the setup ring (scratch, not state). */
  private readonly edgeAct: Float32Array;
  private readonly edgeTag: Uint8Array;
  /** Input vector of this cycle: written by the datapath before evaluate. */
  readonly inVector: Float32Array;
  inTag = 0;
  /** Cycles since the last valid vector entered; past R+C+1 every register is back at reset. */
  private quietCycles: number;
  macs = 0;

  private shiftBank = -1;
  private shiftStep = 0;
  private shiftRows = 0;
  private shiftCols = 0;
  private readonly shiftTile: Float32Array;
  private shiftStartPending = false;
  private pendingBank = -1;
  private pendingRows = 0;
  private pendingCols = 0;
  private readonly pendingTile: Float32Array;

  constructor(cfg: Readonly<HwConfig>) {
    this.R = cfg.rows;
    this.C = cfg.cols;
    this.RC = this.R * this.C;
    this.int = cfg.dtype === "int8";
    this.act = new Float32Array(this.RC);
    this.actNext = new Float32Array(this.RC);
    this.tag = new Uint8Array(this.RC);
    this.tagNext = new Uint8Array(this.RC);
    this.psum = this.int ? new Int32Array(this.RC) : new Float32Array(this.RC);
    this.psumNext = this.int ? new Int32Array(this.RC) : new Float32Array(this.RC);
    this.weights = new Float32Array(3 * this.RC);
    this.weightValid = new Uint8Array(3 * this.RC);
    this.setup = new Float32Array(this.R * this.R);
    this.setupTag = new Uint8Array(this.R);
    this.edgeAct = new Float32Array(this.R);
    this.edgeTag = new Uint8Array(this.R);
    this.inVector = new Float32Array(this.R);
    this.shiftTile = new Float32Array(this.RC);
    this.pendingTile = new Float32Array(this.RC);
    this.quietCycles = this.R + this.C + 2;
  }

  /** Bottom row partial sum of column c (current registers). */
  bottom(c: number): number {
    return this.psum[(this.R - 1) * this.C + c];
  }

  get shifting(): boolean {
    return this.shiftBank >= 0;
  }

  /**
   * Start shifting a tile into `bank` (0 or 1) this cycle: the first row moves at this cycle's
   * commit. `tile` is copied now (the FIFO slot may be refilled while the shift runs).
   */
  startShift(bank: number, tile: Float32Array, offset: number, rows: number, cols: number): void {
    this.pendingTile.set(tile.subarray(offset, offset + this.RC));
    this.pendingBank = bank;
    this.pendingRows = rows;
    this.pendingCols = cols;
    this.shiftStartPending = true;
  }

  /** Evaluate cycle t: reads current registers and inputs, writes only *Next and scratch. */
  evaluate(t: number, top: Float32Array | Int32Array): void {
    const R = this.R;
    if (this.inTag !== 0) this.quietCycles = 0;
    else if (this.quietCycles > R + this.C + 1) {
      this.macs = 0;
      return;
    }
    for (let r = 0; r < R; r++) {
      const slot = (((t - 1 - r) % R) + R) % R;
      this.edgeAct[r] = this.setup[slot * R + r];
      this.edgeTag[r] = this.setupTag[slot];
    }
    this.macs = this.int
      ? stepInt(R, this.C, this.act, this.tag, this.psum as Int32Array, this.actNext, this.tagNext,
          this.psumNext as Int32Array, top as Int32Array, this.edgeAct, this.edgeTag, this.weights, this.weightValid)
      : stepFloat(R, this.C, this.act, this.tag, this.psum as Float32Array, this.actNext, this.tagNext,
          this.psumNext as Float32Array, top as Float32Array, this.edgeAct, this.edgeTag, this.weights, this.weightValid);
  }

  commit(t: number): void {
    const R = this.R;
    if (this.quietCycles <= R + this.C + 1) {
      const tmp = this.act;
      this.act = this.actNext;
      this.actNext = tmp;
      const tmpTag = this.tag;
      this.tag = this.tagNext;
      this.tagNext = tmpTag;
      const tmpPsum = this.psum;
      this.psum = this.psumNext;
      this.psumNext = tmpPsum;
      const slot = t % R;
      this.setup.set(this.inVector, slot * R);
      this.setupTag[slot] = this.inTag;
      this.quietCycles++;
    }
    if (this.shiftStartPending) {
      this.shiftStartPending = false;
      this.shiftTile.set(this.pendingTile);
      this.shiftBank = this.pendingBank;
      this.shiftRows = this.pendingRows;
      this.shiftCols = this.pendingCols;
      this.shiftStep = 0;
    }
    if (this.shiftBank >= 0) this.shiftOneRow();
  }

  /** Gated shift step k: rows 1..k take rows 0..k-1, row 0 takes tile row R-1-k. */
  private shiftOneRow(): void {
    const { R, C, RC } = this;
    const base = (this.shiftBank + 1) * RC;
    const k = this.shiftStep;
    this.weights.copyWithin(base + C, base, base + k * C);
    this.weightValid.copyWithin(base + C, base, base + k * C);
    const src = (R - 1 - k) * C;
    const rowValid = R - 1 - k < this.shiftRows;
    for (let c = 0; c < C; c++) {
      this.weights[base + c] = this.shiftTile[src + c];
      this.weightValid[base + c] = rowValid && c < this.shiftCols ? 1 : 0;
    }
    this.shiftStep++;
    if (this.shiftStep === R) this.shiftBank = -1;
  }

  /** Fast mode: place a whole tile in a bank at once (the shift is timed by the controller). */
  loadBankDirect(bank: number, tile: Float32Array, offset: number, rows: number, cols: number): void {
    const base = (bank + 1) * this.RC;
    this.weights.set(tile.subarray(offset, offset + this.RC), base);
    for (let r = 0; r < this.R; r++) {
      for (let c = 0; c < this.C; c++) this.weightValid[base + r * this.C + c] = r < rows && c < cols ? 1 : 0;
    }
  }
}

function stepFloat(
  R: number, C: number, act: Float32Array, tag: Uint8Array, psum: Float32Array,
  actNext: Float32Array, tagNext: Uint8Array, psumNext: Float32Array, top: Float32Array,
  edgeAct: Float32Array, edgeTag: Uint8Array, weights: Float32Array, weightValid: Uint8Array,
): number {
  const RC = R * C;
  let macs = 0;
  for (let r = 0; r < R; r++) {
    const base = r * C;
    let a = edgeAct[r];
    let g = edgeTag[r];
    let k = g * RC + base;
    actNext[base] = a;
    tagNext[base] = g;
    psumNext[base] = (r === 0 ? top[0] : psum[base - C]) + a * weights[k];
    macs += weightValid[k];
    for (let i = base + 1, end = base + C; i < end; i++) {
      a = act[i - 1];
      g = tag[i - 1];
      k = g * RC + i;
      actNext[i] = a;
      tagNext[i] = g;
      psumNext[i] = (r === 0 ? top[i] : psum[i - C]) + a * weights[k];
      macs += weightValid[k];
    }
  }
  return macs;
}

function stepInt(
  R: number, C: number, act: Float32Array, tag: Uint8Array, psum: Int32Array,
  actNext: Float32Array, tagNext: Uint8Array, psumNext: Int32Array, top: Int32Array,
  edgeAct: Float32Array, edgeTag: Uint8Array, weights: Float32Array, weightValid: Uint8Array,
): number {
  const RC = R * C;
  let macs = 0;
  for (let r = 0; r < R; r++) {
    const base = r * C;
    let a = edgeAct[r];
    let g = edgeTag[r];
    let k = g * RC + base;
    actNext[base] = a;
    tagNext[base] = g;
    psumNext[base] = (r === 0 ? top[0] : psum[base - C]) + a * weights[k];
    macs += weightValid[k];
    for (let i = base + 1, end = base + C; i < end; i++) {
      a = act[i - 1];
      g = tag[i - 1];
      k = g * RC + i;
      actNext[i] = a;
      tagNext[i] = g;
      psumNext[i] = (r === 0 ? top[i] : psum[i - C]) + a * weights[k];
      macs += weightValid[k];
    }
  }
  return macs;
}

/**
 * Matrix multiply unit: systolic data setup + R x C weight-stationary MAC array + weight shifter
 * (TPU paper: "Matrix Multiply Unit", "Systolic Data Setup"). docs/ARCHITECTURE.md "MatrixMultiply".
 *
 * Registers, in renamed form (Verilator-style: a register that moves one step per clock is stored
 * once and addressed by cycle, instead of being copied every cycle):
 *   activations  setup[R*2N] Float32Array (Int32Array for int8)  lane r of the vector latched at cycle x, at r*2N + x mod N
 *                                           and mirrored N further (N = R + C + 1), so a row's C
 *                                           activations are always one contiguous run. PE(r,c)'s
 *                                           activation register at cycle t holds lane r of the
 *                                           vector latched at t-1-r-c.
 *   bank tags    tags[N]     Uint8Array    0 bubble, 1 bank 0, 2 bank 1, per latched vector
 *   partial sums psum[(R+1)*C]  Int32Array | Float32Array  PE(r,c)'s psum after cycle t lives in
 *                                           ring row (r - t) mod (R+1): a PE reads its input (the row
 *                                           above, one cycle earlier) and writes its output in the same
 *                                           slot, which no other PE or unit touches that cycle.
 *   weights[3*R*C]  Float32Array (Int32Array for int8: integer multiplies)  slot 0 zeros (bubbles), slots 1, 2 = banks 0, 1          reset 0
 *   rowCols[3*R]    Int32Array    valid columns of each bank row's tile row (counts useful MACs)
 *   shifter: target bank, step k, the FIFO slot being shifted (gated shift, one row per cycle: at
 *            step k rows 1..k take rows 0..k-1 and row 0 takes tile row R-1-k from the slot)
 * Inputs:  the vector read from the unified buffer this cycle (+ its bank tag), the psum entering
 *          the top of each column (from the accumulators), shift start commands.
 * Outputs: bottom(t, c), the psum leaving column c (current registers); MACs done this cycle; the
 *          shift step done at the last commit and whether it was the last (the slot is then free).
 * Timing:  vector latched at t enters row r at t+1+r and reaches PE(r,c) at t+1+r+c.
 * Arrays of whole 4-column groups keep these registers in a WebAssembly SIMD kernel's memory
 * (pe-rows-wasm.ts); bf16 arrays run it only on windows whose products it computes exactly.
 * Bubbles (tag 0) are not computed: their partial sums are never written to the accumulators.
 */
import type { HwConfig } from "../config/hw-config.js";
import { copyTileExtent } from "./tile-copy.js";
import { inexactBits, rowSegmentFloat, rowSegmentInt, wholeWindowFloat, wholeWindowInt } from "./pe-rows.js";
import { STEP_BATCH, wasmRegistersOrNull, type WasmRegisters } from "./pe-rows-wasm.js";

export interface PeSample {
  actIn: number;
  weight: number;
  psumIn: number;
  psumOut: number;
  bank: number;
}

export class SystolicArray {
  readonly R: number;
  readonly C: number;
  readonly RC: number;
  readonly N: number;
  private readonly int: boolean;
  private readonly setup: Float32Array | Int32Array;
  private readonly tags: Uint8Array;
  readonly psum: Float32Array | Int32Array;
  readonly weights: Float32Array | Int32Array;
  /** Valid columns of each bank row's tile row (0 outside the tile): shifts in with the weights. */
  private readonly rowCols: Int32Array;
  /** Useful MACs of a whole window of each weight slot's tag: sum over rows of min(C, rowCols). */
  private readonly bankMacs = new Int32Array(3);
  private readonly wasm: WasmRegisters | null;
  /**
   * bf16 in SIMD: per weight slot, whether every weight is exact-product safe (pe-rows.ts
   * inexactBits; 0 while a shift writes the slot), and the last cycle a vector that is not was
   * latched. The SIMD kernel runs a window only when both hold for all of it.
   */
  private readonly bankExact = new Uint8Array(3);
  private inexactAt = -1;
  /** Cycles the SIMD kernel evaluated (tests check that a comparison did exercise it, or not). */
  simdCycles = 0;
  /**
   * The buffer the accumulators should compute top[] into (null: any): the SIMD kernel reads the
   * top input from its own memory, and evaluate falls back to JavaScript for any other buffer.
   */
  readonly topInput: Int32Array | Float32Array | null;
  /** Input vector of this cycle: written by the datapath before evaluate. */
  readonly inVector: Float32Array;
  inTag = 0;
  macs = 0;
  /** Runs of equal tags over the latched vectors still inside the array (scratch per cycle). */
  private readonly runStart: Int32Array;
  private readonly runEnd: Int32Array;
  private readonly runTag: Uint8Array;
  private runCount = 0;
  /** The last cycle whose latched tag differs from the one latched the cycle before. */
  private tagChangedAt = 0;
  private lastTag = 0;
  /**
   * Ring phases of cycle phaseT: mod(t, N) and mod(-t, R+1), stepped by one when t follows the last
   * cycle asked for (a modulo per use costs more than a row of a small array).
   */
  private phaseT = 0;
  private phaseN = 0;
  private phaseP = 0;

  private shiftBank = -1;
  private shiftStep = 0;
  private shiftRows = 0;
  private shiftCols = 0;
  /** The FIFO slot being shifted (read one row per step; the slot stays occupied until the end). */
  private shiftSource: Float32Array;
  private shiftOffset = 0;
  private shiftStartPending = false;
  private pendingBank = -1;
  private pendingRows = 0;
  private pendingCols = 0;
  private pendingSource: Float32Array;
  private pendingOffset = 0;
  /** The shift step done at the last commit (-1: none), and whether it was the last. */
  shiftStepDone = -1;
  shiftEnded = false;

  constructor(cfg: Readonly<HwConfig>) {
    this.R = cfg.rows;
    this.C = cfg.cols;
    this.RC = this.R * this.C;
    this.N = this.R + this.C + 1;
    this.int = cfg.dtype === "int8";
    // Arrays of whole 4-column groups keep their registers in a SIMD kernel's memory.
    this.wasm = this.C % 4 !== 0 ? null : this.int ? wasmRegistersOrNull(this.R, this.C, this.N, true) : wasmRegistersOrNull(this.R, this.C, this.N, false);
    this.topInput = this.wasm?.top ?? null;
    this.setup = this.wasm?.setup ?? (this.int ? new Int32Array(this.R * 2 * this.N) : new Float32Array(this.R * 2 * this.N));
    this.tags = new Uint8Array(this.N);
    this.psum = this.wasm?.psum ?? (this.int ? new Int32Array((this.R + 1) * this.C) : new Float32Array((this.R + 1) * this.C));
    this.weights = this.wasm?.weights ?? (this.int ? new Int32Array(3 * this.RC) : new Float32Array(3 * this.RC));
    this.rowCols = new Int32Array(3 * this.R);
    this.bankExact.fill(1); // zeros at reset
    this.inVector = new Float32Array(this.R);
    this.shiftSource = new Float32Array(0);
    this.pendingSource = this.shiftSource;
    this.runStart = new Int32Array(this.N);
    this.runEnd = new Int32Array(this.N);
    this.runTag = new Uint8Array(this.N);
  }

  private mod(x: number, n: number): number {
    const m = x % n;
    return m < 0 ? m + n : m;
  }

  private phaseAt(t: number): void {
    if (t === this.phaseT) return;
    if (t === this.phaseT + 1) {
      this.phaseN = this.phaseN === this.N - 1 ? 0 : this.phaseN + 1;
      this.phaseP = this.phaseP === 0 ? this.R : this.phaseP - 1;
    } else {
      this.phaseN = this.mod(t, this.N);
      this.phaseP = this.mod(-t, this.R + 1);
    }
    this.phaseT = t;
  }

  /** Offset of the ring row holding PE row r's partial sums after cycle t. */
  psumRow(r: number, t: number): number {
    return this.mod(r - t, this.R + 1) * this.C;
  }

  /** Partial sum leaving column c at the bottom, as seen during cycle t (computed at t-1). */
  bottom(t: number, c: number): number {
    return this.psum[this.psumRow(this.R - 1, t - 1) + c];
  }

  /** Offset in psum of the bottom row's partial sums as seen during cycle t (computed at t-1). */
  bottomOffset(t: number): number {
    this.phaseAt(t);
    // mod(R - t, R + 1), from phaseP = mod(-t, R + 1).
    return (this.phaseP === 0 ? this.R : this.phaseP - 1) * this.C;
  }

  get shifting(): boolean {
    return this.shiftBank >= 0;
  }

  /** Shifting, or a shift start commanded for this cycle's commit. */
  get busy(): boolean {
    return this.shiftBank >= 0 || this.shiftStartPending;
  }

  /**
   * Start shifting a tile into `bank` (0 or 1) this cycle: the first row moves at this cycle's
   * commit. The tile stays in `source` at `offset` (its FIFO slot) and is read one row per step.
   */
  startShift(bank: number, source: Float32Array, offset: number, rows: number, cols: number): void {
    this.pendingSource = source;
    this.pendingOffset = offset;
    this.pendingBank = bank;
    this.pendingRows = rows;
    this.pendingCols = cols;
    this.shiftStartPending = true;
  }

  /** Runs of equal tags for the vectors latched at t-R-C .. t-1 (those inside the array at t). */
  private collectRuns(t: number): boolean {
    const { N } = this;
    this.phaseAt(t);
    if (this.tagChangedAt <= t - this.R - this.C) {
      // No tag change inside the window: one run, the tag of the newest vector.
      const g = this.tags[this.phaseN === 0 ? N - 1 : this.phaseN - 1];
      this.runStart[0] = t - this.R - this.C;
      this.runEnd[0] = t - 1;
      this.runTag[0] = g;
      this.runCount = 1;
      return g !== 0;
    }
    let count = 0;
    let live = false;
    const lo = t - this.R - this.C;
    const tags = this.tags;
    // lo = t + 1 - N: its slot follows t's.
    for (let x = lo, slot = this.phaseN === N - 1 ? 0 : this.phaseN + 1; x <= t - 1; x++, slot = slot === N - 1 ? 0 : slot + 1) {
      const g = tags[slot];
      if (count > 0 && this.runTag[count - 1] === g) this.runEnd[count - 1] = x;
      else {
        this.runStart[count] = x;
        this.runEnd[count] = x;
        this.runTag[count] = g;
        count++;
      }
      if (g !== 0) live = true;
    }
    this.runCount = count;
    return live;
  }

  /** Evaluate cycle t: every PE holding a valid vector adds activation x weight to the psum from above. */
  evaluate(t: number, top: Float32Array | Int32Array): void {
    this.macs = 0;
    if (!this.collectRuns(t)) return;
    const { R, C, RC, N } = this;
    const S = 2 * N;
    const R1 = R + 1;
    const runs = this.runCount;
    const runStart = this.runStart;
    const runEnd = this.runEnd;
    const runTag = this.runTag;
    const rowCols = this.rowCols;
    // Ring positions walked incrementally, one row at a time (no modulo per row): the slot of the
    // newest vector a row holds (t-1-r) and the psum ring row ((r - t) mod (R+1)).
    let jHi = this.phaseN === 0 ? N - 1 : this.phaseN - 1;
    let pRow = this.phaseP;
    if (runs === 1) {
      // One live run over the whole window (the steady state of a pass): every row's C columns.
      const g = runTag[0];
      const wasm = this.wasm;
      if (wasm !== null && top === wasm.top && this.exactWindow(t, g)) {
        wasm.whole(wasm.psum.byteOffset, wasm.top.byteOffset, wasm.setup.byteOffset, wasm.weights.byteOffset + 4 * g * RC, R, C, N, jHi, pRow);
        this.simdCycles++;
      } else if (this.int) {
        wholeWindowInt(this.psum as Int32Array, top as Int32Array, this.setup as Int32Array, this.weights as Int32Array, R, C, N, g, jHi, pRow);
      } else {
        wholeWindowFloat(this.psum as Float32Array, top as Float32Array, this.setup as Float32Array, this.weights as Float32Array, R, C, N, g, jHi, pRow);
      }
      this.macs = this.bankMacs[g];
      return;
    }
    let macs = 0;
    for (let r = 0; r < R; r++) {
      const xHi = t - 1 - r;
      const xLo = t - r - C;
      const pBase = pRow * C;
      const aBase = r * S + N;
      for (let k = 0; k < runs; k++) {
        const g = runTag[k];
        if (g === 0) continue;
        const a = runStart[k] > xLo ? runStart[k] : xLo;
        const b = runEnd[k] < xHi ? runEnd[k] : xHi;
        if (a > b) continue;
        const c0 = xHi - b;
        const c1 = xHi - a;
        // Activation index runs down from lane r of vector b; the mirror keeps it contiguous.
        const a0 = aBase + jHi - c0;
        const wBase = g * RC + r * C;
        if (this.int) rowSegmentInt(this.psum as Int32Array, pBase, r === 0, top as Int32Array, this.setup as Int32Array, a0, this.weights as Int32Array, wBase, c0, c1);
        else rowSegmentFloat(this.psum as Float32Array, pBase, r === 0, top as Float32Array, this.setup as Float32Array, a0, this.weights as Float32Array, wBase, c0, c1);
        const useful = (c1 < rowCols[g * R + r] - 1 ? c1 : rowCols[g * R + r] - 1) - c0 + 1;
        if (useful > 0) macs += useful;
      }
      jHi = jHi === 0 ? N - 1 : jHi - 1;
      pRow = pRow === R ? 0 : pRow + 1;
    }
    this.macs = macs;
  }

  /**
   * Whether the SIMD kernel gives JavaScript's numbers for a window of tag g at cycle t: always for
   * int8; for bf16 when the weights of slot g and every vector latched at t-R-C .. t-1 are
   * exact-product safe (pe-rows.ts inexactBits).
   */
  private exactWindow(t: number, g: number): boolean {
    return this.int || (this.bankExact[g] === 1 && this.inexactAt < t - this.R - this.C);
  }

  /**
   * How many cycles from t clockSteps may run with bank tag g (0: none): an array in SIMD memory,
   * the shifter still, every vector in the window already of tag g (so each cycle is one
   * whole-window run while the vectors latched keep tag g), and for bf16 the window exact (the
   * kernel checks the vectors staged in stepInputBits itself).
   */
  stepCycles(t: number, g: number): number {
    if (this.wasm === null || g === 0 || this.busy || this.lastTag !== g || this.tagChangedAt > t - this.R - this.C) return 0;
    return this.exactWindow(t, g) ? STEP_BATCH : 0;
  }

  /** The k (<= STEP_BATCH) vectors clockSteps latches, R lanes each (null without SIMD registers). */
  get stepInput(): Int32Array | Float32Array | null {
    return this.wasm?.input ?? null;
  }

  /** stepInput's bits (bf16 vectors are staged and checked as bits). */
  get stepInputBits(): Int32Array | null {
    return this.wasm?.inputBits ?? null;
  }

  /** The bottom rows as seen during the cycles of the last clockSteps, C columns each. */
  get stepOutput(): Int32Array | Float32Array | null {
    return this.wasm?.output ?? null;
  }

  /**
   * Cycles t .. t+k-1 (k <= stepCycles(t, g)), each an evaluate with a zero top input (no
   * accumulating vector in the window) and a commit latching vector i of stepInput with tag g, in one
   * SIMD call; the bottom row seen in each cycle goes to stepOutput (the accumulators write it).
   * Returns the cycles clocked: k, or for bf16 fewer: before the first staged vector whose products
   * could round (pe-rows.ts inexactBits, checked in the kernel), and at most to the first cycle
   * whose bottom row holds an infinity or a NaN (its write latches a fault). 0: nothing changed.
   */
  clockSteps(t: number, k: number, g: number): number {
    const wasm = this.wasm as WasmRegisters;
    const { R, C, N, RC } = this;
    this.phaseAt(t);
    const slot = this.phaseN;
    const done = wasm.steps(wasm.psum.byteOffset, wasm.top.byteOffset, wasm.setup.byteOffset, wasm.weights.byteOffset + 4 * g * RC, R, C, N, slot === 0 ? N - 1 : slot - 1, this.phaseP, wasm.input.byteOffset, wasm.output.byteOffset, k, slot);
    if (done === 0) return 0;
    for (let i = 0, x = slot; i < done; i++, x = x === N - 1 ? 0 : x + 1) this.tags[x] = g;
    this.simdCycles += done;
    this.phaseAt(t + done - 1);
    this.inTag = g;
    this.macs = this.bankMacs[g];
    this.shiftStepDone = -1;
    this.shiftEnded = false;
    return done;
  }

  /** Bank tag of the vector in PE(r,c) during cycle t (0: bubble). */
  tagAt(t: number, r: number, c: number): number {
    return this.tags[this.mod(t - 1 - r - c, this.N)];
  }

  /**
   * PE(r,c)'s inputs during cycle t, read before evaluate (psum in) — for PE traces. After evaluate,
   * psumOut(t, r, c) gives its output.
   */
  peInputs(t: number, r: number, c: number, top: Float32Array | Int32Array, out: PeSample): void {
    const g = this.tagAt(t, r, c);
    out.bank = g;
    out.actIn = g === 0 ? 0 : this.setup[r * 2 * this.N + this.mod(t - 1 - r - c, this.N)];
    out.weight = this.weights[g * this.RC + r * this.C + c];
    out.psumIn = r === 0 ? (g === 0 ? 0 : top[c]) : g === 0 ? 0 : this.psum[this.psumRow(r, t) + c];
    out.psumOut = out.psumIn;
  }

  /** PE(r,c)'s partial sum output of cycle t (after evaluate); bubbles pass their input on. */
  psumOut(t: number, r: number, c: number, psumIn: number): number {
    return this.tagAt(t, r, c) === 0 ? psumIn : this.psum[this.psumRow(r, t) + c];
  }

  commit(t: number): void {
    this.commitFrom(t, this.inVector, 0, this.R);
  }

  /**
   * commit(t), with the input vector's lanes 0..n-1 read from src[base..] and lanes n.. zero instead
   * of from inVector (the matrix-only burst latches straight from the unified buffer).
   */
  commitFrom(t: number, src: Float32Array, base: number, n: number): void {
    this.phaseAt(t);
    const slot = this.phaseN;
    this.tags[slot] = this.inTag;
    if (this.inTag !== this.lastTag) {
      this.tagChangedAt = t;
      this.lastTag = this.inTag;
    }
    if (this.inTag !== 0) {
      const { R, N } = this;
      const S = 2 * N;
      const setup = this.setup;
      let r = 0;
      for (let i = slot; r < n; r++, i += S) {
        setup[i] = src[base + r];
        setup[i + N] = src[base + r];
      }
      for (let i = slot + r * S; r < R; r++, i += S) {
        setup[i] = 0;
        setup[i + N] = 0;
      }
      if (!this.int && this.wasm !== null) {
        const bits = this.wasm.setupBits;
        let inexact = 0;
        for (let i = slot, j = 0; j < n; j++, i += S) inexact |= inexactBits(bits[i]);
        if (inexact !== 0) this.inexactAt = t;
      }
    }
    this.shiftStepDone = -1;
    this.shiftEnded = false;
    if (this.shiftStartPending) {
      this.shiftStartPending = false;
      this.shiftSource = this.pendingSource;
      this.shiftOffset = this.pendingOffset;
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
    const src = this.shiftOffset + (R - 1 - k) * C;
    for (let c = 0; c < C; c++) this.weights[base + c] = this.shiftSource[src + c];
    const rc = (this.shiftBank + 1) * R;
    this.rowCols.copyWithin(rc + 1, rc, rc + k);
    this.rowCols[rc] = R - 1 - k < this.shiftRows ? this.shiftCols : 0;
    this.countBankMacs(this.shiftBank + 1);
    this.bankExact[this.shiftBank + 1] = 0;
    this.shiftStepDone = k;
    this.shiftStep++;
    if (this.shiftStep === R) {
      this.checkBankExact(this.shiftBank + 1);
      this.shiftBank = -1;
      this.shiftEnded = true;
    }
  }

  /** Place a whole tile in a bank at once (unit tests set up banks with it; the shifter does it in R steps). */
  loadBankDirect(bank: number, tile: Float32Array, offset: number, rows: number, cols: number): void {
    const base = (bank + 1) * this.RC;
    const rc = (bank + 1) * this.R;
    let oldRows = 0;
    let oldCols = 0;
    for (let r = 0; r < this.R; r++) if (this.rowCols[rc + r] > 0) (oldRows = r + 1), (oldCols = Math.max(oldCols, this.rowCols[rc + r]));
    copyTileExtent(tile, offset, this.weights, base, this.C, rows, cols, oldRows, oldCols);
    for (let r = 0; r < this.R; r++) this.rowCols[rc + r] = r < rows ? cols : 0;
    this.countBankMacs(bank + 1);
    this.checkBankExact(bank + 1);
  }

  /** bankExact[g] from the weights now in slot g (bf16 arrays in SIMD memory; once per tile). */
  private checkBankExact(g: number): void {
    if (this.int || this.wasm === null) return;
    const bits = this.wasm.weightBits;
    let inexact = 0;
    for (let i = g * this.RC, end = i + this.RC; i < end; i++) inexact |= inexactBits(bits[i]);
    this.bankExact[g] = inexact === 0 ? 1 : 0;
  }

  private countBankMacs(g: number): void {
    let macs = 0;
    for (let r = 0; r < this.R; r++) macs += Math.min(this.C, this.rowCols[g * this.R + r]);
    this.bankMacs[g] = macs;
  }
}

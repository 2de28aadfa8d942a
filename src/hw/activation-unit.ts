/**
 * Activation unit (TPU paper: "Activation", C lanes wide, pipelined).
 *
 * Registers:
 *   stages[(L+1)*C]  Float32Array  row results in flight; the row read at cycle t sits in slot t mod (L+1)
 *   op: accumulator row, rows, cols, destination, stride, fn, scales, start cycle (idle when rows = 0)
 *   staged UB row write (one per cycle)
 * Inputs:  start command (from the controller at issue), the accumulators (read one row per cycle).
 * Outputs: one unified-buffer row write per cycle.
 * Timing:  reads accumulator row i at t0+i, writes buffer row i at t0+i+L; completes at
 *          t0+rows-1+L (docs/ARCHITECTURE.md "Activation unit").
 */
import type { DType, HwConfig } from "../config/hw-config.js";
import { activate } from "../numerics/vector-ops.js";

export interface ActivationOp {
  acc: number;
  rows: number;
  cols: number;
  ub: number;
  ustride: number;
  fn: number;
  inScale: number;
  outScale: number;
}

export class ActivationUnit {
  private readonly L: number;
  private readonly C: number;
  private readonly dtype: DType;
  private readonly stages: Float32Array;
  private op: ActivationOp = { acc: 0, rows: 0, cols: 0, ub: 0, ustride: 0, fn: 0, inScale: 1, outScale: 1 };
  private t0 = -1;
  private active = false;
  /** Staged write: destination address and slot, -1 when none. */
  private writeAddr = -1;
  private writeSlot = 0;
  /** Cycle of the last buffer write of the current op (for the timing check). */
  lastWriteCycle = -1;
  faultIndex = -1;

  constructor(cfg: Readonly<HwConfig>) {
    this.L = cfg.activationLatency;
    this.C = cfg.cols;
    this.dtype = cfg.dtype;
    this.stages = new Float32Array((this.L + 1) * this.C);
  }

  /** Issue at cycle t0 (the first row is read in this same cycle). */
  start(op: ActivationOp, t0: number): void {
    this.op = op;
    this.t0 = t0;
    this.active = true;
  }

  get busy(): boolean {
    return this.active;
  }

  evaluate(t: number, acc: Float32Array | Int32Array, accCols: number): void {
    this.writeAddr = -1;
    if (!this.active) return;
    const { op, L, C } = this;
    const i = t - this.t0;
    if (i >= 0 && i < op.rows) {
      const slot = (t % (L + 1)) * C;
      const rowBase = (op.acc + i) * accCols;
      for (let c = 0; c < op.cols; c++) {
        this.stages[slot + c] = activate(acc[rowBase + c], op.fn, op.inScale, op.outScale, this.dtype);
      }
    }
    const j = i - L;
    if (j >= 0 && j < op.rows) {
      this.writeAddr = op.ub + j * op.ustride;
      this.writeSlot = ((t - L) % (L + 1)) * C;
    }
  }

  /** Apply the staged row to the unified buffer values. */
  commit(t: number, ub: Float32Array): void {
    if (this.writeAddr >= 0) {
      const { op } = this;
      for (let c = 0; c < op.cols; c++) {
        const v = this.stages[this.writeSlot + c];
        if ((v !== v || v === Infinity || v === -Infinity) && this.faultIndex < 0) this.faultIndex = this.writeAddr + c;
        ub[this.writeAddr + c] = v;
      }
      this.lastWriteCycle = t;
      if (t - this.t0 - this.L === op.rows - 1) this.active = false;
    }
  }
}

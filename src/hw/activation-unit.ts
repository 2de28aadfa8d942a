/**
 * Activation unit (TPU paper: "Activation", C lanes wide, pipelined). docs/ARCHITECTURE.md
 * "Activation unit (ACT)".
 *
 * Registers:
 *   stages[(L+1)*C]  Float32Array  row results in flight; step p's result sits in slot p mod (L+1)
 *   op: accumulator row, rows, cols, destination, stride, fn, scales (idle when none)
 *   p: progress, the steps done (granted cycles since issue)                       reset idle
 *   staged unified-buffer row write (one per cycle)
 * Inputs:  start (the controller, at issue); the grant of this cycle's request; the accumulators.
 * Outputs: the request (one accumulator read port while p < rows, one unified-buffer write port
 *          while p >= L, together); one buffer row write per granted cycle; activity; `completed`.
 * Step p reads accumulator row acc+p and writes buffer row p-L, granted together or not at all; a
 * refused cycle holds every register. The op completes with step rows+L-1.
 */
import type { DType, HwConfig } from "../config/hw-config.js";
import { activate } from "../numerics/vector-ops.js";
import { CNT_ACC_READ, CNT_ACTIVATION_ELEMENTS, CNT_UB_WRITTEN, U_ACTIVATION, type CycleActivity } from "./activity.js";
import type { UnitRequests } from "./arbiter.js";

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
  private readonly eb: number;
  private readonly dtype: DType;
  private readonly stages: Float32Array;
  private readonly op: ActivationOp = { acc: 0, rows: 0, cols: 0, ub: 0, ustride: 0, fn: 0, inScale: 1, outScale: 1 };
  private active = false;
  private p = 0;
  private granted = false;
  /** Staged write: destination address and slot, -1 when none. */
  private writeAddr = -1;
  private writeSlot = 0;
  completed = false;
  faultIndex = -1;

  constructor(cfg: Readonly<HwConfig>) {
    this.L = cfg.activationLatency;
    this.C = cfg.cols;
    this.eb = cfg.elementBytes;
    this.dtype = cfg.dtype;
    this.stages = new Float32Array((this.L + 1) * this.C);
  }

  start(op: Readonly<ActivationOp>): void {
    Object.assign(this.op, op);
    this.p = 0;
    this.active = true;
  }

  get busy(): boolean {
    return this.active;
  }

  request(req: UnitRequests): void {
    if (!this.active) return;
    req.active[U_ACTIVATION] = 1;
    req.accRead[U_ACTIVATION] = this.p < this.op.rows ? 1 : 0;
    req.ubWrite[U_ACTIVATION] = this.p >= this.L ? 1 : 0;
  }

  evaluate(granted: boolean, acc: Float32Array | Int32Array, accCols: number): void {
    this.writeAddr = -1;
    this.granted = this.active && granted;
    if (!this.granted) return;
    const { op, L, C, p } = this;
    if (p < op.rows) {
      const slot = (p % (L + 1)) * C;
      const rowBase = (op.acc + p) * accCols;
      for (let c = 0; c < op.cols; c++) this.stages[slot + c] = activate(acc[rowBase + c], op.fn, op.inScale, op.outScale, this.dtype);
    }
    if (p >= L) {
      this.writeAddr = op.ub + (p - L) * op.ustride;
      this.writeSlot = ((p - L) % (L + 1)) * C;
    }
  }

  /** Apply the staged row to the unified buffer values. */
  commit(ub: Float32Array, activity: CycleActivity): void {
    this.completed = false;
    if (!this.granted) return;
    const { op } = this;
    activity.busy[U_ACTIVATION] = 1;
    if (this.p < op.rows) {
      activity.counts[CNT_ACC_READ] += op.cols * 4;
      activity.counts[CNT_ACTIVATION_ELEMENTS] += op.cols;
    }
    if (this.writeAddr >= 0) {
      for (let c = 0; c < op.cols; c++) {
        const v = this.stages[this.writeSlot + c];
        if ((v !== v || v === Infinity || v === -Infinity) && this.faultIndex < 0) this.faultIndex = this.writeAddr + c;
        ub[this.writeAddr + c] = v;
      }
      activity.counts[CNT_UB_WRITTEN] += op.cols * this.eb;
    }
    this.p++;
    if (this.p === op.rows + this.L) {
      this.active = false;
      this.completed = true;
    }
    this.granted = false;
  }
}

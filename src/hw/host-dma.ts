/**
 * Host DMA (TPU paper: "Host Interface", Read_Host_Memory / Write_Host_Memory). docs/ARCHITECTURE.md
 * "Host DMA (RHM, WHM, WHMA)".
 *
 * Registers: the transfer (kind, addresses, strides, rows, cols, bytes per element), `done` bytes
 * moved (reset idle), the next element to complete and its row/column.
 * Inputs:  start (the controller, at issue); bytes granted on the host link each cycle.
 * Outputs: this cycle's activity (link bytes, chip-side bytes), `completed`, a latched fault.
 * Per cycle it moves min(hostBytesPerCycle, remaining) bytes; element e (block order) is written at
 * its destination in the cycle the link has carried (e+1) elements' bytes. Evaluate latches the range
 * of elements that complete; commit moves them. The scoreboard keeps source and destination
 * untouched by other units until completion, so the value read when the element's last byte lands is
 * the one that started crossing. Host values cross as fp32 and convert to the array data type.
 */
import type { DType, HwConfig } from "../config/hw-config.js";
import { roundBf16InPlace } from "../numerics/bf16.js";
import { convertToDtype } from "../numerics/vector-ops.js";
import { CNT_ACC_READ, CNT_HOST_READ, CNT_HOST_WRITTEN, CNT_UB_READ, CNT_UB_WRITTEN, U_DMA, type CycleActivity } from "./activity.js";
import type { UnitRequests } from "./arbiter.js";

export const DMA_IDLE = 0;
export const DMA_RHM = 1;
export const DMA_WHM = 2;
export const DMA_WHMA = 3;

export interface DmaTransfer {
  kind: number;
  host: number;
  hstride: number;
  /** Unified-buffer address and stride (RHM, WHM), or the first accumulator row (WHMA). */
  chip: number;
  cstride: number;
  rows: number;
  cols: number;
}

export class HostDma {
  private kind = DMA_IDLE;
  private readonly t: DmaTransfer = { kind: 0, host: 0, hstride: 0, chip: 0, cstride: 0, rows: 0, cols: 0 };
  private elementBytes = 1;
  private total = 0;
  private done = 0;
  private doneNext = 0;
  /** Next element to complete, as index and row/column in block order. */
  private element = 0;
  private row = 0;
  private col = 0;
  private completeTo = 0;
  private readonly eb: number;
  private readonly dtype: DType;
  private readonly accCols: number;
  completed = false;
  /** Unified-buffer address of the first non-finite value written (bf16), -1 when none. */
  faultIndex = -1;
  private ubBits: Uint32Array | null = null;

  constructor(cfg: Readonly<HwConfig>) {
    this.eb = cfg.elementBytes;
    this.dtype = cfg.dtype;
    this.accCols = cfg.cols;
  }

  get busy(): boolean {
    return this.kind !== DMA_IDLE;
  }

  start(transfer: Readonly<DmaTransfer>): void {
    Object.assign(this.t, transfer);
    this.kind = transfer.kind;
    this.elementBytes = transfer.kind === DMA_WHMA ? 4 : this.eb;
    this.total = transfer.rows * transfer.cols * this.elementBytes;
    this.done = 0;
    this.element = 0;
    this.row = 0;
    this.col = 0;
  }

  request(req: UnitRequests): void {
    if (this.kind === DMA_IDLE) return;
    req.active[U_DMA] = 1;
    req.hostBytes[U_DMA] = this.total - this.done;
  }

  evaluate(granted: number): void {
    this.doneNext = this.done + granted;
    this.completeTo = Math.floor(this.doneNext / this.elementBytes);
  }

  /** RHM: n host values to the buffer, as fp32 then the data type (bf16 rows round in place). */
  private landInBuffer(host: Float64Array, h: number, ub: Float32Array, u: number, n: number): void {
    if (this.dtype === "bf16") {
      for (let k = 0; k < n; k++) ub[u + k] = host[h + k];
      this.ubBits ??= new Uint32Array(ub.buffer, ub.byteOffset, ub.length);
      const bad = roundBf16InPlace(ub, u, u + n, this.ubBits);
      if (bad >= 0 && this.faultIndex < 0) this.faultIndex = bad;
      return;
    }
    for (let k = 0; k < n; k++) {
      const f = Math.fround(host[h + k]);
      // An integer already in range converts to itself (-0 included): skip the rounding rules.
      ub[u + k] = f >= -128 && f <= 127 && (f | 0) === f ? f : convertToDtype(f, this.dtype);
    }
  }

  commit(host: Float64Array, ub: Float32Array, acc: Float32Array | Int32Array, activity: CycleActivity): void {
    this.completed = false;
    if (this.kind === DMA_IDLE) return;
    const { t, elementBytes: s } = this;
    const g = this.doneNext - this.done;
    const started = Math.ceil(this.doneNext / s) - Math.ceil(this.done / s);
    const landed = this.completeTo - this.element;
    activity.busy[U_DMA] = 1;
    if (this.kind === DMA_RHM) {
      activity.counts[CNT_HOST_READ] += g;
      activity.counts[CNT_UB_WRITTEN] += landed * s;
    } else {
      activity.counts[CNT_HOST_WRITTEN] += g;
      activity.counts[this.kind === DMA_WHMA ? CNT_ACC_READ : CNT_UB_READ] += started * s;
    }
    // The landed elements, one row segment at a time.
    while (this.element < this.completeTo) {
      const n = Math.min(t.cols - this.col, this.completeTo - this.element);
      const h = t.host + this.row * t.hstride + this.col;
      if (this.kind === DMA_RHM) this.landInBuffer(host, h, ub, t.chip + this.row * t.cstride + this.col, n);
      else if (this.kind === DMA_WHM) {
        const u = t.chip + this.row * t.cstride + this.col;
        for (let k = 0; k < n; k++) host[h + k] = ub[u + k];
      } else {
        const a = (t.chip + this.row) * this.accCols + this.col;
        for (let k = 0; k < n; k++) host[h + k] = acc[a + k];
      }
      this.element += n;
      this.col += n;
      if (this.col === t.cols) {
        this.col = 0;
        this.row++;
      }
    }
    this.done = this.doneNext;
    if (this.done === this.total) {
      this.kind = DMA_IDLE;
      this.completed = true;
    }
  }
}

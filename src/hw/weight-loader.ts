/**
 * Weight loader: fills a weight FIFO slot from weight memory (RDW) or from the unified buffer (RDWU).
 * docs/ARCHITECTURE.md "Weight loader (RDW, RDWU) and weight FIFO", "Weight memory".
 *
 * Registers: the load (source address, stride, rows, cols, transpose, target slot), `done` (RDW:
 * bytes moved; RDWU: buffer rows read), the next tile element to land and its row/column.
 * Inputs:  start (the controller, at issue, with the slot it reserved); the channel bytes (RDW) or
 *          the read-port grant (RDWU) of this cycle.
 * Outputs: this cycle's activity, `completed` (the slot is staged ready), a latched fault.
 * RDW moves the dtype copy of each weight, `elementBytes` per element in tile row-major order; an
 * element lands in the slot in the cycle its last byte crosses (the copy is conv(master): the model
 * stores only the masters). RDWU copies one buffer row per granted cycle (a tile column when
 * transposed). Evaluate latches what lands; commit writes it into the slot.
 */
import type { DType, HwConfig } from "../config/hw-config.js";
import { convertToDtype } from "../numerics/vector-ops.js";
import { CNT_FIFO_WRITTEN, CNT_UB_READ, CNT_WM_READ, U_WEIGHTS, type CycleActivity } from "./activity.js";
import type { UnitRequests } from "./arbiter.js";
import type { WeightFifo } from "./weight-fifo.js";

export const LOAD_IDLE = 0;
export const LOAD_RDW = 1;
export const LOAD_RDWU = 2;

export interface TileRead {
  addr: number;
  stride: number;
  rows: number;
  cols: number;
  transpose: boolean;
}

export class WeightLoader {
  private kind = LOAD_IDLE;
  private readonly read: TileRead = { addr: 0, stride: 0, rows: 0, cols: 0, transpose: false };
  private slotBase = 0;
  private slot = 0;
  private total = 0;
  private done = 0;
  private doneNext = 0;
  private element = 0;
  private row = 0;
  private col = 0;
  private landTo = 0;
  private readonly C: number;
  private readonly eb: number;
  private readonly dtype: DType;
  completed = false;
  /** Weight-memory address of the first non-finite copy that landed (bf16), -1 when none. */
  faultAddress = -1;

  constructor(cfg: Readonly<HwConfig>) {
    this.C = cfg.cols;
    this.eb = cfg.elementBytes;
    this.dtype = cfg.dtype;
  }

  get busy(): boolean {
    return this.kind !== LOAD_IDLE;
  }

  start(kind: number, read: Readonly<TileRead>, slot: number, slotBase: number): void {
    this.kind = kind;
    Object.assign(this.read, read);
    this.slot = slot;
    this.slotBase = slotBase;
    this.total = kind === LOAD_RDW ? read.rows * read.cols * this.eb : read.transpose ? read.cols : read.rows;
    this.done = 0;
    this.element = 0;
    this.row = 0;
    this.col = 0;
  }

  request(req: UnitRequests): void {
    if (this.kind === LOAD_IDLE) return;
    req.active[U_WEIGHTS] = 1;
    if (this.kind === LOAD_RDW) req.weightBytes[U_WEIGHTS] = this.total - this.done;
    else req.ubRead[U_WEIGHTS] = 1;
  }

  /** `granted`: 1/0 for RDWU, channel bytes for RDW. */
  evaluate(granted: number): void {
    if (this.kind === LOAD_RDW) {
      this.doneNext = this.done + granted;
      this.landTo = Math.floor(this.doneNext / this.eb);
    } else this.doneNext = this.done + (granted > 0 ? 1 : 0);
  }

  commit(wm: Float32Array, ub: Float32Array, fifo: WeightFifo, activity: CycleActivity): void {
    this.completed = false;
    if (this.kind === LOAD_IDLE || this.doneNext === this.done) return;
    activity.busy[U_WEIGHTS] = 1;
    const { read, C } = this;
    const tiles = fifo.tiles;
    if (this.kind === LOAD_RDW) {
      activity.counts[CNT_WM_READ] += this.doneNext - this.done;
      activity.counts[CNT_FIFO_WRITTEN] += (this.landTo - this.element) * this.eb;
      for (; this.element < this.landTo; this.element++) {
        const src = read.transpose ? read.addr + this.col * read.stride + this.row : read.addr + this.row * read.stride + this.col;
        const v = convertToDtype(wm[src], this.dtype);
        if ((v !== v || v === Infinity || v === -Infinity) && this.faultAddress < 0) this.faultAddress = src;
        tiles[this.slotBase + this.row * C + this.col] = v;
        if (++this.col === read.cols) {
          this.col = 0;
          this.row++;
        }
      }
    } else {
      // Buffer row `done`: a tile row, or a tile column when transposed.
      const src = read.addr + this.done * read.stride;
      const n = read.transpose ? read.rows : read.cols;
      if (read.transpose) for (let r = 0; r < n; r++) tiles[this.slotBase + r * C + this.done] = ub[src + r];
      else for (let c = 0; c < n; c++) tiles[this.slotBase + this.done * C + c] = ub[src + c];
      activity.counts[CNT_UB_READ] += n * this.eb;
      activity.counts[CNT_FIFO_WRITTEN] += n * this.eb;
    }
    this.done = this.doneNext;
    if (this.done === this.total) {
      this.kind = LOAD_IDLE;
      this.completed = true;
      fifo.stageReady(this.slot);
    }
  }
}

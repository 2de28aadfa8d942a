/**
 * Vector unit: elementwise training math (VEC), transposes (VTR), row-wise softmax (VSMX) and the
 * SGD update of fp32 master weights from accumulator gradients (VSGD). docs/ARCHITECTURE.md "Vector
 * unit (VEC, VTR, VSMX, VSGD)".
 *
 * Registers: the op and its fields; progress `w` (granted cycles since issue; VSGD: bytes moved);
 *   slots[(Lv+1)*lanes]  VEC results in flight (step p in slot p mod (Lv+1)); operand latch (VEC
 *   with one read port: a is read a cycle before b); block buffer (VTR, VSMX: the whole source
 *   block); the softmax row in flight (VSMX).
 * Inputs:  start (the controller, at issue); the grant of this cycle's request; the memories.
 * Outputs: the request (unified-buffer read/write accesses; VSGD: one accumulator read port and
 *          bytes on the weight-memory channel); staged writes; activity; `completed`; faults.
 * A step touches one row segment of up to `vectorLanes` elements. VEC: step p reads its k sources
 * and writes the result of step p-Lv, together (with one read port and two sources a step takes two
 * granted cycles: a, then b with the write). VTR, VSMX: reads, Lv empty cycles, writes. VSGD: a byte
 * stream of 8 + elementBytes bytes per weight (4 master bytes read, then 4 master and elementBytes
 * copy bytes written); a weight is updated in the cycle its last byte moves.
 */
import type { DType, HwConfig } from "../config/hw-config.js";
import { roundBf16 } from "../numerics/bf16.js";
import { sgdStep, softmaxRow, VEC_COPY, vectorLane } from "../numerics/vector-ops.js";
import {
  CNT_ACC_READ, CNT_UB_READ, CNT_UB_WRITTEN, CNT_VECTOR_ELEMENTS, CNT_WM_READ, CNT_WM_WRITTEN, U_VECTOR, type CycleActivity,
} from "./activity.js";
import type { UnitRequests } from "./arbiter.js";

export const VU_IDLE = 0;
export const VU_VEC = 1;
export const VU_VTR = 2;
export const VU_VSMX = 3;
export const VU_VSGD = 4;

/** One vector instruction's fields (unused ones 0). `src`/`sstride` are VEC's `a` for VTR/VSMX. */
export interface VectorInstr {
  kind: number;
  fn: number;
  imm: number;
  rows: number;
  cols: number;
  dst: number;
  dstride: number;
  a: number;
  astride: number;
  b: number;
  bstride: number;
  /** VSGD: weight memory block, first accumulator row, learning rate. */
  wm: number;
  wstride: number;
  acc: number;
  lr: number;
}

export class VectorUnit {
  private readonly lanes: number;
  private readonly Lv: number;
  private readonly eb: number;
  private readonly dtype: DType;
  private readonly readPorts: number;
  private readonly accCols: number;
  private readonly op: VectorInstr = { kind: 0, fn: 0, imm: 0, rows: 0, cols: 0, dst: 0, dstride: 0, a: 0, astride: 0, b: 0, bstride: 0, wm: 0, wstride: 0, acc: 0, lr: 0 };
  private kind = VU_IDLE;
  /** VEC: sources k, cycles per read step q, steps S, segments per row g. VTR/VSMX: Sr, Sw. */
  private k = 1;
  private q = 1;
  private S = 0;
  private g = 1;
  private Sr = 0;
  private Sw = 0;
  private w = 0;
  private total = 0;
  private readonly slots: Float32Array;
  private readonly aLatch: Float32Array;
  private block = new Float32Array(0);
  private softmax = new Float64Array(0);
  private rowScratch = new Float32Array(0);
  private granted = false;
  private bytes = 0;
  /** Staged write of this cycle: destination address, element count, source (slot or block). */
  private writeAddr = -1;
  private writeCount = 0;
  private writeFrom = 0;
  private writeIndex = 0;
  completed = false;
  /** Unified-buffer (VEC, VSMX) or weight-memory (VSGD) address of the first non-finite write. */
  faultIndex = -1;
  faultInWeights = false;

  constructor(cfg: Readonly<HwConfig>) {
    this.lanes = cfg.vectorLanes;
    this.Lv = cfg.vectorLatency;
    this.eb = cfg.elementBytes;
    this.dtype = cfg.dtype;
    this.readPorts = cfg.unifiedBufferReadPorts;
    this.accCols = cfg.cols;
    this.slots = new Float32Array((this.Lv + 1) * this.lanes);
    this.aLatch = new Float32Array(this.lanes);
  }

  get busy(): boolean {
    return this.kind !== VU_IDLE;
  }

  /** Issue. Grows the block buffer when a VTR/VSMX block is larger than any before (not per cycle). */
  start(op: Readonly<VectorInstr>): void {
    Object.assign(this.op, op);
    this.kind = op.kind;
    this.w = 0;
    const { rows, cols } = op;
    const L = this.lanes;
    this.g = Math.ceil(cols / L);
    if (op.kind === VU_VEC) {
      this.k = op.fn === VEC_COPY ? 1 : 2;
      this.q = Math.ceil(this.k / this.readPorts);
      this.S = rows * this.g;
      this.total = this.q * this.S + this.Lv;
    } else if (op.kind === VU_VSGD) {
      this.total = rows * cols * (8 + this.eb);
    } else {
      this.Sr = rows * this.g;
      this.Sw = op.kind === VU_VTR ? cols * Math.ceil(rows / L) : this.Sr;
      this.total = this.Sr + this.Lv + this.Sw;
      if (this.block.length < rows * cols) this.block = new Float32Array(rows * cols);
      if (op.kind === VU_VSMX && this.softmax.length < cols) {
        this.softmax = new Float64Array(cols);
        this.rowScratch = new Float32Array(cols);
      }
    }
  }

  request(req: UnitRequests): void {
    if (this.kind === VU_IDLE) return;
    const u = U_VECTOR;
    req.active[u] = 1;
    const w = this.w;
    if (this.kind === VU_VEC) {
      const qS = this.q * this.S;
      if (w < qS) {
        const p = this.q === 1 ? w : w >> 1;
        const last = w - this.q * p === this.q - 1;
        req.ubRead[u] = this.q === 1 ? this.k : 1;
        req.ubWrite[u] = last && p >= this.Lv ? 1 : 0;
      } else req.ubWrite[u] = this.S + w - qS >= this.Lv ? 1 : 0;
    } else if (this.kind === VU_VSGD) {
      req.accRead[u] = 1;
      req.weightBytes[u] = Math.min(this.lanes * (8 + this.eb), this.total - this.w);
    } else if (w < this.Sr) req.ubRead[u] = 1;
    else if (w >= this.Sr + this.Lv) req.ubWrite[u] = 1;
  }

  /** `granted`: the arbiter's verdict; `bytes`: channel bytes granted (VSGD). */
  evaluate(granted: boolean, bytes: number, ub: Float32Array, activity: CycleActivity): void {
    this.writeAddr = -1;
    this.granted = this.kind !== VU_IDLE && granted;
    if (!this.granted) return;
    activity.busy[U_VECTOR] = 1;
    if (this.kind === VU_VEC) this.evaluateVec(ub, activity);
    else if (this.kind === VU_VSGD) this.bytes = bytes;
    else this.evaluateBlock(ub, activity);
  }

  private segment(p: number): number {
    return p - Math.floor(p / this.g) * this.g;
  }

  private evaluateVec(ub: Float32Array, activity: CycleActivity): void {
    const { op, q, S, Lv, lanes, g } = this;
    const w = this.w;
    const eb = this.eb;
    let writeStep = -1;
    if (w < q * S) {
      const p = q === 1 ? w : w >> 1;
      const sub = w - q * p;
      const r = Math.floor(p / g);
      const c0 = (p - r * g) * lanes;
      const n = Math.min(lanes, op.cols - c0);
      const a = op.a + r * op.astride + c0;
      const b = op.b + r * op.bstride + c0;
      if (q === 2 && sub === 0) {
        for (let i = 0; i < n; i++) this.aLatch[i] = ub[a + i];
        activity.counts[CNT_UB_READ] += n * eb;
        return;
      }
      activity.counts[CNT_UB_READ] += (q === 1 ? this.k : 1) * n * eb;
      const slot = (p % (Lv + 1)) * lanes;
      for (let i = 0; i < n; i++) {
        const x = q === 2 ? this.aLatch[i] : ub[a + i];
        this.slots[slot + i] = vectorLane(op.fn, x, this.k === 2 ? ub[b + i] : 0, op.imm, this.dtype);
      }
      if (p >= Lv) writeStep = p - Lv;
    } else if (S + w - q * S >= Lv) writeStep = S + w - q * S - Lv;
    if (writeStep < 0) return;
    const r = Math.floor(writeStep / g);
    const c0 = (writeStep - r * g) * lanes;
    this.writeAddr = op.dst + r * op.dstride + c0;
    this.writeCount = Math.min(lanes, op.cols - c0);
    this.writeFrom = (writeStep % (Lv + 1)) * lanes;
  }

  /** VTR and VSMX: read the source block into the buffer, wait Lv cycles, write the result. */
  private evaluateBlock(ub: Float32Array, activity: CycleActivity): void {
    const { op, lanes, g } = this;
    const w = this.w;
    if (w < this.Sr) {
      const r = Math.floor(w / g);
      const c0 = this.segment(w) * lanes;
      const n = Math.min(lanes, op.cols - c0);
      const src = op.a + r * op.astride + c0;
      const to = r * op.cols + c0;
      for (let i = 0; i < n; i++) this.block[to + i] = ub[src + i];
      activity.counts[CNT_UB_READ] += n * this.eb;
      activity.counts[CNT_VECTOR_ELEMENTS] += n;
      return;
    }
    const i = w - this.Sr - this.Lv;
    if (i < 0) return;
    if (this.kind === VU_VTR) {
      // Destination row rr (a source column) has `rows` elements, in segments of `lanes`.
      const gr = Math.ceil(op.rows / lanes);
      const rr = Math.floor(i / gr);
      const c0 = (i - rr * gr) * lanes;
      this.writeAddr = op.dst + rr * op.dstride + c0;
      this.writeCount = Math.min(lanes, op.rows - c0);
      this.writeFrom = rr;
      this.writeIndex = c0;
      return;
    }
    const r = Math.floor(i / g);
    const c0 = (i - r * g) * lanes;
    if (c0 === 0) {
      for (let c = 0; c < op.cols; c++) this.rowScratch[c] = this.block[r * op.cols + c];
      softmaxRow(this.rowScratch, op.cols, this.softmax, this.dtype);
    }
    this.writeAddr = op.dst + r * op.dstride + c0;
    this.writeCount = Math.min(lanes, op.cols - c0);
    this.writeIndex = c0;
  }

  commit(ub: Float32Array, wm: Float32Array, acc: Float32Array | Int32Array, activity: CycleActivity): void {
    this.completed = false;
    if (!this.granted) return;
    this.granted = false;
    if (this.kind === VU_VSGD) this.commitSgd(wm, acc, activity);
    else {
      if (this.writeAddr >= 0) this.commitWrite(ub, activity);
      this.w++;
    }
    if (this.w === this.total) {
      this.kind = VU_IDLE;
      this.completed = true;
    }
  }

  private commitWrite(ub: Float32Array, activity: CycleActivity): void {
    const n = this.writeCount;
    const d = this.writeAddr;
    activity.counts[CNT_UB_WRITTEN] += n * this.eb;
    if (this.kind === VU_VTR) {
      // Element c' of destination row rr is source (c', rr).
      const cols = this.op.cols;
      for (let i = 0; i < n; i++) ub[d + i] = this.block[(this.writeIndex + i) * cols + this.writeFrom];
      return;
    }
    const vsmx = this.kind === VU_VSMX;
    if (!vsmx) activity.counts[CNT_VECTOR_ELEMENTS] += n;
    for (let i = 0; i < n; i++) {
      const v = vsmx ? this.softmax[this.writeIndex + i] : this.slots[this.writeFrom + i];
      if ((v !== v || v === Infinity || v === -Infinity) && this.faultIndex < 0) this.faultIndex = d + i;
      ub[d + i] = v;
    }
  }

  /** VSGD: bytes [w, w + g) of the stream; each weight's gradient is read with its first byte. */
  private commitSgd(wm: Float32Array, acc: Float32Array | Int32Array, activity: CycleActivity): void {
    const s = 8 + this.eb;
    const from = this.w;
    const to = from + this.bytes;
    const read = sgdReadBytes(to, s) - sgdReadBytes(from, s);
    activity.counts[CNT_WM_READ] += read;
    activity.counts[CNT_WM_WRITTEN] += to - from - read;
    activity.counts[CNT_ACC_READ] += 4 * (Math.ceil(to / s) - Math.ceil(from / s));
    const { op } = this;
    const last = Math.floor(to / s);
    activity.counts[CNT_VECTOR_ELEMENTS] += last - Math.floor(from / s);
    for (let e = Math.floor(from / s); e < last; e++) {
      const r = Math.floor(e / op.cols);
      const c = e - r * op.cols;
      const addr = op.wm + r * op.wstride + c;
      const v = sgdStep(wm[addr], op.lr, acc[(op.acc + r) * this.accCols + c]);
      if (this.dtype === "bf16" && !isFiniteWeight(v) && this.faultIndex < 0) {
        this.faultIndex = addr;
        this.faultInWeights = true;
      }
      wm[addr] = v;
    }
    this.w = to;
  }
}

/** Bytes of a VSGD stream's first `x` that are master reads (the first 4 of each 8+eb). */
export function sgdReadBytes(x: number, bytesPerWeight: number): number {
  const e = Math.floor(x / bytesPerWeight);
  return e * 4 + Math.min(x - e * bytesPerWeight, 4);
}

/** A master weight and its bf16 copy are both finite (the copy rounds; 3.4e38 becomes infinity). */
export function isFiniteWeight(v: number): boolean {
  return v === v && v !== Infinity && v !== -Infinity && Number.isFinite(roundBf16(v));
}

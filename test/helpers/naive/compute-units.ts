/**
 * The naive activation and vector units (docs/ARCHITECTURE.md "Activation unit", "Vector unit").
 * Progress p counts granted cycles. ACT and VEC carry their results through an explicit pipeline of
 * latency+1 stage registers, moved one stage per granted cycle; VTR and VSMX fill a block buffer,
 * then write; VSGD counts channel bytes one by one.
 */
import { VEC_COPY, activate, sgdStep, softmaxRow, vectorLane } from "../../../src/numerics/vector-ops.js";
import { roundBf16 } from "../../../src/numerics/bf16.js";
import { RANK_ACTIVATION, RANK_VECTOR, type CycleIo, type Request } from "./cycle.js";
import type { NaiveOp } from "./ops.js";

/** A row (segment) in flight in a pipeline: where it goes and its values. */
interface Stage {
  row: number;
  col0: number;
  values: number[];
}

/** Move the pipeline one stage; `incoming` enters stage 0; returns what leaves stage L this cycle. */
function advance(stages: (Stage | null)[], incoming: Stage | null): Stage | null {
  for (let k = stages.length - 1; k > 0; k--) stages[k] = stages[k - 1];
  stages[0] = incoming;
  return stages[stages.length - 1];
}

export class NaiveActivation {
  cur: NaiveOp | null = null;
  private p = 0;
  private stages: (Stage | null)[] = [];

  constructor(private readonly L: number) {}

  start(op: NaiveOp): void {
    this.cur = op;
    this.p = 0;
    this.stages = new Array<Stage | null>(this.L + 1).fill(null);
  }

  request(): Request {
    const rows = this.cur!.f.rows;
    return { ubRead: 0, ubWrite: this.p >= this.L ? 1 : 0, accRead: this.p < rows ? 1 : 0, channel: 0 };
  }

  /** One granted step; true when the last row was written. */
  work(io: CycleIo): boolean {
    const op = this.cur!;
    const f = op.f;
    const C = io.hw.cols;
    let incoming: Stage | null = null;
    if (this.p < f.rows) {
      const values: number[] = [];
      for (let c = 0; c < f.cols; c++) values.push(activate(io.mem.acc[(f.acc + this.p) * C + c], f.fn, f.inscale, f.outscale, io.hw.dtype));
      incoming = { row: this.p, col0: 0, values };
      io.ctr.accReadBytes += f.cols * 4;
      io.ctr.activationElements += f.cols;
    }
    const out = advance(this.stages, incoming);
    if (out) {
      out.values.forEach((v, c) => io.writeUb(RANK_ACTIVATION, out.row * f.cols + c, "activation", op.pc, f.ub + out.row * f.ustride + c, v));
      io.ctr.ubWrittenBytes += f.cols * io.eb;
    }
    this.p++;
    return this.p === f.rows + this.L;
  }
}

export class NaiveVector {
  cur: NaiveOp | null = null;
  private p = 0;
  private stages: (Stage | null)[] = [];
  private buffer: number[][] = [];
  /** VSGD: bytes moved, gradients and masters latched per element. */
  private moved = 0;
  private grad: number[] = [];
  private master: number[] = [];
  /** VEC with two sources and one read port: source a of the current step, read a cycle before b. */
  private latch: number[] | null = null;

  constructor(
    private readonly lanes: number,
    private readonly Lv: number,
    private readonly eb: number,
    private readonly ubReadPorts: number,
  ) {}

  start(op: NaiveOp): void {
    this.cur = op;
    this.p = 0;
    this.stages = new Array<Stage | null>(this.Lv + 1).fill(null);
    this.buffer = [];
    this.moved = 0;
    this.grad = [];
    this.master = [];
    this.latch = null;
  }

  /** VEC: sources per step, and granted cycles per reading step (2 when the sources outnumber the read ports). */
  private sources(): { k: number; q: number } {
    const k = this.cur!.f.fn === VEC_COPY ? 1 : 2;
    return { k, q: k > this.ubReadPorts ? 2 : 1 };
  }

  private groups(n: number): number {
    return Math.ceil(n / this.lanes);
  }

  /** Reads and writes of step p, and the phase lengths of VTR / VSMX. */
  private phases(): { S: number; Sr: number; Sw: number } {
    const f = this.cur!.f;
    const S = f.rows * this.groups(f.cols);
    if (this.cur!.op === "VTR") return { S, Sr: S, Sw: f.cols * this.groups(f.rows) };
    return { S, Sr: S, Sw: S };
  }

  request(): Request {
    const op = this.cur!;
    const f = op.f;
    const { S, Sr, Sw } = this.phases();
    const p = this.p;
    if (op.op === "VEC") {
      const { k, q } = this.sources();
      if (p < S && q === 2 && this.latch === null) return { ubRead: 1, ubWrite: 0, accRead: 0, channel: 0 };
      return { ubRead: p < S ? (q === 2 ? 1 : k) : 0, ubWrite: p >= this.Lv ? 1 : 0, accRead: 0, channel: 0 };
    }
    if (op.op === "VSGD") {
      const total = f.rows * f.cols * (8 + this.eb);
      return { ubRead: 0, ubWrite: 0, accRead: 1, channel: Math.min(this.lanes * (8 + this.eb), total - this.moved) };
    }
    return { ubRead: p < Sr ? 1 : 0, ubWrite: p >= Sr + this.Lv && p < Sr + this.Lv + Sw ? 1 : 0, accRead: 0, channel: 0 };
  }

  /** One granted step (VSGD: `channelBytes` > 0 granted); true when the last result was written. */
  work(io: CycleIo, channelBytes: number): boolean {
    const op = this.cur!;
    if (op.op === "VSGD") return this.sgd(io, channelBytes);
    const f = op.f;
    const ub = io.mem.ub;
    const g = this.groups(f.cols);
    const { S, Sr, Sw } = this.phases();
    const p = this.p;
    const write = (row: number, col0: number, dstRowAddr: number, values: number[], rowLength: number) => {
      values.forEach((v, j) => io.writeUb(RANK_VECTOR, row * rowLength + col0 + j, "vector", op.pc, dstRowAddr + col0 + j, v));
      io.ctr.ubWrittenBytes += values.length * io.eb;
    };
    if (op.op === "VEC") {
      const { k, q } = this.sources();
      let incoming: Stage | null = null;
      if (p < S) {
        const row = Math.floor(p / g);
        const col0 = (p % g) * this.lanes;
        const n = Math.min(this.lanes, f.cols - col0);
        if (q === 2 && this.latch === null) {
          // The step's first granted cycle: source a into the operand latch; no step advances.
          this.latch = [];
          for (let j = 0; j < n; j++) this.latch.push(ub[f.a + row * f.astride + col0 + j]);
          io.ctr.ubReadBytes += n * io.eb;
          return false;
        }
        const values: number[] = [];
        for (let j = 0; j < n; j++) {
          const a = this.latch ? this.latch[j] : ub[f.a + row * f.astride + col0 + j];
          const b = k === 1 ? 0 : ub[f.b + row * f.bstride + col0 + j];
          values.push(vectorLane(f.fn, a, b, f.imm, io.hw.dtype));
        }
        io.ctr.ubReadBytes += (q === 2 ? 1 : k) * n * io.eb;
        this.latch = null;
        incoming = { row, col0, values };
      }
      const out = advance(this.stages, incoming);
      if (out) {
        write(out.row, out.col0, f.dst + out.row * f.dstride, out.values, f.cols);
        io.ctr.vectorElements += out.values.length;
      }
      this.p++;
      return this.p === S + this.Lv;
    }
    // VTR and VSMX: read the source block segment by segment, wait Lv, write segment by segment.
    if (p < Sr) {
      const row = Math.floor(p / g);
      const col0 = (p % g) * this.lanes;
      const n = Math.min(this.lanes, f.cols - col0);
      this.buffer[row] ??= [];
      for (let j = 0; j < n; j++) this.buffer[row][col0 + j] = ub[f.src + row * f.sstride + col0 + j];
      io.ctr.ubReadBytes += n * io.eb;
      io.ctr.vectorElements += n;
    } else if (p >= Sr + this.Lv) {
      const q = p - Sr - this.Lv;
      if (op.op === "VTR") {
        const gw = this.groups(f.rows); // destination row c holds source column c: `rows` elements
        const c = Math.floor(q / gw);
        const r0 = (q % gw) * this.lanes;
        const n = Math.min(this.lanes, f.rows - r0);
        const values: number[] = [];
        for (let j = 0; j < n; j++) values.push(this.buffer[r0 + j][c]);
        write(c, r0, f.dst + c * f.dstride, values, f.rows);
      } else {
        const row = Math.floor(q / g);
        const col0 = (q % g) * this.lanes;
        const n = Math.min(this.lanes, f.cols - col0);
        const soft = new Float64Array(f.cols);
        softmaxRow(this.buffer[row], f.cols, soft, io.hw.dtype);
        write(row, col0, f.dst + row * f.dstride, Array.from(soft.subarray(col0, col0 + n)), f.cols);
      }
    }
    this.p++;
    return this.p === Sr + this.Lv + Sw;
  }

  /** VSGD: bytes in block order, per element 4 master bytes read, then 4 master + eb copy bytes written. */
  private sgd(io: CycleIo, m: number): boolean {
    const op = this.cur!;
    const f = op.f;
    const E = 8 + this.eb;
    const C = io.hw.cols;
    for (let i = this.moved; i < this.moved + m; i++) {
      const e = Math.floor(i / E);
      const o = i % E;
      const r = Math.floor(e / f.cols);
      const c = e % f.cols;
      const addr = f.wm + r * f.wstride + c;
      if (o < 4) io.ctr.weightReadBytes++;
      else io.ctr.weightWrittenBytes++;
      if (o === 0) {
        this.grad[e] = io.mem.acc[(f.acc + r) * C + c];
        io.ctr.accReadBytes += 4;
      }
      if (o === 3) this.master[e] = io.mem.wm[addr];
      if (o === E - 1) {
        const w = sgdStep(this.master[e], f.lr, this.grad[e]);
        if (io.bf16 && !(Number.isFinite(w) && Number.isFinite(roundBf16(w)))) {
          io.badValue(RANK_VECTOR, e, "vector", op.pc, `non-finite weight written to weight memory address ${addr}`);
        }
        io.write(io.mem.wm, addr, w);
        io.ctr.vectorElements++;
      }
    }
    this.moved += m;
    return this.moved === f.rows * f.cols * E;
  }
}

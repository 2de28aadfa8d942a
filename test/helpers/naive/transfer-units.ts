/**
 * The naive host DMA and weight loader (docs/ARCHITECTURE.md "Host DMA", "Weight loader"): byte
 * counters moved one byte at a time. An element's source is read in the cycle its first byte
 * crosses, its destination written in the cycle its last byte crosses; the instruction is done in the
 * cycle its last byte (or row) moves.
 */
import { RANK_DMA, RANK_LOADER, type CycleIo } from "./cycle.js";
import type { NaiveOp } from "./ops.js";
import type { Slot } from "./array.js";

export class NaiveDma {
  cur: NaiveOp | null = null;
  private moved = 0;
  private latched: number[] = [];

  start(op: NaiveOp): void {
    this.cur = op;
    this.moved = 0;
    this.latched = [];
  }

  /** Moves min(H, remaining) bytes; returns true when the last byte crossed this cycle. */
  work(io: CycleIo, H: number): boolean {
    const op = this.cur!;
    const f = op.f;
    const C = io.hw.cols;
    const es = op.op === "WHMA" ? 4 : io.eb;
    const total = f.rows * f.cols * es;
    const m = Math.min(H, total - this.moved);
    for (let i = this.moved; i < this.moved + m; i++) {
      const e = Math.floor(i / es);
      const r = Math.floor(e / f.cols);
      const c = e % f.cols;
      const first = i % es === 0;
      const last = i % es === es - 1;
      if (op.op === "RHM") {
        if (first) this.latched[e] = io.mem.host[f.host + r * f.hstride + c];
        if (last) {
          const addr = f.ub + r * f.ustride + c;
          io.writeUb(RANK_DMA, e, "dma", op.pc, addr, io.conv(Math.fround(this.latched[e])));
          io.ctr.ubWrittenBytes += io.eb;
        }
      } else {
        if (first && op.op === "WHM") {
          this.latched[e] = io.mem.ub[f.ub + r * f.ustride + c];
          io.ctr.ubReadBytes += io.eb;
        }
        if (first && op.op === "WHMA") {
          this.latched[e] = io.mem.acc[(f.acc + r) * C + c];
          io.ctr.accReadBytes += 4;
        }
        if (last) io.write(io.mem.host, f.host + r * f.hstride + c, this.latched[e]);
      }
    }
    if (op.op === "RHM") io.ctr.hostReadBytes += m;
    else io.ctr.hostWrittenBytes += m;
    this.moved += m;
    return this.moved === total;
  }
}

export class NaiveLoader {
  cur: NaiveOp | null = null;
  slot: Slot | null = null;
  /** RDW: bytes moved over the channel; RDWU: unified-buffer rows read. */
  private progress = 0;

  start(op: NaiveOp, slot: Slot): void {
    this.cur = op;
    this.slot = slot;
    this.progress = 0;
  }

  /** RDW: channel bytes wanted (min(W, remaining)); RDWU: one unified-buffer read port. */
  request(W: number, eb: number): { ubRead: number; channel: number } {
    const f = this.cur!.f;
    if (this.cur!.op === "RDW") return { ubRead: 0, channel: Math.min(W, f.rows * f.cols * eb - this.progress) };
    return { ubRead: 1, channel: 0 };
  }

  /** A granted cycle; returns true when the tile is complete (ready in its slot at the end of it). */
  work(io: CycleIo, channelBytes: number): boolean {
    const op = this.cur!;
    const f = op.f;
    const slot = this.slot!;
    const C = io.hw.cols;
    let done: boolean;
    if (op.op === "RDW") {
      for (let i = this.progress; i < this.progress + channelBytes; i++) {
        if (i % io.eb !== io.eb - 1) continue;
        const e = Math.floor(i / io.eb); // tile row-major order
        const r = Math.floor(e / f.cols);
        const c = e % f.cols;
        const addr = f.transpose ? f.wm + c * f.wstride + r : f.wm + r * f.wstride + c;
        const copy = io.conv(io.mem.wm[addr]);
        if (io.bf16 && !Number.isFinite(copy)) io.badValue(RANK_LOADER, e, "weights", op.pc, `non-finite weight at weight memory address ${addr}`);
        slot.w[r * C + c] = copy;
        io.ctr.weightFifoWritten += io.eb;
      }
      io.ctr.weightReadBytes += channelBytes;
      this.progress += channelBytes;
      done = this.progress === f.rows * f.cols * io.eb;
    } else {
      // One unified-buffer row: tile row i, or (transposed) tile column i.
      const i = this.progress;
      const n = f.transpose ? f.rows : f.cols;
      for (let j = 0; j < n; j++) {
        const v = io.mem.ub[f.ub + i * f.ustride + j];
        if (f.transpose) slot.w[j * C + i] = v;
        else slot.w[i * C + j] = v;
      }
      io.ctr.ubReadBytes += n * io.eb;
      io.ctr.weightFifoWritten += n * io.eb;
      this.progress++;
      done = this.progress === (f.transpose ? f.cols : f.rows);
    }
    if (done) slot.state = "ready";
    return done;
  }
}

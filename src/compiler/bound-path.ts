/**
 * The dependence critical path of a program (docs/BOUND.md "Critical path"): every instruction at its
 * unstalled duration, as early as its true dependences allow — RAW, WAR and WAW on exact element
 * addresses (not the scoreboard's bounding ranges), the accumulate rule between MMULs, a switching
 * MMUL after its tile's load and shift, SYNC as a fence — with no unit, port or issue-order limit.
 */
import type { HwConfig } from "../config/hw-config.js";
import { VECTOR_FUNCTIONS, type Instruction } from "../isa/opcodes.js";
import { instructionWork } from "./bound-work.js";

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;

/** Per element the latest completion cycle of an earlier access, sparse (pages on first touch). */
class LatestCompletion {
  private readonly pages = new Map<number, Float64Array>();

  constructor(private readonly empty = -1) {}

  /** The latest value over elements [lo, hi), or `empty`. */
  max(lo: number, hi: number): number {
    let m = this.empty;
    for (let a = lo; a < hi; ) {
      const p = this.pages.get(a >>> PAGE_BITS);
      const end = Math.min(hi, ((a >>> PAGE_BITS) + 1) << PAGE_BITS);
      if (p) for (let i = a & (PAGE - 1), e = i + end - a; i < e; i++) if (p[i] > m) m = p[i];
      a = end;
    }
    return m;
  }

  raise(lo: number, hi: number, v: number): void {
    for (let a = lo; a < hi; ) {
      const key = a >>> PAGE_BITS;
      let p = this.pages.get(key);
      if (!p) {
        p = new Float64Array(PAGE).fill(this.empty);
        this.pages.set(key, p);
      }
      const end = Math.min(hi, (key + 1) << PAGE_BITS);
      for (let i = a & (PAGE - 1), e = i + end - a; i < e; i++) if (p[i] < v) p[i] = v;
      a = end;
    }
  }
}

const VEC_COPY = VECTOR_FUNCTIONS.indexOf("copy");

type Mem = "ub" | "acc" | "wm" | "host";

interface Block {
  readonly mem: Mem;
  readonly addr: number;
  readonly stride: number;
  readonly rows: number;
  readonly cols: number;
  readonly write: boolean;
}

const blk = (mem: Mem, addr: number, stride: number, rows: number, cols: number, write: boolean): Block => ({ mem, addr, stride, rows, cols, write });
/** Accumulator rows: dependences are by row (the only writer, MMUL, writes all C columns of a row). */
const accRows = (first: number, rows: number, write: boolean): Block => blk("acc", first, 1, rows, 1, write);

/** The elements each instruction reads and writes (docs/ISA.md). MMUL's accumulator rows are apart. */
export function blocksOf(ins: Instruction): Block[] {
  const f = ins.f;
  switch (ins.op) {
    case "RHM": return [blk("host", f.host, f.hstride, f.rows, f.cols, false), blk("ub", f.ub, f.ustride, f.rows, f.cols, true)];
    case "WHM": return [blk("ub", f.ub, f.ustride, f.rows, f.cols, false), blk("host", f.host, f.hstride, f.rows, f.cols, true)];
    case "WHMA": return [accRows(f.acc, f.rows, false), blk("host", f.host, f.hstride, f.rows, f.cols, true)];
    case "RDW": return [f.transpose ? blk("wm", f.wm, f.wstride, f.cols, f.rows, false) : blk("wm", f.wm, f.wstride, f.rows, f.cols, false)];
    case "RDWU": return [f.transpose ? blk("ub", f.ub, f.ustride, f.cols, f.rows, false) : blk("ub", f.ub, f.ustride, f.rows, f.cols, false)];
    case "MMUL": return [blk("ub", f.ub, f.ustride, f.rows, f.cols, false)];
    case "ACT": return [accRows(f.acc, f.rows, false), blk("ub", f.ub, f.ustride, f.rows, f.cols, true)];
    case "VEC": {
      const src = [blk("ub", f.a, f.astride, f.rows, f.cols, false)];
      if (f.fn !== VEC_COPY) src.push(blk("ub", f.b, f.bstride, f.rows, f.cols, false));
      return [...src, blk("ub", f.dst, f.dstride, f.rows, f.cols, true)];
    }
    case "VTR": return [blk("ub", f.src, f.sstride, f.rows, f.cols, false), blk("ub", f.dst, f.dstride, f.cols, f.rows, true)];
    case "VSMX": return [blk("ub", f.src, f.sstride, f.rows, f.cols, false), blk("ub", f.dst, f.dstride, f.rows, f.cols, true)];
    case "VSGD": return [accRows(f.acc, f.rows, false), blk("wm", f.wm, f.wstride, f.rows, f.cols, true)];
    default: return [];
  }
}

interface Memories {
  readonly written: Record<Mem, LatestCompletion>;
  readonly read: Record<Mem, LatestCompletion>;
}

function forRows(b: Block, each: (lo: number, hi: number) => void): void {
  for (let r = 0; r < b.rows; r++) each(b.addr + r * b.stride, b.addr + r * b.stride + b.cols);
}

/**
 * Latest completion of the critical path (its HALT issues the cycle after, so a run takes at least
 * the returned value + 2 cycles; see criticalPathCycles).
 */
export function criticalPathCycles(instructions: readonly Instruction[], hw: HwConfig): number {
  const R = hw.rows;
  const make = () => ({ ub: new LatestCompletion(), acc: new LatestCompletion(), wm: new LatestCompletion(), host: new LatestCompletion() });
  const m: Memories = { written: make(), read: make() };
  // Per accumulator row: the largest t0 - acc over earlier MMULs writing it (the accumulate rule).
  const passKey = new LatestCompletion(Number.NEGATIVE_INFINITY);
  const loadsDone: number[] = [];
  let switches = 0;
  let tileReady = 0;
  let fence = 0;
  let last = -1;
  for (const ins of instructions) {
    if (ins.op === "HALT") break;
    if (ins.op === "SYNC") {
      // SYNC issues once nothing is in flight; what follows issues after it.
      const issued = Math.max(last + 1, fence);
      fence = issued + 1;
      last = Math.max(last, issued);
      continue;
    }
    const blocks = blocksOf(ins);
    let t0 = fence;
    for (const b of blocks) {
      forRows(b, (lo, hi) => {
        t0 = Math.max(t0, m.written[b.mem].max(lo, hi) + 1);
        if (b.write) t0 = Math.max(t0, m.read[b.mem].max(lo, hi) + 1);
      });
    }
    const f = ins.f;
    if (ins.op === "MMUL") {
      // WAR against ACT, VSGD, WHMA reading its rows; against earlier MMULs only the accumulate rule.
      t0 = Math.max(t0, m.read.acc.max(f.acc, f.acc + f.rows) + 1);
      if (f.accumulate) t0 = Math.max(t0, passKey.max(f.acc, f.acc + f.rows) + R + 1 + f.acc);
      if (f.switch) {
        // The tile loaded k-th is the k-th switch's: ready (bank loaded) at load tc + R at the earliest.
        tileReady = switches < loadsDone.length ? loadsDone[switches] + R : tileReady;
        switches++;
      }
      t0 = Math.max(t0, tileReady);
    }
    const tc = t0 + instructionWork(ins, hw).duration - 1;
    for (const b of blocks) forRows(b, (lo, hi) => (b.write ? m.written : m.read)[b.mem].raise(lo, hi, tc));
    if (ins.op === "MMUL") {
      m.written.acc.raise(f.acc, f.acc + f.rows, tc);
      passKey.raise(f.acc, f.acc + f.rows, t0 - f.acc);
    }
    if (ins.op === "RDW" || ins.op === "RDWU") loadsDone.push(tc);
    last = Math.max(last, tc);
  }
  return Math.max(last + 2, fence + 1);
}

/**
 * The elements each instruction reads and writes, exactly (docs/ISA.md; not the scoreboard's
 * bounding ranges), and a sparse per-element record of the latest time an earlier (or later)
 * instruction touched them: what the dependence path (bound-path.ts) needs.
 */
import { VECTOR_FUNCTIONS, type Instruction } from "../isa/opcodes.js";

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;

/** Per element the largest value recorded (a completion cycle, a tail), sparse: pages on first touch. */
export class ElementMax {
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

export type Mem = "ub" | "acc" | "wm" | "host";

export interface Block {
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

/** Per memory: the latest value over the instructions that wrote, and that read, each element. */
export interface Memories {
  readonly written: Record<Mem, ElementMax>;
  readonly read: Record<Mem, ElementMax>;
}

export function memories(empty = -1): Memories {
  const make = () => ({ ub: new ElementMax(empty), acc: new ElementMax(empty), wm: new ElementMax(empty), host: new ElementMax(empty) });
  return { written: make(), read: make() };
}

export function forRows(b: Block, each: (lo: number, hi: number) => void): void {
  for (let r = 0; r < b.rows; r++) each(b.addr + r * b.stride, b.addr + r * b.stride + b.cols);
}


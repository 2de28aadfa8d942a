/**
 * Instructions prepared for the controller: opcode as a small integer, the executing unit, and the
 * strided blocks each one reads and writes (the scoreboard's view: rows of `cols` elements `stride`
 * apart, compared element-exactly; docs/ARCHITECTURE.md "Controller"). Prepared once per program
 * load, not per cycle.
 */
import type { Instruction } from "../isa/opcodes.js";
import { VEC_COPY } from "../numerics/vector-ops.js";

export const OP_NOP = 0;
export const OP_HALT = 1;
export const OP_SYNC = 2;
export const OP_RHM = 3;
export const OP_WHM = 4;
export const OP_RDW = 5;
export const OP_RDWU = 6;
export const OP_MMUL = 7;
export const OP_ACT = 8;
export const OP_VEC = 9;
export const OP_VTR = 10;
export const OP_VSGD = 11;
export const OP_WHMA = 12;
export const OP_VSMX = 13;

const OP_CODES: Record<string, number> = {
  NOP: OP_NOP, HALT: OP_HALT, SYNC: OP_SYNC, RHM: OP_RHM, WHM: OP_WHM, RDW: OP_RDW, RDWU: OP_RDWU,
  MMUL: OP_MMUL, ACT: OP_ACT, VEC: OP_VEC, VTR: OP_VTR, VSGD: OP_VSGD, WHMA: OP_WHMA, VSMX: OP_VSMX,
};

/** Unit indices: the first five are TRACE_UNITS order. */
export const UNIT_DMA = 0;
export const UNIT_WEIGHTS = 1;
export const UNIT_MATRIX = 2;
export const UNIT_ACTIVATION = 3;
export const UNIT_VECTOR = 4;
export const UNIT_CONTROL = 5;
export const UNIT_NAMES = ["dma", "weights", "matrix", "activation", "vector", "control"] as const;

const OP_UNIT = [
  UNIT_CONTROL, UNIT_CONTROL, UNIT_CONTROL, UNIT_DMA, UNIT_DMA, UNIT_WEIGHTS, UNIT_WEIGHTS,
  UNIT_MATRIX, UNIT_ACTIVATION, UNIT_VECTOR, UNIT_VECTOR, UNIT_VECTOR, UNIT_DMA, UNIT_VECTOR,
];

export const MEM_UB = 0;
export const MEM_ACC = 1;
export const MEM_WM = 2;
export const MEM_HOST = 3;
export const MEMORY_NAMES = ["unified buffer", "accumulators", "weight memory", "host memory"] as const;

export interface Access {
  readonly mem: number;
  /** Bounding range [lo, hi) of the block. */
  readonly lo: number;
  readonly hi: number;
  readonly write: boolean;
  /** The block itself: `rows` rows of `cols` elements, row i at lo + i*stride. */
  readonly stride: number;
  readonly rows: number;
  readonly cols: number;
}

export interface DecodedOp {
  readonly pc: number;
  readonly code: number;
  readonly unit: number;
  readonly ins: Instruction;
  readonly f: Readonly<Record<string, number>>;
  readonly accesses: readonly Access[];
}

function block(mem: number, addr: number, stride: number, rows: number, cols: number, write: boolean): Access {
  const hi = rows > 0 && cols > 0 ? addr + (rows - 1) * stride + cols : addr;
  return { mem, lo: addr, hi, write, stride, rows: rows > 0 && cols > 0 ? rows : 0, cols };
}

function rowsOf(mem: number, first: number, rows: number, write: boolean): Access {
  return { mem, lo: first, hi: first + rows, write, stride: rows, rows: rows > 0 ? 1 : 0, cols: rows };
}

export function decodeOp(ins: Instruction, pc: number): DecodedOp {
  const code = OP_CODES[ins.op];
  if (code === undefined) throw new Error(`internal: no controller support for ${ins.op}`);
  const f = ins.f;
  const a: Access[] = [];
  switch (code) {
    case OP_RHM:
      a.push(block(MEM_HOST, f.host, f.hstride, f.rows, f.cols, false));
      a.push(block(MEM_UB, f.ub, f.ustride, f.rows, f.cols, true));
      break;
    case OP_WHM:
      a.push(block(MEM_UB, f.ub, f.ustride, f.rows, f.cols, false));
      a.push(block(MEM_HOST, f.host, f.hstride, f.rows, f.cols, true));
      break;
    case OP_WHMA:
      a.push(rowsOf(MEM_ACC, f.acc, f.rows, false));
      a.push(block(MEM_HOST, f.host, f.hstride, f.rows, f.cols, true));
      break;
    case OP_RDW:
      a.push(f.transpose ? block(MEM_WM, f.wm, f.wstride, f.cols, f.rows, false) : block(MEM_WM, f.wm, f.wstride, f.rows, f.cols, false));
      break;
    case OP_RDWU:
      a.push(f.transpose ? block(MEM_UB, f.ub, f.ustride, f.cols, f.rows, false) : block(MEM_UB, f.ub, f.ustride, f.rows, f.cols, false));
      break;
    case OP_MMUL:
      a.push(block(MEM_UB, f.ub, f.ustride, f.rows, f.cols, false));
      a.push(rowsOf(MEM_ACC, f.acc, f.rows, true));
      break;
    case OP_ACT:
      a.push(rowsOf(MEM_ACC, f.acc, f.rows, false));
      a.push(block(MEM_UB, f.ub, f.ustride, f.rows, f.cols, true));
      break;
    case OP_VEC:
      a.push(block(MEM_UB, f.a, f.astride, f.rows, f.cols, false));
      if (f.fn !== VEC_COPY) a.push(block(MEM_UB, f.b, f.bstride, f.rows, f.cols, false));
      a.push(block(MEM_UB, f.dst, f.dstride, f.rows, f.cols, true));
      break;
    case OP_VTR:
      a.push(block(MEM_UB, f.src, f.sstride, f.rows, f.cols, false));
      a.push(block(MEM_UB, f.dst, f.dstride, f.cols, f.rows, true));
      break;
    case OP_VSMX:
      a.push(block(MEM_UB, f.src, f.sstride, f.rows, f.cols, false));
      a.push(block(MEM_UB, f.dst, f.dstride, f.rows, f.cols, true));
      break;
    case OP_VSGD:
      a.push(rowsOf(MEM_ACC, f.acc, f.rows, false));
      a.push(block(MEM_WM, f.wm, f.wstride, f.rows, f.cols, true));
      break;
  }
  return { pc, code, unit: OP_UNIT[code], ins, f, accesses: a };
}

/** Do two instructions' accesses conflict (RAW, WAR or WAW)? */
export function conflicts(x: DecodedOp, y: DecodedOp): boolean {
  const bothMatrix = x.code === OP_MMUL && y.code === OP_MMUL;
  for (const p of x.accesses) {
    for (const q of y.accesses) {
      if (p.mem !== q.mem || !(p.write || q.write)) continue;
      if (bothMatrix && p.mem === MEM_ACC) continue;
      if (p.lo < q.hi && q.lo < p.hi && blocksShare(p, q)) return true;
    }
  }
  return false;
}

/**
 * Do two blocks share an element? Row i of p is [p.lo + i*sp, p.lo + i*sp + p.cols), row j of q
 * likewise, and they meet iff d - p.cols < i*sp - j*sq < d + q.cols (d = q.lo - p.lo). With one
 * stride s that matters this asks for an integer k (i - j, -j or i) in a range with k*s inside that
 * open interval: the smallest k above its lower end decides. Otherwise each row of the block with
 * fewer rows is tested that way against the other block.
 */
export function blocksShare(p: Access, q: Access): boolean {
  if (p.rows === 0 || q.rows === 0) return false;
  const sp = p.rows === 1 ? 0 : p.stride;
  const sq = q.rows === 1 ? 0 : q.stride;
  const d = q.lo - p.lo;
  // One stride: k = i - j (equal strides), k = -j (p one row), k = i (q one row).
  if (sp === sq) return strideMeets(d, p.cols, q.cols, sp, -(q.rows - 1), p.rows - 1);
  if (sp === 0) return strideMeets(d, p.cols, q.cols, sq, -(q.rows - 1), 0);
  if (sq === 0) return strideMeets(d, p.cols, q.cols, sp, 0, p.rows - 1);
  if (p.rows > q.rows) return blocksShare(q, p);
  for (let i = 0; i < p.rows; i++) {
    if (strideMeets(d - i * sp, p.cols, q.cols, sq, -(q.rows - 1), 0)) return true;
  }
  return false;
}

/** Is there an integer k in [kLo, kHi] with d - wp < k*s < d + wq? */
function strideMeets(d: number, wp: number, wq: number, s: number, kLo: number, kHi: number): boolean {
  if (s === 0) return d - wp < 0 && 0 < d + wq;
  if (s < 0) return strideMeets(d, wp, wq, -s, -kHi, -kLo);
  const k = Math.max(kLo, Math.floor((d - wp) / s) + 1);
  return k <= kHi && k * s < d + wq;
}

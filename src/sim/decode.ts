/**
 * Instructions prepared for the controller: opcode as a small integer, the executing unit, and the
 * address ranges each one reads and writes (the scoreboard's view; strided blocks use their bounding
 * range). Prepared once per program load, not per cycle.
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
  readonly lo: number;
  /** Exclusive. */
  readonly hi: number;
  readonly write: boolean;
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
  return { mem, lo: addr, hi, write };
}

function rowsOf(mem: number, first: number, rows: number, write: boolean): Access {
  return { mem, lo: first, hi: first + rows, write };
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
      if (p.lo < q.hi && q.lo < p.hi) return true;
    }
  }
  return false;
}

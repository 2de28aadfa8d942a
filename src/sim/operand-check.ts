/**
 * Operand checks the controller runs when an instruction reaches issue: shapes the hardware can do,
 * addresses inside each memory, and no partly overlapping source and destination. A failure becomes a RuntimeFault naming cycle, unit and
 * instruction (the hardware would otherwise read or write outside a memory).
 */
import type { HwConfig } from "../config/hw-config.js";
import { VEC_COPY } from "../numerics/vector-ops.js";
import {
  MEMORY_NAMES, MEM_ACC, OP_ACT, OP_MMUL, OP_RDW, OP_RDWU, OP_RHM, OP_VEC, OP_VSGD,
  OP_VSMX, OP_VTR, OP_WHM, OP_WHMA, type Access, type DecodedOp,
} from "./decode.js";

export function checkOperands(op: DecodedOp, hw: HwConfig, hostElements: number): string | null {
  const f = op.f;
  const R = hw.rows;
  const C = hw.cols;
  switch (op.code) {
    case OP_RHM:
    case OP_WHM:
    case OP_VEC:
    case OP_VTR:
    case OP_VSMX:
      if (f.rows < 1 || f.cols < 1) return "rows and cols must be >= 1";
      break;
    case OP_RDW:
    case OP_RDWU:
      if (f.rows < 1 || f.rows > R) return `tile rows ${f.rows} outside 1..${R} (array rows)`;
      if (f.cols < 1 || f.cols > C) return `tile cols ${f.cols} outside 1..${C} (array columns)`;
      break;
    case OP_MMUL:
      if (f.rows < 1) return "rows (vectors) must be >= 1";
      if (f.cols < 1 || f.cols > R) return `vector length cols ${f.cols} outside 1..${R} (array rows)`;
      break;
    case OP_ACT:
    case OP_VSGD:
    case OP_WHMA:
      if (f.rows < 1) return "rows must be >= 1";
      if (f.cols < 1 || f.cols > C) return `cols ${f.cols} outside 1..${C} (accumulator width)`;
      break;
  }
  const size = [hw.unifiedBufferElements, hw.accumulatorRows, hw.weightMemoryElements, hostElements];
  for (const a of op.accesses) {
    if (a.lo < 0 || a.hi > size[a.mem]) {
      const unit = a.mem === MEM_ACC ? "row" : "address";
      const bad = a.lo < 0 ? a.lo : a.hi - 1;
      return `${MEMORY_NAMES[a.mem]} ${unit} ${bad} out of range (size ${size[a.mem]})`;
    }
  }
  if (op.code === OP_VEC) {
    const k = f.fn === VEC_COPY ? 1 : 2;
    for (let i = 0; i < k; i++) {
      const name = i === 0 ? "a" : "b";
      if (overlapsNotSame(op.accesses[i], op.accesses[k], f[name], f[`${name}stride`], f.dst, f.dstride, f.rows)) {
        return `source ${name} (unified buffer ${op.accesses[i].lo}..${op.accesses[i].hi - 1}) overlaps the destination (${op.accesses[k].lo}..${op.accesses[k].hi - 1}) without being the same block (same address and stride: in place)`;
      }
    }
  }
  return null;
}

/**
 * The overlap rule (docs/ARCHITECTURE.md "Controller"): a source and the destination of one
 * instruction in the same memory either share no address of their bounding ranges or are the same
 * block, so computing the whole instruction at once (fast mode) equals doing it step by step.
 */
function overlapsNotSame(src: Access, dst: Access, addr: number, stride: number, dstAddr: number, dstStride: number, rows: number): boolean {
  if (!(src.lo < dst.hi && dst.lo < src.hi)) return false;
  return !(addr === dstAddr && (stride === dstStride || rows === 1));
}

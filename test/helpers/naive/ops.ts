/**
 * The naive chip's view of an instruction (docs/ISA.md, docs/ARCHITECTURE.md "Controller"): its
 * unit, the blocks it reads and writes in every memory (the scoreboard's bounding ranges), and the
 * operand checks raised at issue. Written from the documents only; shares nothing with src/sim.
 */
import type { HwConfig } from "../../../src/config/hw-config.js";
import type { Instruction } from "../../../src/isa/opcodes.js";
import { VEC_COPY } from "../../../src/numerics/vector-ops.js";

/** Trace unit order: dma, weights, matrix, activation, vector. Control instructions have none. */
export const UNIT_NAMES = ["dma", "weights", "matrix", "activation", "vector"] as const;
export const DMA = 0;
export const WEIGHTS = 1;
export const MATRIX = 2;
export const ACTIVATION = 3;
export const VECTOR = 4;
export const CONTROL = -1;

const UNIT_OF: Record<string, number> = {
  NOP: CONTROL, HALT: CONTROL, SYNC: CONTROL, RHM: DMA, WHM: DMA, WHMA: DMA, RDW: WEIGHTS, RDWU: WEIGHTS,
  MMUL: MATRIX, ACT: ACTIVATION, VEC: VECTOR, VTR: VECTOR, VSGD: VECTOR, VSMX: VECTOR,
};

export type MemName = "ub" | "acc" | "wm" | "host";

/** rows x cols elements, row r at addr + r*stride. Accumulator blocks count whole rows (cols 1, stride 1). */
export interface Block {
  mem: MemName;
  addr: number;
  stride: number;
  rows: number;
  cols: number;
}

export interface NaiveOp {
  pc: number;
  op: string;
  f: Readonly<Record<string, number>>;
  unit: number;
  reads: Block[];
  writes: Block[];
}

const blk = (mem: MemName, addr: number, stride: number, rows: number, cols: number): Block => ({ mem, addr, stride, rows, cols });
const accRows = (acc: number, rows: number): Block => blk("acc", acc, 1, rows, 1);

/** [lo, hi): a block's bounding range (the operand checks; the scoreboard compares elements). */
export function boundingRange(b: Block): [number, number] {
  return [b.addr, b.addr + (b.rows - 1) * b.stride + b.cols];
}

export function decodeNaive(ins: Instruction, pc: number): NaiveOp {
  const f = ins.f;
  const reads: Block[] = [];
  const writes: Block[] = [];
  switch (ins.op) {
    case "RHM":
      reads.push(blk("host", f.host, f.hstride, f.rows, f.cols));
      writes.push(blk("ub", f.ub, f.ustride, f.rows, f.cols));
      break;
    case "WHM":
      reads.push(blk("ub", f.ub, f.ustride, f.rows, f.cols));
      writes.push(blk("host", f.host, f.hstride, f.rows, f.cols));
      break;
    case "WHMA":
      reads.push(accRows(f.acc, f.rows));
      writes.push(blk("host", f.host, f.hstride, f.rows, f.cols));
      break;
    case "RDW": // transposed: tile[r][c] = wm[wm + c*wstride + r], so `cols` stored rows of `rows` elements
      reads.push(f.transpose ? blk("wm", f.wm, f.wstride, f.cols, f.rows) : blk("wm", f.wm, f.wstride, f.rows, f.cols));
      break;
    case "RDWU":
      reads.push(f.transpose ? blk("ub", f.ub, f.ustride, f.cols, f.rows) : blk("ub", f.ub, f.ustride, f.rows, f.cols));
      break;
    case "MMUL":
      reads.push(blk("ub", f.ub, f.ustride, f.rows, f.cols));
      if (f.accumulate) reads.push(accRows(f.acc, f.rows));
      writes.push(accRows(f.acc, f.rows));
      break;
    case "ACT":
      reads.push(accRows(f.acc, f.rows));
      writes.push(blk("ub", f.ub, f.ustride, f.rows, f.cols));
      break;
    case "VEC":
      reads.push(blk("ub", f.a, f.astride, f.rows, f.cols));
      if (f.fn !== VEC_COPY) reads.push(blk("ub", f.b, f.bstride, f.rows, f.cols));
      writes.push(blk("ub", f.dst, f.dstride, f.rows, f.cols));
      break;
    case "VTR":
      reads.push(blk("ub", f.src, f.sstride, f.rows, f.cols));
      writes.push(blk("ub", f.dst, f.dstride, f.cols, f.rows));
      break;
    case "VSMX":
      reads.push(blk("ub", f.src, f.sstride, f.rows, f.cols));
      writes.push(blk("ub", f.dst, f.dstride, f.rows, f.cols));
      break;
    case "VSGD":
      reads.push(accRows(f.acc, f.rows), blk("wm", f.wm, f.wstride, f.rows, f.cols));
      writes.push(blk("wm", f.wm, f.wstride, f.rows, f.cols));
      break;
    case "NOP":
    case "HALT":
    case "SYNC":
      break;
    default:
      throw new Error(`naive chip: unknown instruction ${ins.op}`);
  }
  return { pc, op: ins.op, f, unit: UNIT_OF[ins.op], reads, writes };
}

function rangesOverlap(a: Block, b: Block): boolean {
  if (a.mem !== b.mem) return false;
  const [alo, ahi] = boundingRange(a);
  const [blo, bhi] = boundingRange(b);
  return alo < bhi && blo < ahi;
}

/** Do two blocks share an element? Every row of one against every row of the other. */
function blocksShareNaive(a: Block, b: Block): boolean {
  if (a.mem !== b.mem) return false;
  for (let i = 0; i < a.rows; i++) {
    const alo = a.addr + i * a.stride;
    for (let j = 0; j < b.rows; j++) {
      const blo = b.addr + j * b.stride;
      if (alo < blo + b.cols && blo < alo + a.cols) return true;
    }
  }
  return false;
}

/** The scoreboard conflict of `later` with an in-flight `earlier` (RAW, WAW, WAR), per memory, element-exact. */
export function conflicts(earlier: NaiveOp, later: NaiveOp, skipAcc: boolean): boolean {
  const hit = (xs: Block[], ys: Block[]) => xs.some((x) => ys.some((y) => !(skipAcc && x.mem === "acc") && blocksShareNaive(x, y)));
  return hit(earlier.writes, later.reads) || hit(earlier.writes, later.writes) || hit(earlier.reads, later.writes);
}

/** Memory sizes the operand checks use. */
export interface Sizes {
  ub: number;
  acc: number;
  wm: number;
  host: number;
}

/**
 * Operand faults raised at issue (docs/ARCHITECTURE.md "Controller", "Faults"): shapes, addresses, and
 * source / destination blocks of one memory whose bounding ranges intersect without being the same
 * block (VEC only: VTR and VSMX buffer their source; VSGD reads and writes the same block by definition).
 */
export function operandFault(op: NaiveOp, hw: HwConfig, sizes: Sizes): string | null {
  const f = op.f;
  if (op.unit === CONTROL) return null;
  if (f.rows < 1 || f.cols < 1) return "rows and cols must be >= 1";
  const R = hw.rows;
  const C = hw.cols;
  if ((op.op === "RDW" || op.op === "RDWU") && (f.rows > R || f.cols > C)) return `tile ${f.rows}x${f.cols} outside ${R}x${C}`;
  if (op.op === "MMUL" && f.cols > R) return `vector length cols ${f.cols} outside 1..${R}`;
  if ((op.op === "ACT" || op.op === "WHMA" || op.op === "VSGD") && f.cols > C) return `cols ${f.cols} outside 1..${C}`;
  for (const b of [...op.reads, ...op.writes]) {
    const [lo, hi] = boundingRange(b);
    if (lo < 0 || hi > sizes[b.mem]) return `${b.mem} address ${hi - 1} out of range (size ${sizes[b.mem]})`;
  }
  if (op.op === "VEC") {
    // Bounding ranges that intersect must be the same block: same address and stride, or one row.
    const dst = op.writes[0];
    for (const src of op.reads) {
      const identical = src.addr === dst.addr && (src.stride === dst.stride || src.rows === 1);
      if (rangesOverlap(src, dst) && !identical) return `source and destination blocks of unified buffer overlap at ${Math.max(src.addr, dst.addr)}`;
    }
  }
  return null;
}

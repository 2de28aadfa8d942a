/**
 * What happens when an instruction issues (docs/ARCHITECTURE.md "Timing rules", "Fast mode").
 * Detailed mode hands the instruction to its unit, which moves the data as the cycles pass. Fast mode
 * moves the data at once (the scoreboard keeps every operand untouched until completion, and
 * overlapping blocks are refused, so no instruction can tell), starts the unit's progress counter,
 * and holds any fault it found until the cycle the unit would write the bad value.
 */
import type { HwConfig } from "../config/hw-config.js";
import { U_ACTIVATION, U_DMA, U_VECTOR, U_WEIGHTS } from "../hw/activity.js";
import { DMA_RHM, DMA_WHM, DMA_WHMA } from "../hw/host-dma.js";
import type { TpuDatapath } from "../hw/tpu.js";
import { VU_VEC, VU_VSGD, VU_VSMX, VU_VTR } from "../hw/vector-unit.js";
import { LOAD_RDW, LOAD_RDWU } from "../hw/weight-loader.js";
import { VEC_COPY } from "../numerics/vector-ops.js";
import {
  type DecodedOp, OP_ACT, OP_MMUL, OP_RDW, OP_RDWU, OP_RHM, OP_VEC, OP_VSGD, OP_VSMX, OP_VTR, OP_WHM, OP_WHMA,
} from "./decode.js";
import { BankNonzeros, fastActivation, fastPassFloat, fastPassInt, type PassOp } from "./fast.js";
import { hostToUnifiedBuffer, readTile, unifiedBufferToHost, vectorElementwise, vectorSgd, vectorSoftmax, vectorTranspose } from "./fast-blocks.js";
import { FastUnits, K_ACT, K_RDW, K_RDWU, K_RHM, K_VEC, K_VSGD, K_VSMX, K_VTR, K_WHM, K_WHMA } from "./fast-units.js";

export interface IssueContext {
  readonly hw: HwConfig;
  readonly dp: TpuDatapath;
  readonly detailed: boolean;
  readonly fast: FastUnits;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  readonly ubBits: Uint32Array;
  readonly tileBits: Uint32Array;
  scratch: Float32Array;
  softmaxOut: Float64Array;
  readonly nonzeros: BankNonzeros;
}

const UB_FAULT = "non-finite value written to unified buffer address ";

/** Fast mode's operands, reused by every instruction (the executors only read them). */
const SHAPE = { rows: 0, cols: 0 };
const TILE_READ = { addr: 0, stride: 0, rows: 0, cols: 0, transpose: false };
const PASS: PassOp = { ub: 0, ustride: 0, vectors: 0, cols: 0, acc: 0, accumulate: false };

/**
 * Start `op` at cycle t. RDW/RDWU load into `slot` (reserved by the caller). Returns, for a fast-mode
 * MMUL, the flat accumulator index of the first non-finite result it writes (-1: none).
 */
export function issueToUnit(ctx: IssueContext, op: DecodedOp, bank: number, tileCols: number, slot: number): number {
  const { hw, dp, fast } = ctx;
  const f = op.f;
  const bf16 = hw.dtype === "bf16";
  const detailed = ctx.detailed;
  switch (op.code) {
    case OP_RHM:
    case OP_WHM:
    case OP_WHMA: {
      const whma = op.code === OP_WHMA;
      if (detailed) {
        const kind = op.code === OP_RHM ? DMA_RHM : op.code === OP_WHM ? DMA_WHM : DMA_WHMA;
        dp.dma.start({ kind, host: f.host, hstride: f.hstride, chip: whma ? f.acc : f.ub, cstride: whma ? 0 : f.ustride, rows: f.rows, cols: f.cols });
        return -1;
      }
      const shape = SHAPE;
      shape.rows = f.rows;
      shape.cols = f.cols;
      startFastUnit(fast, op);
      if (op.code === OP_RHM) {
        const bad = hostToUnifiedBuffer(dp.host, f.host, f.hstride, dp.ub, f.ub, f.ustride, shape, hw.dtype, ctx.ubBits);
        if (bf16 && bad >= 0) fast.holdFault(U_DMA, bad, UB_FAULT + blockAddress(bad, f.cols, f.ub, f.ustride));
      } else if (op.code === OP_WHM) unifiedBufferToHost(dp.ub, f.ub, f.ustride, dp.host, f.host, f.hstride, shape);
      else {
        const acc = dp.acc.data;
        for (let r = 0; r < f.rows; r++) for (let c = 0; c < f.cols; c++) dp.host[f.host + r * f.hstride + c] = acc[(f.acc + r) * hw.cols + c];
      }
      return -1;
    }
    case OP_RDW:
    case OP_RDWU: {
      const rdw = op.code === OP_RDW;
      // The loader keeps its command; fast mode reuses one (nothing allocated per instruction).
      const read = detailed ? { ...TILE_READ } : TILE_READ;
      read.addr = rdw ? f.wm : f.ub;
      read.stride = rdw ? f.wstride : f.ustride;
      read.rows = f.rows;
      read.cols = f.cols;
      read.transpose = f.transpose === 1;
      const offset = dp.fifo.slotOffset(slot);
      if (detailed) {
        dp.loader.start(rdw ? LOAD_RDW : LOAD_RDWU, read, slot, offset);
        return -1;
      }
      const bad = readTile(rdw ? dp.wm : dp.ub, read, dp.fifo.tiles, offset, hw.cols, rdw ? hw.dtype : null, ctx.tileBits);
      startFastUnit(fast, op);
      if (bf16 && bad >= 0) {
        const r = Math.floor(bad / f.cols);
        const c = bad - r * f.cols;
        const addr = read.transpose ? read.addr + c * read.stride + r : read.addr + r * read.stride + c;
        fast.holdFault(U_WEIGHTS, bad, `non-finite weight at weight memory address ${addr}`);
      }
      return -1;
    }
    case OP_MMUL: {
      if (detailed) return -1;
      const pass = PASS;
      pass.ub = f.ub;
      pass.ustride = f.ustride;
      pass.vectors = f.rows;
      pass.cols = f.cols;
      pass.acc = f.acc;
      pass.accumulate = f.accumulate === 1;
      const nz = ctx.nonzeros;
      if (bf16) return fastPassFloat(dp.ub, dp.acc.data as Float32Array, hw.rows, hw.cols, tileCols, nz, bank, pass, ctx.f32);
      fastPassInt(dp.ub, dp.acc.data as Int32Array, hw.rows, hw.cols, tileCols, nz, bank, pass, ctx.f64);
      return -1;
    }
    case OP_ACT: {
      const act = { acc: f.acc, rows: f.rows, cols: f.cols, ub: f.ub, ustride: f.ustride, fn: f.fn, inScale: f.inscale, outScale: f.outscale };
      if (detailed) {
        dp.activation.start(act);
        return -1;
      }
      startFastUnit(fast, op);
      const bad = fastActivation(dp.acc.data, hw.cols, dp.ub, act, hw.dtype);
      if (bad >= 0) fast.holdFault(U_ACTIVATION, Math.floor(bad / f.cols), UB_FAULT + blockAddress(bad, f.cols, f.ub, f.ustride));
      return -1;
    }
    default:
      issueVector(ctx, op);
      return -1;
  }
}

function issueVector(ctx: IssueContext, op: DecodedOp): void {
  const { hw, dp, fast } = ctx;
  const f = op.f;
  const code = op.code;
  if (ctx.detailed) {
    const kind = code === OP_VEC ? VU_VEC : code === OP_VTR ? VU_VTR : code === OP_VSMX ? VU_VSMX : VU_VSGD;
    const vec = code === OP_VEC;
    dp.vector.start({
      kind, fn: vec ? f.fn : 0, imm: vec ? f.imm : 0, rows: f.rows, cols: f.cols,
      dst: f.dst ?? 0, dstride: f.dstride ?? 0, a: vec ? f.a : f.src ?? 0, astride: vec ? f.astride : f.sstride ?? 0,
      b: vec ? f.b : 0, bstride: vec ? f.bstride : 0, wm: f.wm ?? 0, wstride: f.wstride ?? 0, acc: f.acc ?? 0, lr: f.lr ?? 0,
    });
    return;
  }
  startFastUnit(fast, op);
  const n = f.rows * f.cols;
  let bad = -1;
  let text = UB_FAULT;
  let addr = 0;
  switch (code) {
    case OP_VEC: {
      const vop = { fn: f.fn, dst: f.dst, dstride: f.dstride, a: f.a, astride: f.astride, b: f.b, bstride: f.bstride, rows: f.rows, cols: f.cols, imm: f.imm };
      bad = vectorElementwise(dp.ub, vop, hw.dtype);
      addr = bad >= 0 ? blockAddress(bad, f.cols, f.dst, f.dstride) : 0;
      break;
    }
    case OP_VTR:
      if (ctx.scratch.length < n) ctx.scratch = new Float32Array(n);
      vectorTranspose(dp.ub, f.src, f.sstride, f.rows, f.cols, f.dst, f.dstride, ctx.scratch);
      return;
    case OP_VSMX:
      if (ctx.scratch.length < n) ctx.scratch = new Float32Array(n);
      if (ctx.softmaxOut.length < f.cols) ctx.softmaxOut = new Float64Array(f.cols);
      bad = vectorSoftmax(dp.ub, f.src, f.sstride, f.dst, f.dstride, f.rows, f.cols, hw.dtype, ctx.scratch, ctx.softmaxOut);
      addr = bad >= 0 ? blockAddress(bad, f.cols, f.dst, f.dstride) : 0;
      break;
    case OP_VSGD:
      bad = vectorSgd(dp.wm, f.wm, f.wstride, dp.acc.data, f.acc, hw.cols, f.rows, f.cols, f.lr, hw.dtype);
      text = "non-finite weight written to weight memory address ";
      addr = bad >= 0 ? blockAddress(bad, f.cols, f.wm, f.wstride) : 0;
      break;
  }
  if (hw.dtype === "bf16" && bad >= 0) fast.holdFault(U_VECTOR, bad, text + addr);
}

/**
 * Fast mode: start the progress counter of the unit `op` runs on (the timing side of an issue; the
 * data side is the rest of issueToUnit). MMUL, NOP, SYNC and HALT have none.
 */
export function startFastUnit(fast: FastUnits, op: DecodedOp): void {
  const f = op.f;
  switch (op.code) {
    case OP_RHM:
      return fast.start(U_DMA, K_RHM, f.rows, f.cols);
    case OP_WHM:
      return fast.start(U_DMA, K_WHM, f.rows, f.cols);
    case OP_WHMA:
      return fast.start(U_DMA, K_WHMA, f.rows, f.cols);
    case OP_RDW:
      return fast.start(U_WEIGHTS, K_RDW, f.rows, f.cols);
    case OP_RDWU:
      // Steps are the buffer rows read: the tile's columns when it is transposed.
      return f.transpose === 1 ? fast.start(U_WEIGHTS, K_RDWU, f.cols, f.rows) : fast.start(U_WEIGHTS, K_RDWU, f.rows, f.cols);
    case OP_ACT:
      return fast.start(U_ACTIVATION, K_ACT, f.rows, f.cols);
    case OP_VEC:
      return fast.start(U_VECTOR, K_VEC, f.rows, f.cols, f.fn === VEC_COPY ? 1 : 2);
    case OP_VTR:
      return fast.start(U_VECTOR, K_VTR, f.rows, f.cols);
    case OP_VSMX:
      return fast.start(U_VECTOR, K_VSMX, f.rows, f.cols);
    case OP_VSGD:
      return fast.start(U_VECTOR, K_VSGD, f.rows, f.cols);
  }
}

/** The address of block element e (row-major) of a rows x cols block at `addr` with `stride`. */
function blockAddress(e: number, cols: number, addr: number, stride: number): number {
  const r = Math.floor(e / cols);
  return addr + r * stride + (e - r * cols);
}


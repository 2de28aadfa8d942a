/**
 * What happens when an instruction issues: its completion cycle from the timing rules, its data
 * (whole-instruction for every unit in fast mode; for the DMA, weight loader and vector unit in both
 * modes, since the scoreboard keeps their operands untouched until completion), and its statistics.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { ActivationOp } from "../hw/activation-unit.js";
import { hostToUnifiedBuffer, unifiedBufferToHost } from "../hw/host-dma.js";
import type { TpuDatapath } from "../hw/tpu.js";
import { vectorElementwise, vectorSgd, vectorSoftmax, vectorTranspose } from "../hw/vector-unit.js";
import { readTile } from "../hw/weight-loader.js";
import {
  type DecodedOp, OP_ACT, OP_MMUL, OP_RDW, OP_RDWU, OP_RHM, OP_VEC, OP_VSGD, OP_VSMX, OP_VTR, OP_WHM, OP_WHMA, UNIT_NAMES,
} from "./decode.js";
import { BankNonzeros, fastActivation, fastPassFloat, fastPassInt } from "./fast.js";
import type { RunStats } from "./stats.js";
import * as T from "./timing.js";
import { VEC_COPY } from "../numerics/vector-ops.js";

export interface IssueContext {
  readonly hw: HwConfig;
  readonly dp: TpuDatapath;
  readonly detailed: boolean;
  readonly stats: RunStats;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  transpose: Float32Array;
  readonly nonzeros: BankNonzeros;
}

const ACC_BYTES = 4;

/** Returns the completion cycle. `fault` throws. */
export function executeAtIssue(
  ctx: IssueContext, op: DecodedOp, t: number, bank: number, tileRows: number, tileCols: number,
  fault: (detail: string) => never,
): number {
  const { hw, dp, stats } = ctx;
  const f = op.f;
  const eb = hw.elementBytes;
  const bf16 = hw.dtype === "bf16";
  let tc: number;
  switch (op.code) {
    case OP_RHM: {
      tc = t + T.dmaCycles(hw, f.rows, f.cols) - 1;
      const bad = hostToUnifiedBuffer(dp.host, f.host, f.hstride, dp.ub, f.ub, f.ustride, { rows: f.rows, cols: f.cols }, hw.dtype);
      if (bf16 && bad >= 0) fault(`non-finite value written to unified buffer address ${bad}`);
      stats.bytes.hostRead += f.rows * f.cols * eb;
      stats.bytes.unifiedBufferWritten += f.rows * f.cols * eb;
      break;
    }
    case OP_WHM:
      tc = t + T.dmaCycles(hw, f.rows, f.cols) - 1;
      unifiedBufferToHost(dp.ub, f.ub, f.ustride, dp.host, f.host, f.hstride, { rows: f.rows, cols: f.cols });
      stats.bytes.hostWritten += f.rows * f.cols * eb;
      stats.bytes.unifiedBufferRead += f.rows * f.cols * eb;
      break;
    case OP_WHMA: {
      tc = t + T.accumulatorDmaCycles(hw, f.rows, f.cols) - 1;
      const acc = dp.acc.data;
      for (let r = 0; r < f.rows; r++) {
        for (let c = 0; c < f.cols; c++) dp.host[f.host + r * f.hstride + c] = acc[(f.acc + r) * hw.cols + c];
      }
      stats.bytes.accumulatorRead += f.rows * f.cols * ACC_BYTES;
      stats.bytes.hostWritten += f.rows * f.cols * ACC_BYTES;
      break;
    }
    case OP_RDW: {
      tc = t + T.weightLoadCycles(hw, f.rows, f.cols) - 1;
      const read = { addr: f.wm, stride: f.wstride, rows: f.rows, cols: f.cols, transpose: f.transpose === 1 };
      const bad = readTile(dp.wm, read, dp.fifo.staging, hw.cols, hw.dtype, dp.fifo.stagingDirtyRows, dp.fifo.stagingDirtyCols);
      dp.fifo.stagingDirtyRows = f.rows;
      dp.fifo.stagingDirtyCols = f.cols;
      if (bf16 && bad >= 0) fault(`non-finite weight at weight memory address ${bad}`);
      stats.bytes.weightMemoryRead += f.rows * f.cols * eb;
      stats.bytes.weightFifoWritten += f.rows * f.cols * eb;
      break;
    }
    case OP_RDWU: {
      tc = t + T.stationaryLoadCycles(f.rows, f.cols, f.transpose === 1) - 1;
      const read = { addr: f.ub, stride: f.ustride, rows: f.rows, cols: f.cols, transpose: f.transpose === 1 };
      readTile(dp.ub, read, dp.fifo.staging, hw.cols, null, dp.fifo.stagingDirtyRows, dp.fifo.stagingDirtyCols);
      dp.fifo.stagingDirtyRows = f.rows;
      dp.fifo.stagingDirtyCols = f.cols;
      stats.bytes.unifiedBufferRead += f.rows * f.cols * eb;
      stats.bytes.weightFifoWritten += f.rows * f.cols * eb;
      break;
    }
    case OP_MMUL: {
      tc = T.passCompleteCycle(hw, t, f.rows);
      stats.bytes.unifiedBufferRead += f.rows * f.cols * eb;
      stats.bytes.accumulatorWritten += f.rows * hw.cols * ACC_BYTES;
      if (f.accumulate) stats.bytes.accumulatorRead += f.rows * hw.cols * ACC_BYTES;
      if (!ctx.detailed) {
        stats.macs += f.rows * tileRows * tileCols;
        const pass = { ub: f.ub, ustride: f.ustride, vectors: f.rows, cols: f.cols, acc: f.acc, accumulate: f.accumulate === 1 };
        const wOffset = (bank + 1) * hw.rows * hw.cols;
        if (bf16) {
          const bad = fastPassFloat(dp.ub, dp.acc.data as Float32Array, dp.array.weights, wOffset, hw.rows, hw.cols, tileCols, ctx.nonzeros, bank, pass, ctx.f32);
          if (bad >= 0) fault(`non-finite value written to accumulator row ${Math.floor(bad / hw.cols)}, column ${bad % hw.cols}`);
        } else {
          fastPassInt(dp.ub, dp.acc.data as Int32Array, dp.array.weights, wOffset, hw.rows, hw.cols, tileCols, ctx.nonzeros, bank, pass, ctx.f64);
        }
      }
      break;
    }
    case OP_ACT: {
      tc = t + T.activationCycles(hw, f.rows) - 1;
      const act: ActivationOp = {
        acc: f.acc, rows: f.rows, cols: f.cols, ub: f.ub, ustride: f.ustride, fn: f.fn, inScale: f.inscale, outScale: f.outscale,
      };
      if (ctx.detailed) dp.activation.start(act, t);
      else {
        const bad = fastActivation(dp.acc.data, hw.cols, dp.ub, act, hw.dtype);
        if (bad >= 0) fault(`non-finite value written to unified buffer address ${bad}`);
      }
      stats.bytes.accumulatorRead += f.rows * f.cols * ACC_BYTES;
      stats.bytes.unifiedBufferWritten += f.rows * f.cols * eb;
      stats.ops.activationElements += f.rows * f.cols;
      break;
    }
    case OP_VEC: {
      tc = t + T.vectorCycles(hw, f.rows, f.cols) - 1;
      const vop = { fn: f.fn, dst: f.dst, dstride: f.dstride, a: f.a, astride: f.astride, b: f.b, bstride: f.bstride, rows: f.rows, cols: f.cols, imm: f.imm };
      const bad = vectorElementwise(dp.ub, vop, hw.dtype);
      if (bf16 && bad >= 0) fault(`non-finite value written to unified buffer address ${bad}`);
      stats.bytes.unifiedBufferRead += (f.fn === VEC_COPY ? 1 : 2) * f.rows * f.cols * eb;
      stats.bytes.unifiedBufferWritten += f.rows * f.cols * eb;
      stats.ops.vectorElements += f.rows * f.cols;
      break;
    }
    case OP_VTR: {
      tc = t + T.vectorCycles(hw, f.rows, f.cols) - 1;
      if (ctx.transpose.length < f.rows * f.cols) ctx.transpose = new Float32Array(f.rows * f.cols);
      vectorTranspose(dp.ub, f.src, f.sstride, f.rows, f.cols, f.dst, f.dstride, ctx.transpose);
      stats.bytes.unifiedBufferRead += f.rows * f.cols * eb;
      stats.bytes.unifiedBufferWritten += f.rows * f.cols * eb;
      stats.ops.vectorElements += f.rows * f.cols;
      break;
    }
    case OP_VSMX: {
      tc = t + T.vectorCycles(hw, f.rows, f.cols) - 1;
      if (ctx.transpose.length < f.rows * f.cols) ctx.transpose = new Float32Array(f.rows * f.cols);
      const bad = vectorSoftmax(dp.ub, f.src, f.sstride, f.dst, f.dstride, f.rows, f.cols, hw.dtype, ctx.transpose);
      if (bf16 && bad >= 0) fault(`non-finite value written to unified buffer address ${bad}`);
      stats.bytes.unifiedBufferRead += f.rows * f.cols * eb;
      stats.bytes.unifiedBufferWritten += f.rows * f.cols * eb;
      stats.ops.vectorElements += f.rows * f.cols;
      break;
    }
    case OP_VSGD: {
      tc = t + T.vectorCycles(hw, f.rows, f.cols) - 1;
      const bad = vectorSgd(dp.wm, f.wm, f.wstride, dp.acc.data, f.acc, hw.cols, f.rows, f.cols, f.lr);
      if (bf16 && bad >= 0) fault(`non-finite weight written to weight memory address ${bad}`);
      stats.bytes.accumulatorRead += f.rows * f.cols * ACC_BYTES;
      stats.bytes.weightMemoryRead += f.rows * f.cols * 4;
      stats.bytes.weightMemoryWritten += f.rows * f.cols * 4;
      stats.ops.vectorElements += f.rows * f.cols;
      break;
    }
    default:
      throw new Error(`internal: ${op.ins.op} has no issue action`);
  }
  stats.unitBusyCycles[UNIT_NAMES[op.unit] as keyof RunStats["unitBusyCycles"]] +=
    op.code === OP_MMUL ? f.rows : tc - t + 1;
  return tc;
}

/**
 * A tile shift's totals (ARCHITECTURE "Counters"): the shifter reads every row of the slot (R*C
 * elements, padding included) and at step k writes k+1 rows of C weight registers.
 */
export function countTileShift(stats: RunStats, hw: HwConfig): void {
  stats.ops.tilesShifted++;
  stats.ops.weightRegisterWrites += (hw.cols * hw.rows * (hw.rows + 1)) / 2;
  stats.bytes.weightFifoRead += hw.rows * hw.cols * hw.elementBytes;
}

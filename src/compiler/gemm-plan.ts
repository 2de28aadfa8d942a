/**
 * How a matrix product C = A (M x K) · B (K x N) is cut to fit the chip (gemm-stream.ts emits it).
 *
 * Transformations: shapes and a machine in, a plan out.
 * - B stays in weight memory (K x N row-major from address 0) and reaches the array as tiles of
 *   R rows (contraction) x C columns: kTiles x nTiles tiles, each read by RDW for every block of A.
 * - A streams through the unified buffer in blocks of `blockRows` rows, two pieces resident at a
 *   time (double buffering: the next piece's RHM overlaps this one's passes). A row wider than an
 *   RHM can move or than half the buffer holds is cut into k-blocks of `kBlockCols` columns (whole
 *   k-tiles); each output tile then loads its k-blocks in turn.
 * - Each output tile (a block's rows x C columns) accumulates over the k-tiles in one half of the
 *   accumulators; tiles alternate halves, so one tile drains to the host (WHMA) while the next
 *   accumulates — TPU v1's compiler does the same with its 4096 accumulator rows.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";

/** Widths of the ISA fields the product's instructions use (src/isa/opcodes.ts). */
const MAX_ROWS = 0xffff;
const MAX_UB_STRIDE = 0xffff;
const MAX_HOST_STRIDE = 0xffffff;

export interface GemmShape {
  m: number;
  k: number;
  n: number;
}

export interface GemmPlan extends GemmShape {
  /** Rows of A per block (the last block may be shorter). */
  blockRows: number;
  mBlocks: number;
  kTiles: number;
  nTiles: number;
  /** Columns of A per k-block (K when a whole row fits) and k-blocks per row. */
  kBlockCols: number;
  kBlocks: number;
  /** Unified-buffer slots for A blocks (1 when one block holds all of A) and elements per slot. */
  ubSlots: number;
  ubSlotElements: number;
  /** Accumulator halves (2 unless the machine has a single row) and rows per half. */
  accHalves: number;
  accHalfRows: number;
  /** RDW instructions issued ahead of their MMUL (weight FIFO prefetch). */
  weightsAhead: number;
}

export function planGemm(shape: GemmShape, hw: HwConfig): GemmPlan {
  const { m, k, n } = shape;
  for (const [name, v] of [["M", m], ["K", k], ["N", n]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new UserInputError(`${name} = ${v}: a matrix product needs whole dimensions >= 1`, { field: name });
  }
  if (k * n > hw.weightMemoryElements) {
    throw new UserInputError(
      `B has ${k * n} elements (K ${k} x N ${n}) but weight memory holds ${hw.weightMemoryElements}; raise weightMemoryBytes (--set weightMemoryBytes=...)`,
      { field: "B" },
    );
  }
  if (n > MAX_HOST_STRIDE) throw new UserInputError(`N = ${n} is above ${MAX_HOST_STRIDE}, the widest host row a WHMA stride can address`, { field: "N" });
  if (k > MAX_HOST_STRIDE) throw new UserInputError(`K = ${k} is above ${MAX_HOST_STRIDE}, the widest host row an RHM stride can address`, { field: "K" });
  const accHalves = hw.accumulatorRows >= 2 ? 2 : 1;
  const accHalfRows = Math.floor(hw.accumulatorRows / accHalves);
  const U = hw.unifiedBufferElements;
  // A k-block is whole k-tiles, at most one RHM row (and MMUL stride) wide, and two rows of it fit.
  const widest = Math.min(MAX_UB_STRIDE, Math.floor(U / 2));
  const kBlockCols = k <= widest ? k : Math.floor(widest / hw.rows) * hw.rows;
  if (kBlockCols < 1) {
    throw new UserInputError(`the unified buffer (${U} elements) cannot hold two rows of one ${hw.rows}-row k-tile`, { field: "unifiedBufferBytes" });
  }
  const fitsOnce = Math.floor(U / kBlockCols);
  const cap = Math.min(accHalfRows, MAX_ROWS);
  let blockRows = m;
  let ubSlots = 1;
  if (m > cap || m > fitsOnce || kBlockCols < k) {
    // Several pieces of A: two slots, so that the next piece loads while this one computes.
    ubSlots = fitsOnce >= 2 ? 2 : 1;
    blockRows = Math.min(m, cap, Math.floor(fitsOnce / ubSlots));
  }
  return {
    m,
    k,
    n,
    blockRows,
    mBlocks: Math.ceil(m / blockRows),
    kTiles: Math.ceil(k / hw.rows),
    nTiles: Math.ceil(n / hw.cols),
    kBlockCols,
    kBlocks: Math.ceil(k / kBlockCols),
    ubSlots,
    ubSlotElements: blockRows * kBlockCols,
    accHalves,
    accHalfRows,
    weightsAhead: Math.max(1, hw.weightFifoTiles - 1),
  };
}

/** Rows of block i. */
export function blockRowsOf(plan: GemmPlan, block: number): number {
  return Math.min(plan.blockRows, plan.m - block * plan.blockRows);
}

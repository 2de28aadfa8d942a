/**
 * The instruction stream of a planned matrix product (gemm-plan.ts), produced lazily so that a
 * product with millions of rows never exists as one array of instructions.
 *
 * Transformations: a plan and host addresses in, instructions out (the last one HALT). Per block i
 * of A (rows r0..), per output tile j (C columns), per k-tile t (R rows of B), one pass:
 *   RDW  tile (t, j) of B from weight memory, issued `weightsAhead` passes early (FIFO prefetch)
 *   MMUL block i's columns t*R.. through the tile into accumulator half h (switch; accumulate
 *        after the first k-tile), h alternating per output tile
 *   WHMA the tile's rows x C exact values to host C, placed after the *next* pass's MMUL, so the
 *        in-order controller does not hold the array while the last pass drains
 *   RHM  block i+1 of A into the other unified-buffer slot, placed after block i's first MMUL (the
 *        slot's previous reader, block i-1, has then issued its last pass), so the next block's
 *        transfer overlaps this block's passes
 * Each step says which host block it reads or writes, so a host can stream A in and C out.
 */
import type { HwConfig } from "../config/hw-config.js";
import { makeInstruction, type Instruction } from "../isa/opcodes.js";
import { blockRowsOf, type GemmPlan } from "./gemm-plan.js";

export interface GemmAddressing {
  /** Host element address of row 0 of A block i (its rows are K apart). */
  hostA(block: number): number;
  /** Host element address of row 0 of C block i (its rows are N apart). */
  hostC(block: number): number;
}

export interface GemmStep {
  ins: Instruction;
  /** RHM: the block of A it reads from host memory, and whether no later RHM reads that block. */
  readsA?: number;
  lastReadOfA?: boolean;
  /** WHMA: the block of C it writes, and whether it writes that block's last output tile. */
  writesC?: number;
  completesC?: boolean;
}

/**
 * A piece of A in the unified buffer: a block's rows x one k-block; `index` counts pieces in order.
 * With k-blocks a block's pieces are loaded again for every output tile (`tile`).
 */
interface Piece {
  index: number;
  block: number;
  kBlock: number;
  tile: number;
}

interface Pass {
  piece: Piece;
  tile: number;
  kTile: number;
  /** Accumulator row of the tile's half. */
  acc: number;
}

function* passesOf(plan: GemmPlan, tilesPerKBlock: number): Generator<Pass> {
  let outputTile = 0;
  let piece: Piece = { index: -1, block: -1, kBlock: -1, tile: -1 };
  for (let block = 0; block < plan.mBlocks; block++) {
    for (let tile = 0; tile < plan.nTiles; tile++, outputTile++) {
      const acc = (outputTile % plan.accHalves) * plan.accHalfRows;
      for (let kTile = 0; kTile < plan.kTiles; kTile++) {
        const kBlock = Math.floor(kTile / tilesPerKBlock);
        const pieceTile = plan.kBlocks > 1 ? tile : 0;
        if (piece.block !== block || piece.kBlock !== kBlock || piece.tile !== pieceTile) piece = { index: piece.index + 1, block, kBlock, tile: pieceTile };
        yield { piece, tile, kTile, acc };
      }
    }
  }
}

export function* gemmSteps(plan: GemmPlan, hw: HwConfig, host: GemmAddressing): Generator<GemmStep> {
  const { k, n, kTiles, nTiles, kBlocks, kBlockCols, weightsAhead } = plan;
  const R = hw.rows;
  const C = hw.cols;
  const tilesPerKBlock = kBlocks === 1 ? kTiles : kBlockCols / R;
  const slotOf = (piece: Piece) => (piece.index % plan.ubSlots) * plan.ubSlotElements;
  const pieceCols = (piece: Piece) => Math.min(kBlockCols, k - piece.kBlock * kBlockCols);
  const kRows = (t: number) => Math.min(R, k - t * R);
  const nCols = (j: number) => Math.min(C, n - j * C);
  /** The piece after this one (pieces follow the pass order: blocks, tiles, k-blocks). */
  const nextPiece = ({ block, kBlock, tile, index }: Piece): Piece | null => {
    if (kBlock + 1 < kBlocks) return { index: index + 1, block, kBlock: kBlock + 1, tile };
    if (kBlocks > 1 && tile + 1 < nTiles) return { index: index + 1, block, kBlock: 0, tile: tile + 1 };
    return block + 1 < plan.mBlocks ? { index: index + 1, block: block + 1, kBlock: 0, tile: 0 } : null;
  };
  const rhm = (piece: Piece): GemmStep => {
    const cols = pieceCols(piece);
    return {
      ins: makeInstruction(
        "RHM",
        { host: host.hostA(piece.block) + piece.kBlock * kBlockCols, hstride: k, ub: slotOf(piece), ustride: cols, rows: blockRowsOf(plan, piece.block), cols },
        `A block ${piece.block}${kBlocks > 1 ? ` k-block ${piece.kBlock}` : ""}`,
      ),
      readsA: piece.block,
      lastReadOfA: kBlocks === 1 || (piece.kBlock === kBlocks - 1 && piece.tile === nTiles - 1),
    };
  };
  const rdw = (p: Pass): GemmStep => ({
    ins: makeInstruction("RDW", { wm: p.kTile * R * n + p.tile * C, wstride: n, rows: kRows(p.kTile), cols: nCols(p.tile) }, `B tile k${p.kTile} n${p.tile}`),
  });
  const mmul = (p: Pass): GemmStep => ({
    ins: makeInstruction(
      "MMUL",
      {
        ub: slotOf(p.piece) + (p.kTile - p.piece.kBlock * tilesPerKBlock) * R,
        ustride: pieceCols(p.piece),
        rows: blockRowsOf(plan, p.piece.block),
        cols: kRows(p.kTile),
        acc: p.acc,
        switch: 1,
        accumulate: p.kTile > 0 ? 1 : 0,
      },
      `block ${p.piece.block} n${p.tile} k${p.kTile}`,
    ),
  });
  const whma = (p: Pass): GemmStep => ({
    ins: makeInstruction("WHMA", { acc: p.acc, rows: blockRowsOf(plan, p.piece.block), cols: nCols(p.tile), host: host.hostC(p.piece.block) + p.tile * C, hstride: n }, `C block ${p.piece.block} n${p.tile}`),
    writesC: p.piece.block,
    completesC: p.tile === nTiles - 1,
  });

  const source = passesOf(plan, tilesPerKBlock);
  const window: Pass[] = [];
  const refill = () => {
    while (window.length <= weightsAhead) {
      const next = source.next();
      if (next.done) return;
      window.push(next.value);
    }
  };
  refill();
  yield rhm(window[0].piece);
  for (let i = 0; i < Math.min(weightsAhead, window.length); i++) yield rdw(window[i]);
  let deferred: GemmStep | null = null;
  let previous: Pass | null = null;
  while (window.length > 0) {
    const p = window.shift() as Pass;
    refill();
    const firstOfPiece = previous === null || previous.piece !== p.piece;
    previous = p;
    if (firstOfPiece && p.piece.index > 0 && plan.ubSlots === 1) yield rhm(p.piece);
    yield mmul(p);
    if (window.length >= weightsAhead) yield rdw(window[weightsAhead - 1]);
    if (deferred) yield deferred;
    deferred = p.kTile === kTiles - 1 ? whma(p) : null;
    if (firstOfPiece && plan.ubSlots === 2) {
      const next = nextPiece(p.piece);
      if (next) yield rhm(next);
    }
  }
  if (deferred) yield deferred;
  yield { ins: makeInstruction("HALT") };
}

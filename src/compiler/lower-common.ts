/**
 * Shared by the lower-* passes (not a pass itself): view -> address arithmetic, and the lowering of
 * one tiled, placed matmul into RDW/RDWU + MMUL per pass and ACT/VSGD per drained n-tile.
 */
import { makeInstruction } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";
import { findBuffer, findWeights } from "./ir.js";
import type { CompilerIr, MatmulOp, Op, View, WeightView } from "./ir.js";

export interface Placed {
  /** Element address of the view's first element. */
  readonly address: number;
  /** Elements between rows. */
  readonly stride: number;
}

/**
 * Address of the view's logical (row, col) and the stride of the rows that follow it (ir.ts View). A
 * block of rows placed this way must not cross a segment boundary of a segmented view.
 */
export function placeView(ir: CompilerIr, v: View, row = 0, col = 0, cols = v.cols - col): Placed {
  const b = findBuffer(ir, v.buffer);
  if (b.address === undefined) throw new Error(`internal: buffer ${b.name} is not allocated`);
  const W = b.blockCols;
  if (W !== undefined) {
    // Column-blocked (ir.ts BufferDecl): the `cols` columns placed must lie in one block.
    const c = v.col + col;
    if (v.pitch !== undefined || v.segment !== undefined || Math.floor(c / W) !== Math.floor((c + cols - 1) / W)) {
      throw new Error(`internal: a block of ${b.name} columns ${c}..${c + cols - 1} crosses its ${W}-column blocks`);
    }
    return { address: b.address + Math.floor(c / W) * b.rows * W + (v.row + row) * W + (c % W), stride: W };
  }
  const pitch = v.pitch ?? b.cols;
  const segment = v.segment === undefined ? 0 : Math.floor(row / v.segment);
  const inSegment = v.segment === undefined ? row : row % v.segment;
  return { address: b.address + (v.row + segment) * b.cols + v.col + inSegment * pitch + col, stride: pitch };
}

/** Rows [row, row + rows) of a segmented view lie in one segment (one strided block). */
export function assertOneSegment(v: View, row: number, rows: number, what: string): void {
  if (v.segment !== undefined && Math.floor(row / v.segment) !== Math.floor((row + rows - 1) / v.segment)) {
    throw new Error(`internal: ${what} crosses a segment of ${v.buffer}`);
  }
}

export function placeWeights(ir: CompilerIr, v: WeightView, row = 0, col = 0): Placed {
  const w = findWeights(ir, v.layer);
  if (w.address === undefined) throw new Error(`internal: weights of layer ${v.layer} are not allocated`);
  return { address: w.address + (v.row + row) * w.cols + v.col + col, stride: w.cols };
}

/** Lower the ops `select` picks with `lower`, leaving the others untouched. */
export function lowerOps<T extends Op>(ir: CompilerIr, select: (op: Op) => op is T, lower: (op: T) => Instruction[]): CompilerIr {
  return { ...ir, ops: ir.ops.map((op) => (select(op) ? { ...op, code: lower(op) } : op)) };
}

/**
 * `blockInput(m)`: instructions filling row block m's input, emitted one block ahead of the passes
 * (blocks 0 and 1 before block 0's first pass, block m+1 before block m's first pass).
 * `stripInput(k)` likewise fills k-tile k's columns of the input, one k-tile ahead.
 */
export function lowerMatmul(
  ir: CompilerIr,
  op: MatmulOp,
  blockInput?: (m: number) => Instruction[],
  stripInput?: (k: number) => Instruction[],
): Instruction[] {
  const t = op.tiling;
  if (!t || op.accBase === undefined) throw new Error(`internal: ${op.note} is not tiled and placed`);
  const accRow = (slot: number) => op.accBase! + slot * t.slotRows;
  const tileName = op.role === "gradient" ? ["b-tile", "column tile"] : op.role === "error" ? ["n-tile", "k-tile"] : ["k-tile", "n-tile"];
  const blocks = t.mTiles.length > 1;
  const block = (mi: number) => (blocks ? `, ${op.vectorBlocks ? "row block" : "image"} ${mi + 1}/${t.mTiles.length}` : "");
  const where = (k: number, n: number, mi: number) =>
    `${op.note}, ${tileName[0]} ${k + 1}/${t.kTiles.length}, ${tileName[1]} ${n + 1}/${t.nTiles.length}${block(mi)}`;
  const out: Instruction[] = [];
  let filled = 0;
  const fill = (upTo: number) => {
    for (; blockInput && filled <= Math.min(upTo, t.mTiles.length - 1); filled++) out.push(...blockInput(filled));
  };
  let stripped = 0;
  const strip = (upTo: number) => {
    for (; stripInput && stripped <= Math.min(upTo, t.kTiles.length - 1); stripped++) out.push(...stripInput(stripped));
  };
  for (const step of t.steps) {
    const nt = t.nTiles[step.n];
    const mt = t.mTiles[step.m];
    if (step.kind === "pass") {
      fill(step.m + 1);
      strip(step.k + 1);
      const kt = t.kTiles[step.k];
      if (step.load) out.push(loadTile(ir, op, kt.start, kt.size, nt.start, nt.size, where(step.k, step.n, step.m)));
      const x = placeView(ir, op.input, mt.start, kt.start, kt.size);
      const flags = { switch: step.load ? 1 : 0, accumulate: step.accumulate ? 1 : 0 };
      out.push(
        makeInstruction(
          "MMUL",
          { ub: x.address, ustride: x.stride, rows: mt.size, cols: kt.size, acc: accRow(step.slot), ...flags },
          where(step.k, step.n, step.m),
        ),
      );
      continue;
    }
    const e = op.epilogue;
    const cols = `${tileName[1]} ${step.n + 1}/${t.nTiles.length}${block(step.m)}`;
    if (e.kind === "activate") {
      assertOneSegment(e.dst, mt.start, mt.size, op.note);
      const d = placeView(ir, e.dst, mt.start, nt.start);
      out.push(
        makeInstruction(
          "ACT",
          { acc: accRow(step.slot), rows: mt.size, cols: nt.size, ub: d.address, ustride: d.stride, fn: e.fn, inscale: e.inScale, outscale: e.outScale },
          `${op.note}: ${e.fn} into ${e.dst.buffer}, ${cols}`,
        ),
      );
    } else {
      const w = placeWeights(ir, e.target, mt.start, nt.start);
      out.push(
        makeInstruction(
          "VSGD",
          { wm: w.address, wstride: w.stride, acc: accRow(step.slot), rows: mt.size, cols: nt.size, lr: e.lr },
          `layer ${op.layer} sgd: M${op.layer} -= lr · G, ${cols}`,
        ),
      );
    }
  }
  fill(t.mTiles.length - 1);
  strip(t.kTiles.length - 1);
  return out;
}

/** The stationary tile S[k0..k0+kRows)[n0..n0+nCols) as an RDW or RDWU. */
function loadTile(ir: CompilerIr, op: MatmulOp, k0: number, kRows: number, n0: number, nCols: number, comment: string): Instruction {
  const s = op.stationary;
  const note = `${comment} (load tile)`;
  if (s.memory === "ub") {
    const p = placeView(ir, s.view, k0, n0, nCols);
    return makeInstruction("RDWU", { ub: p.address, ustride: p.stride, rows: kRows, cols: nCols }, note);
  }
  // transpose: S[k][n] = view[n][k], and RDW transpose reads tile[r][c] = wm[addr + c*wstride + r].
  const p = s.transpose ? placeWeights(ir, s.view, n0, k0) : placeWeights(ir, s.view, k0, n0);
  return makeInstruction("RDW", { wm: p.address, wstride: p.stride, rows: kRows, cols: nCols, transpose: s.transpose ? 1 : 0 }, note);
}

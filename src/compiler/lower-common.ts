/**
 * Shared by the lower-* passes (not a pass itself): view -> address arithmetic, and the lowering of
 * one tiled, placed matmul into RDW/RDWU + MMUL per pass and ACT/VSGD per drained n-tile.
 */
import { makeInstruction } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";
import { findBuffer, findWeights, matmulShape } from "./ir.js";
import type { CompilerIr, MatmulOp, Op, View, WeightView } from "./ir.js";

export interface Placed {
  /** Element address of the view's first element. */
  readonly address: number;
  /** Elements between rows. */
  readonly stride: number;
}

export function placeView(ir: CompilerIr, v: View, row = 0, col = 0): Placed {
  const b = findBuffer(ir, v.buffer);
  if (b.address === undefined) throw new Error(`internal: buffer ${b.name} is not allocated`);
  return { address: b.address + (v.row + row) * b.cols + v.col + col, stride: b.cols };
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

export function lowerMatmul(ir: CompilerIr, op: MatmulOp): Instruction[] {
  const t = op.tiling;
  if (!t || op.accBase === undefined) throw new Error(`internal: ${op.note} is not tiled and placed`);
  const { m } = matmulShape(op);
  const accRow = (slot: number) => op.accBase! + slot * m;
  const tileName = op.role === "gradient" ? ["b-tile", "column tile"] : op.role === "error" ? ["n-tile", "k-tile"] : ["k-tile", "n-tile"];
  const where = (k: number, n: number) =>
    `${op.note}, ${tileName[0]} ${k + 1}/${t.kTiles.length}, ${tileName[1]} ${n + 1}/${t.nTiles.length}`;
  const out: Instruction[] = [];
  for (const step of t.steps) {
    const nt = t.nTiles[step.n];
    if (step.kind === "pass") {
      const kt = t.kTiles[step.k];
      out.push(loadTile(ir, op, kt.start, kt.size, nt.start, nt.size, where(step.k, step.n)));
      const x = placeView(ir, op.input, 0, kt.start);
      out.push(
        makeInstruction(
          "MMUL",
          { ub: x.address, ustride: x.stride, rows: m, cols: kt.size, acc: accRow(step.slot), switch: 1, accumulate: step.accumulate ? 1 : 0 },
          where(step.k, step.n),
        ),
      );
      continue;
    }
    const e = op.epilogue;
    const cols = `${tileName[1]} ${step.n + 1}/${t.nTiles.length}`;
    if (e.kind === "activate") {
      const d = placeView(ir, e.dst, 0, nt.start);
      out.push(
        makeInstruction(
          "ACT",
          { acc: accRow(step.slot), rows: m, cols: nt.size, ub: d.address, ustride: d.stride, fn: e.fn, inscale: e.inScale, outscale: e.outScale },
          `${op.note}: ${e.fn} into ${e.dst.buffer}, ${cols}`,
        ),
      );
    } else {
      const w = placeWeights(ir, e.target, 0, nt.start);
      out.push(
        makeInstruction(
          "VSGD",
          { wm: w.address, wstride: w.stride, acc: accRow(step.slot), rows: m, cols: nt.size, lr: e.lr },
          `layer ${op.layer} sgd: M${op.layer} -= lr · G, ${cols}`,
        ),
      );
    }
  }
  return out;
}

/** The stationary tile S[k0..k0+kRows)[n0..n0+nCols) as an RDW or RDWU. */
function loadTile(ir: CompilerIr, op: MatmulOp, k0: number, kRows: number, n0: number, nCols: number, comment: string): Instruction {
  const s = op.stationary;
  const note = `${comment} (load tile)`;
  if (s.memory === "ub") {
    const p = placeView(ir, s.view, k0, n0);
    return makeInstruction("RDWU", { ub: p.address, ustride: p.stride, rows: kRows, cols: nCols }, note);
  }
  // transpose: S[k][n] = view[n][k], and RDW transpose reads tile[r][c] = wm[addr + c*wstride + r].
  const p = s.transpose ? placeWeights(ir, s.view, n0, k0) : placeWeights(ir, s.view, k0, n0);
  return makeInstruction("RDW", { wm: p.address, wstride: p.stride, rows: kRows, cols: nCols, transpose: s.transpose ? 1 : 0 }, note);
}

/**
 * Transformations: backward-propagation ops -> instructions.
 *   Input:  TransposeOps (delta_l -> deltaT_l), error matmuls (E = delta_l · M_l[:, :K_l], ACT identity
 *           epilogue into E_l) and "backward" VectorOps (delta_{l-1} = f(E_l, X_l[:, :K_l])).
 *   Output: one VTR per transpose; per error pass a plain `RDW` tile (tile[r][c] = M_l[n0+r][k0+c])
 *           and an `MMUL switch` streaming delta_l rows (accumulate after the first n-tile), one ACT
 *           per k-tile of E; one VEC per vector op.
 */
import { makeInstruction } from "../isa/opcodes.js";
import type { HwConfig } from "../config/hw-config.js";
import { lowerMatmul, lowerOps, placeView } from "./lower-common.js";
import { lowerVector } from "./lower-vector.js";
import type { CompilerIr, MatmulOp, Op, TransposeOp, VectorOp } from "./ir.js";

type BackwardOp = TransposeOp | MatmulOp | VectorOp;
const isBackward = (op: Op): op is BackwardOp =>
  op.kind === "transpose" || (op.kind === "matmul" && op.role === "error") || (op.kind === "vector" && op.phase === "backward");

export function lowerBackward(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isBackward, (op) => {
    if (op.kind === "matmul") return lowerMatmul(ir, op);
    if (op.kind === "vector") return [lowerVector(ir, op)];
    const s = placeView(ir, op.src);
    const d = placeView(ir, op.dst);
    return [
      makeInstruction(
        "VTR",
        { src: s.address, sstride: s.stride, rows: op.src.rows, cols: op.src.cols, dst: d.address, dstride: d.stride },
        op.note,
      ),
    ];
  });
}

/**
 * Transformations: loss ops -> vector-unit instructions.
 *   Input:  the "loss" ops. SSE: two VectorOps, e = A - Y (imm 1) and delta_{L-1} = (2/B) · f(e, A)
 *           with f the output activation's derivative function (dsigmul, drelumul or copy).
 *           Softmax cross-entropy: a SoftmaxOp P = softmax(Z) row by row, then one VectorOp
 *           delta_{L-1} = (1/B) (P - Y).
 *   Output: the same ops with one instruction each (VEC, or VSMX for the softmax).
 */
import type { HwConfig } from "../config/hw-config.js";
import { makeInstruction } from "../isa/opcodes.js";
import { lowerOps, placeView } from "./lower-common.js";
import { lowerVector } from "./lower-vector.js";
import type { CompilerIr, Op, SoftmaxOp, VectorOp } from "./ir.js";

const isLoss = (op: Op): op is VectorOp | SoftmaxOp => (op.kind === "vector" && op.phase === "loss") || op.kind === "softmax";

export function lowerLoss(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isLoss, (op) => {
    if (op.kind === "vector") return [lowerVector(ir, op)];
    const s = placeView(ir, op.src);
    const d = placeView(ir, op.dst);
    const fields = { src: s.address, sstride: s.stride, dst: d.address, dstride: d.stride, rows: op.src.rows, cols: op.src.cols };
    return [makeInstruction("VSMX", fields, op.note)];
  });
}

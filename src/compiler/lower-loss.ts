/**
 * Transformations: loss vector ops -> VEC instructions.
 *   Input:  the two "loss" VectorOps: e = A - Y (imm 1) and delta_{L-1} = (2/B) · f(e, A) with f the
 *           output activation's derivative function (dsigmul, drelumul or copy).
 *   Output: the same ops with one VEC each.
 */
import type { HwConfig } from "../config/hw-config.js";
import { lowerOps } from "./lower-common.js";
import { lowerVector } from "./lower-vector.js";
import type { CompilerIr, Op, VectorOp } from "./ir.js";

const isLoss = (op: Op): op is VectorOp => op.kind === "vector" && op.phase === "loss";

export function lowerLoss(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isLoss, (op) => [lowerVector(ir, op)]);
}

/**
 * Transformations: transfer and halt ops -> RHM / WHM / HALT instructions.
 *   Input:  placed TransferOps (host view <-> unified-buffer view of the same shape; a host view may
 *           have any pitch: the im2col gathers of a convolution read overlapping windows, a
 *           broadcast reads one row with pitch 0), the HaltOp, and the "input" VectorOps that
 *           prepare layer 0's input (clearing a convolution's patches).
 *   Output: the same ops with `code`: one RHM or WHM each (strided rows on both sides), one HALT,
 *           one VEC per input vector op. A matmul's block inputs are left to lower-forward, which
 *           interleaves them with the passes.
 */
import { makeInstruction } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";
import type { HwConfig } from "../config/hw-config.js";
import { lowerOps, placeView } from "./lower-common.js";
import { lowerVector } from "./lower-vector.js";
import type { CompilerIr, HaltOp, Op, TransferOp, VectorOp } from "./ir.js";

const isTransferOrHalt = (op: Op): op is TransferOp | HaltOp | VectorOp =>
  op.kind === "transfer" || op.kind === "halt" || (op.kind === "vector" && op.phase === "input");

export function lowerTransfers(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isTransferOrHalt, (op) => {
    if (op.kind === "halt") return [makeInstruction("HALT", {}, op.note)];
    if (op.kind === "vector") return [lowerVector(ir, op)];
    return [transferInstruction(ir, op)];
  });
}

/** One transfer as an RHM or WHM (also used for a matmul's block inputs, lowered with the matmul). */
export function transferInstruction(ir: CompilerIr, op: TransferOp): Instruction {
  const h = placeView(ir, op.host);
  const u = placeView(ir, op.ub);
  const shape = { rows: op.ub.rows, cols: op.ub.cols };
  return op.direction === "host-to-ub"
    ? makeInstruction("RHM", { host: h.address, hstride: h.stride, ub: u.address, ustride: u.stride, ...shape }, op.note)
    : makeInstruction("WHM", { ub: u.address, ustride: u.stride, host: h.address, hstride: h.stride, ...shape }, op.note);
}

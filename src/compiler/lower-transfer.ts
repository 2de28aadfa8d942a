/**
 * Transformations: transfer and halt ops -> RHM / WHM / HALT instructions.
 *   Input:  placed TransferOps (host view <-> unified-buffer view of the same shape) and the HaltOp.
 *   Output: the same ops with `code`: one RHM or WHM each (strided rows on both sides), one HALT.
 */
import { makeInstruction } from "../isa/opcodes.js";
import type { HwConfig } from "../config/hw-config.js";
import { lowerOps, placeView } from "./lower-common.js";
import type { CompilerIr, HaltOp, Op, TransferOp } from "./ir.js";

const isTransferOrHalt = (op: Op): op is TransferOp | HaltOp => op.kind === "transfer" || op.kind === "halt";

export function lowerTransfers(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isTransferOrHalt, (op) => {
    if (op.kind === "halt") return [makeInstruction("HALT", {}, op.note)];
    const h = placeView(ir, op.host);
    const u = placeView(ir, op.ub);
    const shape = { rows: op.ub.rows, cols: op.ub.cols };
    return op.direction === "host-to-ub"
      ? [makeInstruction("RHM", { host: h.address, hstride: h.stride, ub: u.address, ustride: u.stride, ...shape }, op.note)]
      : [makeInstruction("WHM", { ub: u.address, ustride: u.stride, host: h.address, hstride: h.stride, ...shape }, op.note)];
  });
}

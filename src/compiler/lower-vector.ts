/** Shared by lower-loss and lower-backward (not a pass itself): one VectorOp -> one VEC. */
import { makeInstruction } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";
import { placeView } from "./lower-common.js";
import type { CompilerIr, VectorOp } from "./ir.js";

export function lowerVector(ir: CompilerIr, op: VectorOp): Instruction {
  const d = placeView(ir, op.dst);
  const a = placeView(ir, op.a);
  const b = placeView(ir, op.b);
  return makeInstruction(
    "VEC",
    {
      fn: op.fn,
      dst: d.address,
      dstride: d.stride,
      a: a.address,
      astride: a.stride,
      b: b.address,
      bstride: b.stride,
      rows: op.dst.rows,
      cols: op.dst.cols,
      imm: op.imm,
    },
    op.note,
  );
}

/** One-line text of an instruction for faults, traces and timelines. */
import type { DecodedOp } from "./decode.js";

export function describeInstruction(op: DecodedOp): string {
  const fields = Object.entries(op.f)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `pc ${op.pc}: ${op.ins.op}${fields ? " " + fields : ""}`;
}

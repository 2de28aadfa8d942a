/** One-line text of an instruction for faults, traces and timelines. */
import type { DecodedOp } from "./decode.js";

/**
 * Texts already made: a decoded op never changes, and a traced run describes every instruction it
 * completes (a traced MNIST epoch completes each of its step programs' ops over a thousand times).
 */
const described = new WeakMap<DecodedOp, string>();

export function describeInstruction(op: DecodedOp): string {
  let text = described.get(op);
  if (text === undefined) {
    const fields = Object.entries(op.f)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    text = `pc ${op.pc}: ${op.ins.op}${fields ? " " + fields : ""}`;
    described.set(op, text);
  }
  return text;
}

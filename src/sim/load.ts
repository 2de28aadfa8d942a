/**
 * Loading a program onto a chip: decode once (the scoreboard's view of each instruction), then apply
 * its data segments to host and weight memory; host memory grows to what the program touches.
 */
import { RuntimeFault } from "../errors.js";
import type { TpuDatapath } from "../hw/tpu.js";
import type { Program } from "../isa/program.js";
import { decodeOp, type DecodedOp } from "./decode.js";
import { describeInstruction } from "./describe.js";

/** Host memory grows to what a program touches, up to 2 GiB of float64. */
export const MAX_HOST_ELEMENTS = 2 ** 28;

export interface PreparedProgram {
  readonly ops: DecodedOp[];
  readonly data: Program["data"];
  readonly hostNeeded: number;
}

export function prepareProgram(program: Program): PreparedProgram {
  const ops = program.instructions.map((ins, pc) => decodeOp(ins, pc));
  let hostNeeded = 0;
  for (const op of ops) for (const a of op.accesses) if (a.mem === 3) hostNeeded = Math.max(hostNeeded, a.hi);
  for (const seg of program.data) if (seg.memory === "host") hostNeeded = Math.max(hostNeeded, seg.address + seg.values.length);
  return { ops, data: program.data, hostNeeded };
}

/** Data segments into memory at cycle `now`; faults name the cycle. */
export function applyProgram(dp: TpuDatapath, p: PreparedProgram, now: number): void {
  for (const seg of p.data) {
    const end = seg.address + seg.values.length;
    if (seg.memory === "weights" && end > dp.wm.length) {
      throw new RuntimeFault(`weight memory data segment ends at ${end}, beyond ${dp.wm.length}`, now, "loader", "");
    }
  }
  try {
    if (p.hostNeeded > MAX_HOST_ELEMENTS) throw new RangeError("host memory limit");
    dp.ensureHost(p.hostNeeded);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const op = p.ops.find((o) => o.accesses.some((a) => a.mem === 3 && a.hi === p.hostNeeded));
    throw new RuntimeFault(
      `the program touches host memory up to element ${p.hostNeeded}, beyond the ${MAX_HOST_ELEMENTS}-element (2 GiB) host memory`,
      now, "loader", op ? describeInstruction(op) : "",
    );
  }
  for (const seg of p.data) (seg.memory === "host" ? dp.host : dp.wm).set(seg.values, seg.address);
  if (p.ops.length === 0) throw new RuntimeFault("the program has no instructions (it needs at least HALT)", now, "loader", "");
}

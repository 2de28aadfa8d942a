/**
 * Transformations: lowered ops -> one flat, scheduled instruction list (`program`).
 *   Input:  ops in program order, each with its instructions; every RDW/RDWU sits right before the
 *           MMUL that switches to it.
 *   Output: the instructions concatenated, with every weight-tile load hoisted as early as allowed so
 *           the weight loader and FIFO work ahead of the matrix unit (prefetch). A load moves up
 *           past other instructions but never
 *             - above another load (the FIFO hands tiles to `MMUL switch` in load order),
 *             - above an instruction writing memory it reads (RDWU of data an ACT/VEC/VTR/RHM
 *               produces, RDW of weights a VSGD updates),
 *             - above the `MMUL switch` consuming the tile loaded weightFifoTiles loads earlier: the
 *               loader issues only into a free FIFO slot and issue is in order, so a load placed
 *               earlier could wait for a slot that only a later MMUL frees (deadlock).
 * Before that, the VSGDs are merged into the other instructions by an estimate of when each could
 * issue (schedule-updates.ts): a VSGD issued before the vector unit is free holds in-order issue,
 * so the gradient passes behind it would wait, and one placed too late leaves the vector unit idle.
 * MMUL order itself is fixed by tile.ts (which avoids back-to-back accumulation into the same rows).
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Instruction } from "../isa/opcodes.js";
import { footprint, overlaps } from "./footprint.js";
import type { CompilerIr } from "./ir.js";
import { placeUpdates } from "./schedule-updates.js";

const isLoad = (ins: Instruction) => ins.op === "RDW" || ins.op === "RDWU";

export function schedule(ir: CompilerIr, hw: HwConfig): CompilerIr {
  const flat: Instruction[] = [];
  for (const op of ir.ops) {
    if (!op.code) throw new Error(`internal: ${op.note} was not lowered`);
    // Not push(...op.code): one op can hold more instructions than a call has room for arguments.
    for (const ins of op.code) flat.push(ins);
  }
  return { ...ir, program: hoistLoads(placeUpdates(flat, hw), hw.weightFifoTiles) };
}

/** The prefetch rule above, on a flat list; exported for its test. */
export function hoistLoads(flat: readonly Instruction[], fifoTiles: number): Instruction[] {
  const others: Instruction[] = [];
  /** Index in `others` after which each load goes (-1: at the very start). */
  const anchors: number[] = [];
  const loads: Instruction[] = [];
  /** Index in `others` of the MMUL switching to tile j. */
  const switchAt: number[] = [];
  for (const ins of flat) {
    if (!isLoad(ins)) {
      if (ins.op === "MMUL" && ins.f.switch) switchAt.push(others.length);
      others.push(ins);
      continue;
    }
    const i = loads.length;
    let anchor = i > 0 ? anchors[i - 1] : -1;
    if (i >= fifoTiles) {
      const freedBy = switchAt[i - fifoTiles];
      if (freedBy === undefined) throw new Error(`internal: load ${i} precedes the switch to tile ${i - fifoTiles}`);
      anchor = Math.max(anchor, freedBy);
    }
    const reads = footprint(ins).filter((a) => !a.write);
    for (let j = others.length - 1; j > anchor; j--) {
      const writes = footprint(others[j]).filter((a) => a.write);
      if (writes.some((w) => reads.some((r) => r.space === w.space && overlaps(r, w)))) {
        anchor = j;
        break;
      }
    }
    anchors.push(anchor);
    loads.push(ins);
  }
  const out: Instruction[] = [];
  let next = 0;
  const emitLoads = (anchor: number) => {
    while (next < loads.length && anchors[next] === anchor) out.push(loads[next++]);
  };
  emitLoads(-1);
  others.forEach((ins, j) => {
    out.push(ins);
    emitLoads(j);
  });
  if (next !== loads.length) throw new Error("internal: schedule lost a load");
  return out;
}

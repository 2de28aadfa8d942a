/**
 * Non-finite values written in bf16 mode stop the run (docs/ARCHITECTURE.md "Faults"): in the cycle
 * the bad value is written, naming the first in the unit order matrix (accumulators), activation,
 * vector, weight loader, DMA, and within a unit the lowest element written that cycle. Detailed mode
 * reads the faults the units latched; fast mode fires the faults it held since issue.
 */
import { RuntimeFault } from "../errors.js";
import { U_ACTIVATION, U_DMA, U_VECTOR, U_WEIGHTS } from "../hw/activity.js";
import type { Simulator } from "./controller.js";
import { OP_MMUL, UNIT_NAMES } from "./decode.js";
import { describeInstruction } from "./describe.js";

const FAULT_ORDER = [U_ACTIVATION, U_VECTOR, U_WEIGHTS, U_DMA] as const;

/** A bad value written in cycle `cycle`: that cycle's work is done (and counted) before the run stops. */
export class ValueFault extends RuntimeFault {}

function raise(m: Simulator, detail: string, t: number, unit: number): never {
  const holder = m.unitOp[unit];
  throw new ValueFault(detail, t, UNIT_NAMES[unit], holder ? describeInstruction(holder.op) : "");
}

function accumulatorFault(row: number, col: number): string {
  return `non-finite value written to accumulator row ${row}, column ${col}`;
}

export function checkFaults(m: Simulator, t: number): void {
  if (m.detailed) {
    const dp = m.dp;
    if (dp.acc.faultRow >= 0) {
      const pass = m.inflight.find((x) => x.op.code === OP_MMUL && x.op.pc === dp.acc.faultPass);
      throw new ValueFault(accumulatorFault(dp.acc.faultRow, dp.acc.faultCol), t, "matrix", pass ? describeInstruction(pass.op) : "");
    }
    if (dp.activation.faultIndex >= 0) raise(m, `non-finite value written to unified buffer address ${dp.activation.faultIndex}`, t, U_ACTIVATION);
    if (dp.vector.faultIndex >= 0) {
      const where = dp.vector.faultInWeights ? "non-finite weight written to weight memory address " : "non-finite value written to unified buffer address ";
      raise(m, where + dp.vector.faultIndex, t, U_VECTOR);
    }
    if (dp.loader.faultAddress >= 0) raise(m, `non-finite weight at weight memory address ${dp.loader.faultAddress}`, t, U_WEIGHTS);
    if (dp.dma.faultIndex >= 0) raise(m, `non-finite value written to unified buffer address ${dp.dma.faultIndex}`, t, U_DMA);
    return;
  }
  if (m.fast.heldFaults === 0 && m.heldPassFaults === 0) return;
  let pass = null;
  for (const e of m.inflight) {
    if (e.faultCycle === t && (pass === null || e.faultCol < pass.faultCol)) pass = e;
  }
  if (pass !== null) throw new ValueFault(accumulatorFault(pass.faultRow, pass.faultCol), t, "matrix", describeInstruction(pass.op));
  for (const u of FAULT_ORDER) if (m.fast.faultDue[u]) raise(m, m.fast.faultText[u], t, u);
}

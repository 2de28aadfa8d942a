/**
 * The naive controller's issue rule (docs/ARCHITECTURE.md "Controller", "Weight loader", "MatrixMultiply",
 * "Stall attribution"): why the head instruction cannot issue this cycle, and what the matrix unit's
 * idle cycle is charged to; or the operand fault it raises at issue.
 */
import type { NaiveChip } from "../naive-chip.js";
import { DMA, MATRIX, WEIGHTS, conflicts, operandFault, type NaiveOp } from "./ops.js";
import type { Stall } from "./record.js";

export interface Wait {
  cause?: Exclude<Stall, "none">;
  fault?: string;
}

/** Charged when the head waits on the scoreboard for an instruction of `unit`. */
function producerCause(unit: number): Exclude<Stall, "none"> {
  if (unit === DMA) return "host_transfer";
  if (unit === WEIGHTS) return "weight_load";
  return "data_dependency";
}

/** null when the head issues this cycle. */
export function whyHeadWaits(chip: NaiveChip, op: NaiveOp, t: number): Wait | null {
  const { hw } = chip;
  const f = op.f;
  if (op.op === "NOP") return null;
  if (op.op === "SYNC" || op.op === "HALT") return chip.empty() ? null : { cause: "drain" };

  // 1. Its unit is free.
  if (chip.unitBusy(op.unit)) {
    if (op.unit === DMA) return { cause: "host_transfer" };
    if (op.unit === WEIGHTS) return { cause: "weight_load" };
    if (op.unit === MATRIX) return { cause: "data_dependency" }; // never charged: the matrix unit streams
    return { cause: "non_matrix" };
  }

  // 2. A FIFO slot for a load; a tile for a pass.
  if (op.unit === WEIGHTS && chip.fifo.length >= hw.weightFifoTiles) return { cause: "weight_load" };
  if (op.op === "MMUL") {
    if (f.switch && chip.readyBank() < 0) {
      if (chip.array.shift) return { cause: "weight_shift" };
      const next = chip.fifo[0];
      if (next?.state === "ready") return { cause: "weight_shift" };
      if (!next && chip.inflight.length === 0) return { fault: "weight FIFO underflow: switch with no tile loaded or loading" };
      return { cause: "weight_load" };
    }
    if (!f.switch && chip.activeBank < 0) return { fault: "no active weight tile (MMUL without switch)" };
  }

  // 3. The accumulator rule (the matrix pipeline's own interlock, charged before the scoreboard): an
  //    accumulating pass reads row acc'+b' after the earlier pass wrote it.
  if (op.op === "MMUL" && f.accumulate) {
    for (const e of chip.inflight) {
      if (e.op.op !== "MMUL") continue;
      const g = e.op.f;
      const overlap = f.acc < g.acc + g.rows && g.acc < f.acc + f.rows;
      if (overlap && t < e.t0 + hw.rows + 1 + (f.acc - g.acc) - chip.slack.accRule) return { cause: "data_dependency" };
    }
  }

  // 4. The scoreboard; between two passes the accumulator rule replaces it on the accumulators.
  for (const e of chip.inflight) {
    const bothPasses = e.op.op === "MMUL" && op.op === "MMUL";
    if (conflicts(e.op, op, bothPasses)) return { cause: producerCause(e.op.unit) };
  }

  // 5. Operand faults are raised at issue.
  const bad = operandFault(op, hw, chip.sizes);
  return bad === null ? null : { fault: bad };
}

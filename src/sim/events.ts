/**
 * Fast mode's event horizon on the controller's side: the earliest cycle after t at which the
 * controller's state can change or a cycle must be stepped on its own (a pass completes or writes a
 * held bad value, the matrix unit frees, an accumulating pass starts or stops reading psum inputs, a
 * bank becomes ready or free, the shifter frees or ends a shift, the accumulator rule clears). The
 * units' own phase ends come from FastUnits.steadyCycles.
 */
import { SLOT_READY } from "../hw/weight-fifo.js";
import { type DecodedOp, OP_MMUL } from "./decode.js";
import type { Simulator } from "./controller.js";
import { accumulateReadyAt } from "./hazards.js";

function later(next: number, x: number, t: number): number {
  return x > t && x < next ? x : next;
}

/** +Infinity when nothing can ever change again on the controller's side. */
export function nextEventCycle(m: Simulator, t: number, head: DecodedOp | null): number {
  const C = m.hw.cols;
  let next = Number.POSITIVE_INFINITY;
  for (const e of m.inflight) {
    if (e.op.code !== OP_MMUL) continue;
    next = later(next, e.tc, t);
    next = later(next, e.faultCycle, t);
    if (e.op.f.accumulate) {
      next = later(next, e.t0 + 1, t);
      next = later(next, e.t0 + e.vectors + C, t);
    }
  }
  next = later(next, m.mmFreeAt, t);
  next = later(next, m.shiftEnd, t);
  for (let b = 0; b < 2; b++) if (m.bankState[b] === 1) next = later(next, m.bankReadyAt[b], t);
  if (m.dp.fifo.headState === SLOT_READY) {
    next = later(next, m.shiftEnd + 1, t);
    for (let b = 0; b < 2; b++) if (m.bankState[b] === 0) next = later(next, m.bankFreeCycle(m.bankLastUse[b]), t);
  }
  if (head && head.code === OP_MMUL && head.f.accumulate) {
    for (const e of m.inflight) {
      if (e.op.code === OP_MMUL) next = later(next, accumulateReadyAt(m.hw, e.t0, e.op.f.acc, head.f.acc), t);
    }
  }
  return next;
}

export function deadlockReason(head: DecodedOp | null): string {
  if (head && head.code === OP_MMUL && head.f.switch) {
    return "weight FIFO underflow: MMUL with `switch` but no weight tile is loaded or loading";
  }
  if (!head) return "the program ended without HALT: nothing left to issue";
  return "deadlock: the head instruction can never issue";
}

/**
 * Fast mode's event horizon: the earliest cycle after t at which the controller's state can change
 * (a completion, the matrix unit freeing, a bank becoming ready or free for a shift, the accumulator
 * rule clearing). Between events nothing can issue, so those cycles are charged in bulk.
 */
import { type DecodedOp, OP_MMUL } from "./decode.js";
import type { Simulator } from "./controller.js";
import * as T from "./timing.js";

/** +Infinity when nothing can ever change again (a deadlock). */
export function nextEventCycle(m: Simulator, t: number, head: DecodedOp | null): number {
  let next = Number.POSITIVE_INFINITY;
  for (const e of m.inflight) if (e.tc > t && e.tc < next) next = e.tc;
  if (m.mmFreeAt > t && m.mmFreeAt < next) next = m.mmFreeAt;
  for (let b = 0; b < 2; b++) {
    const ready = m.bankReadyAt[b];
    if (m.bankState[b] === 1 && ready > t && ready < next) next = ready;
  }
  if (m.dp.fifo.occupancy > 0) {
    const shifterFree = m.shifterBusyUntil + 1;
    if (shifterFree > t && shifterFree < next) next = shifterFree;
    for (let b = 0; b < 2; b++) {
      const free = T.bankFreeAt(m.hw, m.bankLastUse[b]);
      if (m.bankState[b] === 0 && free > t && free < next) next = free;
    }
  }
  if (head && head.code === OP_MMUL && head.f.accumulate) {
    for (const e of m.inflight) {
      if (e.op.code !== OP_MMUL) continue;
      const ready = T.accumulateReadyAt(m.hw, e.t0, e.op.f.acc, head.f.acc);
      if (ready > t && ready < next) next = ready;
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

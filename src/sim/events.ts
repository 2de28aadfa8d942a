/**
 * Fast mode's event loop between stepped cycles (docs/ARCHITECTURE.md "Fast mode"). On the
 * controller's side, the earliest cycle after t at which its state can change or a cycle must be
 * stepped on its own (a pass completes or writes a held bad value, the matrix unit frees, an
 * accumulating pass starts or stops reading psum inputs, a bank becomes ready or free, the shifter
 * frees or ends a shift, the accumulator rule clears); up to there, skip() advances the predicted
 * units interval by interval and stops before a unit's completion or held fault.
 */
import { RuntimeFault } from "../errors.js";
import { SLOT_READY } from "../hw/weight-fifo.js";
import { type DecodedOp, OP_MMUL, UNIT_NAMES } from "./decode.js";
import type { Simulator } from "./controller.js";
import { describeInstruction } from "./describe.js";
import { fastActivityAt } from "./fast-step.js";
import { STALL, accumulateReadyAt, blockReason, classifyCycle } from "./hazards.js";

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

/** Would cycle t (from the current state) start a shift or issue the head? */
function actsAt(m: Simulator, t: number, head: DecodedOp | null): boolean {
  if (m.dp.fifo.headState === SLOT_READY && t > m.shiftEnd && m.shiftTargetBank(t) >= 0) return true;
  return head !== null && blockReason(m, head, t) === STALL.none;
}

/**
 * The next cycle after t to step (fast mode: the units' own completions are found by skip();
 * detailed mode calls it only to detect a deadlock); faults on a deadlock.
 */
export function nextEvent(m: Simulator, t: number, changed: boolean, limit: number): number {
  const head = m.pc < m.ops.length ? m.ops[m.pc] : null;
  // After a change the next cycle is stepped only if something happens in it: the head issues or
  // the shifter starts.
  if (changed && (m.detailed || actsAt(m, t + 1, head))) return t + 1;
  const next = nextEventCycle(m, t, head);
  if (next === Number.POSITIVE_INFINITY && (m.detailed || fastActivityAt(m, t + 1, 0, true) === Number.POSITIVE_INFINITY)) {
    // The machine is stuck from the first cycle after the last change.
    const op = head ?? m.ops[m.ops.length - 1];
    throw new RuntimeFault(deadlockReason(head), changed ? t + 1 : t, UNIT_NAMES[op.unit], describeInstruction(op));
  }
  return Math.min(next, Math.max(limit, t + 1));
}

/**
 * Cycles from `from` up to `to` (exclusive) in which the controller's state stays the same: charged
 * to the cause seen at `from`, the units advanced in bulk, one interval of identical grants at a
 * time. Stops early before a cycle in which a unit completes or writes a held bad value (that cycle
 * is stepped); returns the cycle to step next.
 */
export function skip(m: Simulator, from: number, to: number): number {
  let t = from;
  while (t < to) {
    const steady = fastActivityAt(m, t, 0, true);
    const n = Math.min(to - t, m.fast.eventCycles <= steady ? steady - 1 : steady);
    if (n <= 0) break;
    fastActivityAt(m, t, n, false);
    t += n;
  }
  if (t > from) {
    const head = m.pc < m.ops.length ? m.ops[m.pc] : null;
    const reason = head ? blockReason(m, head, from) : STALL.drain;
    m.charge(classifyCycle(m, from, head, reason), t - from);
  }
  return t;
}

export function deadlockReason(head: DecodedOp | null): string {
  if (head && head.code === OP_MMUL && head.f.switch) {
    return "weight FIFO underflow: MMUL with `switch` but no weight tile is loaded or loading";
  }
  if (!head) return "the program ended without HALT: nothing left to issue";
  return "deadlock: the head instruction can never issue";
}

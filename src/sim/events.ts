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
import { checkFaults } from "./faults.js";
import { fastActivityAt } from "./fast-step.js";
import type { TraceSink } from "./trace.js";
import { STALL, accumulateReadyAt, blockReason, classifyCycle } from "./hazards.js";

function later(next: number, x: number, t: number): number {
  return x > t && x < next ? x : next;
}

/**
 * +Infinity when nothing can ever change again on the controller's side. A pass's completion and
 * held fault, and the start and end of its psum reads, are not included: skip() handles them.
 */
export function nextEventCycle(m: Simulator, t: number, head: DecodedOp | null): number {
  let next = Number.POSITIVE_INFINITY;
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
  if (next === Number.POSITIVE_INFINITY && nextPassEvent(m, t + 1) === Number.POSITIVE_INFINITY && (m.detailed || fastActivityAt(m, t + 1, 0, true) === Number.POSITIVE_INFINITY)) {
    // The machine is stuck from the first cycle after the last change. Detailed mode steps that
    // cycle (its stall charge, its trace row) before it sees the machine stuck, so fast mode steps it
    // too and faults there; if the run's slice ends before it, the run returns and the host may
    // still append instructions.
    if (changed) return t + 1;
    const op = head ?? m.ops[m.ops.length - 1];
    throw new RuntimeFault(deadlockReason(head), t, UNIT_NAMES[op.unit], describeInstruction(op));
  }
  return Math.min(next, Math.max(limit, t + 1));
}

/**
 * Fast mode between stepped cycles: advances the predicted units from `from` in bulk, one interval of
 * identical grants at a time, up to `to` (exclusive), charging the cycles to the cause seen at the
 * start of each stretch of unchanged controller state. A unit that completes inside is handled here
 * (its completion, at the end of its last cycle, is all that changes; a held bad value faults), and
 * the horizon is recomputed. Returns the next cycle to step: `to`, or the cycle after a completion
 * in which the head can issue or the shifter start.
 */
export function skip(m: Simulator, from: number, to: number, limit: number, sink: TraceSink): number {
  let t = from;
  let stretch = from;
  while (t < to) {
    const steady = fastActivityAt(m, t, 0, true);
    const pass = nextPassEvent(m, t);
    // The matrix unit's psum reads change its accumulator-port request; that matters only when
    // another unit wants those ports.
    const psum = m.fast.wantsAccumulatorPorts() ? nextPsumChange(m, t) : Number.POSITIVE_INFINITY;
    const n = Math.min(to - t, steady, pass - t + 1, psum - t);
    fastActivityAt(m, t, n, false);
    t += n;
    if (t - 1 !== pass && (n !== steady || m.fast.eventCycles !== steady)) continue;
    // A unit or a pass completed, or wrote a held bad value, in cycle t - 1.
    chargeStretch(m, stretch, t);
    checkFaults(m, t - 1);
    const changed = m.completeAt(t - 1, sink);
    m.dp.fifo.commit();
    const next = nextEvent(m, t - 1, changed, limit);
    if (next === t) return t;
    to = next;
    stretch = t;
  }
  chargeStretch(m, stretch, t);
  return t;
}

/** The first cycle > t at which an accumulating pass starts (t0 + 1) or stops (t0 + B + C) reading psum inputs. */
export function nextPsumChange(m: Simulator, t: number): number {
  const C = m.hw.cols;
  let next = Number.POSITIVE_INFINITY;
  for (let i = 0; i < m.inflight.length; i++) {
    const e = m.inflight[i];
    if (e.op.code !== OP_MMUL || !e.op.f.accumulate) continue;
    next = later(next, e.t0 + 1, t);
    next = later(next, e.t0 + e.vectors + C, t);
  }
  return next;
}

/** The first cycle >= t in which a pass in flight completes or writes a held bad value. */
export function nextPassEvent(m: Simulator, t: number): number {
  let next = Number.POSITIVE_INFINITY;
  for (let i = 0; i < m.inflight.length; i++) {
    const e = m.inflight[i];
    if (e.op.code !== OP_MMUL) continue;
    if (e.tc >= t && e.tc < next) next = e.tc;
    if (e.faultCycle >= t && e.faultCycle < next) next = e.faultCycle;
  }
  return next;
}

/** Charge cycles [from, to) to the cause of `from` (the controller's state is the same throughout). */
export function chargeStretch(m: Simulator, from: number, to: number): void {
  if (to <= from) return;
  const head = m.pc < m.ops.length ? m.ops[m.pc] : null;
  const reason = head ? blockReason(m, head, from) : STALL.drain;
  m.charge(classifyCycle(m, from, head, reason), to - from);
}

export function deadlockReason(head: DecodedOp | null): string {
  if (head && head.code === OP_MMUL && head.f.switch) {
    return "weight FIFO underflow: MMUL with `switch` but no weight tile is loaded or loading";
  }
  if (!head) return "the program ended without HALT: nothing left to issue";
  return "deadlock: the head instruction can never issue";
}

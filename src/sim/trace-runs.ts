/**
 * Fast mode inside a trace window: the same jumps from event to event as the untraced path
 * (events.ts skip()), handing the sink one row per stretch of cycles whose rows differ only in
 * their cycle number (TraceSink.cycle). Within an interval of identical grants the units move the
 * same amounts every cycle; the matrix unit's per-cycle counts change only while a pass's wavefront
 * fills or drains, so the stretch is also cut where they may change (every cycle of a ramp is a
 * row of its own). A ramp does not restart the loop: while the units and the rest of the row hold,
 * only the matrix unit's counts are recomputed per run (handOver). The rows are the ones stepping
 * every cycle would produce.
 */
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_HOST_READ, CNT_HOST_WRITTEN, CNT_UB_READ, CNT_UB_WRITTEN, CNT_WM_READ, CNT_WM_WRITTEN,
  COUNTER_COUNT, UNIT_COUNT,
} from "../hw/activity.js";
import { OP_MMUL } from "./decode.js";
import type { Simulator } from "./controller.js";
import { checkFaults } from "./faults.js";
import { chargeStretch, nextEvent, nextPassEvent, nextPsumChange } from "./events.js";
import { countProgress } from "./fast-counts.js";
import { fastActivityAt, matrixCountsIn } from "./fast-step.js";
import { type FastUnits, K_NONE, K_RDW, K_RDWU, K_RHM, K_WHM, K_WHMA } from "./fast-units.js";
import { STALL, blockReason, classifyCycle } from "./hazards.js";
import { fillRowCounts, fillTraceRow } from "./trace-fill.js";
import type { TraceSink } from "./trace.js";

/**
 * Like skip(): advances from `from` up to `to` (exclusive), handling completions, and returns the
 * next cycle to step. Each stretch goes to `sink` as one run. With `stopWhenFull`, returns early
 * (at the end of a run) once the sink asks to be flushed, so a sliced run can await it.
 */
export function skipTraced(m: Simulator, from: number, to: number, limit: number, sink: TraceSink, stopWhenFull: boolean): number {
  const row = m.row;
  const fifo = m.dp.fifo;
  let t = from;
  let stretch = from;
  while (t < to) {
    const steady = fastActivityAt(m, t, 0, true);
    const pass = nextPassEvent(m, t);
    const psum = m.fast.wantsAccumulatorPorts() ? nextPsumChange(m, t) : Number.POSITIVE_INFINITY;
    const whole = Math.min(to - t, steady, pass - t + 1, psum - t);
    positionsBefore.set(m.fast.pos);
    fillRunRow(m, t);
    // For n cycles the units move the same counts and the matrix unit's busy and stall columns
    // hold; its counts may still change (a wavefront's ramps), so the rows go out in sub-runs.
    const n = unitsSteadyFor(m.fast, positionsBefore, Math.min(whole, matrixStateSteadyUntil(m, t) - t));
    if (n > 1) fastActivityAt(m, t + 1, n - 1, false);
    const end = t + n;
    // A unit or a pass completed, or wrote a held bad value, in cycle end - 1: that cycle's row has
    // the FIFO occupancy after its completions, as when it is stepped.
    const completes = end - 1 === pass || (n === steady && m.fast.eventCycles === steady);
    row.fifoTiles = fifo.occupancy;
    handOver(m, sink, t, completes ? end - 1 : end, end);
    t = end;
    if (!completes) {
      if (stopWhenFull && sink.needsFlush && t < to) break;
      continue;
    }
    chargeStretch(m, stretch, t);
    checkFaults(m, t - 1);
    const changed = m.completeAt(t - 1, sink);
    fifo.commit();
    row.cycle = t - 1;
    row.fifoTiles = fifo.occupancy;
    sink.cycle(row, 1);
    const next = nextEvent(m, t - 1, changed, limit);
    stretch = t;
    if (next === t || (stopWhenFull && sink.needsFlush)) return t;
    to = next;
  }
  chargeStretch(m, stretch, t);
  return t;
}

/**
 * Hands the rows of cycles [t, stop) to the sink, one run per stretch of equal matrix-unit counts;
 * m.row holds cycle t's row, and is left holding the row of cycle `stop` when stop < end. Only the
 * counts change in between: the units' are those of cycle t, the matrix unit's come from timing.ts.
 */
function handOver(m: Simulator, sink: TraceSink, t: number, stop: number, end: number): void {
  const row = m.row;
  for (let c = t; c < stop; ) {
    const next = Math.min(stop, matrixRowSteadyUntil(m, c));
    row.cycle = c;
    sink.cycle(row, next - c);
    c = next;
    if (c < end) {
      rampCounts.set(unitCounts);
      matrixCountsIn(m, c, c + 1, rampCounts);
      fillRowCounts(row, rampCounts);
    }
  }
}

const positionsBefore = new Float64Array(UNIT_COUNT);
const firstCycle = new Float64Array(COUNTER_COUNT);
const laterCycle = new Float64Array(COUNTER_COUNT);
/** The units' counts in the cycle fillRunRow filled, and a cycle's counts with the matrix unit's. */
const unitCounts = new Float64Array(COUNTER_COUNT);
const rampCounts = new Float64Array(COUNTER_COUNT);
/** The counters a trace row shows that the predicted units move. */
const ROW_UNIT_COUNTERS = [
  CNT_UB_READ, CNT_UB_WRITTEN, CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_WM_READ, CNT_WM_WRITTEN, CNT_HOST_READ, CNT_HOST_WRITTEN,
];

/**
 * Of the `max` cycles from the one just advanced (units at `before` then), for how many each unit
 * moves the same counts per cycle. Grants hold over them, so a unit moves the same amount each
 * cycle, but what it counts can depend on where it is: bytes landing as whole elements, a VEC's
 * segments, an activation's read and write phases. Whole elements of a rate that is a multiple of
 * the element size, and RDWU's rows, always count the same; otherwise the closed forms are
 * compared cycle by cycle (arithmetic only, no stepping).
 */
function unitsSteadyFor(f: FastUnits, before: Float64Array, max: number): number {
  let n = max;
  for (let u = 0; u < UNIT_COUNT && n > 1; u++) {
    const kind = f.kind[u];
    const w = before[u];
    const g = f.pos[u] - w;
    if (kind === K_NONE || g === 0 || kind === K_RDWU) continue;
    if ((kind === K_RHM || kind === K_RDW || kind === K_WHM || kind === K_WHMA) && g % f.s[u] === 0) continue;
    firstCycle.fill(0);
    countProgress(f, u, kind, w, w + g, firstCycle);
    for (let k = 1; k < n; k++) {
      laterCycle.fill(0);
      countProgress(f, u, kind, w + k * g, w + (k + 1) * g, laterCycle);
      if (!sameRowCounts(firstCycle, laterCycle)) {
        n = k;
        break;
      }
    }
  }
  return n;
}

function sameRowCounts(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < ROW_UNIT_COUNTERS.length; i++) if (a[ROW_UNIT_COUNTERS[i]] !== b[ROW_UNIT_COUNTERS[i]]) return false;
  return true;
}

/** Cycle t's row (all but fifoTiles) into m.row, as stepCycle fills it; advances the units one cycle. */
function fillRunRow(m: Simulator, t: number): void {
  const act = m.fastActivity;
  fastActivityAt(m, t, 1, false, true);
  m.totals.add(act, 1);
  unitCounts.set(act.counts);
  matrixCountsIn(m, t, t + 1, act.counts);
  const head = m.pc < m.ops.length ? m.ops[m.pc] : null;
  const reason = head ? blockReason(m, head, t) : STALL.drain;
  fillTraceRow(m, m.row, t, head, reason, classifyCycle(m, t, head, reason), act);
}

/** The first cycle after t at which the matrix unit's busy flag or the stall column may differ from cycle t's. */
function matrixStateSteadyUntil(m: Simulator, t: number): number {
  // The stall column is `none` until the matrix unit frees.
  const next = t < m.mmFreeAt ? m.mmFreeAt : Number.POSITIVE_INFINITY;
  const s = m.stream;
  return s === null ? next : flatUntil(t, m.streamT0, m.streamT0, m.streamT0 + s.vectors - 1, m.streamT0 + s.vectors, next);
}

/**
 * The first cycle after t at which the matrix unit's columns of a trace row (its busy flag, vectors
 * read, psum reads, result writes, MACs) may differ from cycle t's. Each is, per pass, zero, then
 * a ramp, a plateau, a ramp down and zero again (timing.ts); on a ramp every cycle is its own.
 */
function matrixRowSteadyUntil(m: Simulator, t: number): number {
  const R = m.hw.rows;
  const C = m.hw.cols;
  // The stall column is `none` until the matrix unit frees.
  let next = t < m.mmFreeAt ? m.mmFreeAt : Number.POSITIVE_INFINITY;
  const s = m.stream;
  if (s !== null) next = flatUntil(t, m.streamT0, m.streamT0, m.streamT0 + s.vectors - 1, m.streamT0 + s.vectors, next);
  for (let i = 0; i < m.inflight.length; i++) {
    const e = m.inflight[i];
    if (e.op.code !== OP_MMUL) continue;
    const B = e.vectors;
    const t0 = e.t0;
    // Vector b is read at t0 + b.
    next = flatUntil(t, t0, t0, t0 + B - 1, t0 + B, next);
    // Column slice (b, c) reads its psum at t0 + 1 + b + c and writes its result R cycles later:
    // b + c = k has min(B, C) pairs for k in [min - 1, max - 1], fewer outside.
    const lo = Math.min(B, C);
    const hi = Math.max(B, C);
    if (e.op.f.accumulate) next = flatUntil(t, t0 + 1, t0 + lo, t0 + hi, t0 + B + C, next);
    next = flatUntil(t, t0 + R + 1, t0 + R + lo, t0 + R + hi, t0 + R + B + C, next);
    // PE(r, c) works on vector b at t0 + 1 + b + r + c: with the sizes x <= y <= z of (B, rows, cols),
    // b + r + c = k has x * y triples for k in [x + y - 2, z - 1].
    if (e.tileRows === 0 || e.tileCols === 0) continue;
    const x = Math.min(B, e.tileRows, e.tileCols);
    const z = Math.max(B, e.tileRows, e.tileCols);
    const y = B + e.tileRows + e.tileCols - x - z;
    next = flatUntil(t, t0 + 1, t0 + x + y - 1, t0 + z, t0 + x + y + z - 1, next);
  }
  return next;
}

/**
 * For a per-cycle count that is 0 before `start`, changes every cycle up to `flatFrom`, holds on
 * [flatFrom, flatTo], changes every cycle after it and is 0 from `end` on: the smaller of `next`
 * and the first cycle after t at which it may differ from its value at t.
 */
function flatUntil(t: number, start: number, flatFrom: number, flatTo: number, end: number, next: number): number {
  let change: number;
  if (t < start) change = start;
  else if (t >= end) return next;
  else if (t >= flatFrom && t <= flatTo) change = flatTo + 1;
  else change = t + 1;
  return change < next ? change : next;
}

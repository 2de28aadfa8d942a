/**
 * Fast mode's interval step (docs/ARCHITECTURE.md "Fast mode"): the matrix unit's requests at cycle
 * t (it reads a vector while a pass streams, and holds one accumulator read port while an
 * accumulating pass reads psum inputs), one arbitration for the interval, then the predicted units
 * (FastUnits) advanced `n` cycles with the counters of the whole interval.
 *
 * The matrix unit and the shifter never wait, so their counters are known at issue: fast mode adds a
 * whole pass or shift when it starts (`passTotals`, `shiftTotals`) and, whenever the totals are read
 * (a run returns), takes back the part still in the future (`futureCounts`); a traced cycle gets its
 * own share (`matrixCountsIn`). All from the closed forms in timing.ts.
 */
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_FIFO_READ, CNT_MACS, CNT_TILES_SHIFTED, CNT_UB_READ, CNT_WEIGHT_REGISTER_WRITES, U_MATRIX,
} from "../hw/activity.js";
import type { HwConfig } from "../config/hw-config.js";
import type { InFlight, Simulator } from "./controller.js";
import { OP_MMUL } from "./decode.js";
import { macsIn, psumReadsIn, resultWritesIn, shiftRowsMoved, vectorsReadIn } from "./timing.js";

/**
 * With `arbitrate`, first computes the grants for cycle t. With n = 0, returns how many cycles from
 * t the grants hold (Infinity: no unit can move). Otherwise advances n cycles from t and returns n:
 * into m.fastActivity (the units' counters, busy and refused flags, the matrix unit's busy flag) for
 * a traced cycle, else straight into the run's totals.
 */
export function fastActivityAt(m: Simulator, t: number, n: number, arbitrate: boolean, traced = false): number {
  const C = m.hw.cols;
  const stream = m.stream;
  const streaming = stream !== null && t >= m.streamT0 && t < m.streamT0 + stream.vectors ? 1 : 0;
  if (arbitrate) {
    // The matrix unit's psum reads take an accumulator port; only ACT and VSGD compete for them.
    let psum = 0;
    if (m.fast.wantsAccumulatorPorts()) {
      for (let i = 0; i < m.inflight.length; i++) {
        const e = m.inflight[i];
        if (e.op.code === OP_MMUL && e.op.f.accumulate && t > e.t0 && t < e.t0 + e.vectors + C) psum = 1;
      }
    }
    m.fast.arbitrate(streaming, psum);
    m.fastGrantsCycle = t;
  }
  if (n === 0) return m.fast.steadyCycles();
  if (!traced) {
    m.fast.advance(n, null, m.totals);
    m.totals.busy[U_MATRIX] += streaming * n;
    return n;
  }
  const act = m.fastActivity;
  act.clear();
  m.fast.advance(n, act, m.totals);
  act.busy[U_MATRIX] = streaming;
  return n;
}

/** The counters of the passes in flight and of the current shift in cycles [from, to), added to `c`. */
export function matrixCountsIn(m: Simulator, from: number, to: number, c: Float64Array): void {
  const { hw } = m;
  for (let i = 0; i < m.inflight.length; i++) {
    const e = m.inflight[i];
    if (e.op.code === OP_MMUL) passCountsIn(hw, e, from, to, c);
  }
  const lo = Math.max(0, from - m.shiftStart);
  const hi = Math.min(hw.rows, to - m.shiftStart);
  if (hi > lo) {
    c[CNT_FIFO_READ] += (hi - lo) * hw.cols * hw.elementBytes;
    c[CNT_WEIGHT_REGISTER_WRITES] += hw.cols * shiftRowsMoved(lo, hi);
    if (lo === 0) c[CNT_TILES_SHIFTED] += 1;
  }
}

function passCountsIn(hw: HwConfig, e: InFlight, from: number, to: number, c: Float64Array): void {
  const { rows: R, cols: C } = hw;
  const B = e.vectors;
  c[CNT_UB_READ] += vectorsReadIn(from, to, e.t0, B) * e.op.f.cols * hw.elementBytes;
  if (e.op.f.accumulate) c[CNT_ACC_READ] += 4 * psumReadsIn(from, to, e.t0, B, C);
  c[CNT_ACC_WRITTEN] += 4 * resultWritesIn(from, to, e.t0, B, R, C);
  c[CNT_MACS] += macsIn(from, to, e.t0, B, e.tileRows, e.tileCols);
}

/** A whole pass's counters (added when it issues). */
export function passTotals(hw: HwConfig, e: InFlight, c: Float64Array): void {
  const B = e.vectors;
  c[CNT_UB_READ] += B * e.op.f.cols * hw.elementBytes;
  if (e.op.f.accumulate) c[CNT_ACC_READ] += 4 * B * hw.cols;
  c[CNT_ACC_WRITTEN] += 4 * B * hw.cols;
  c[CNT_MACS] += B * e.tileRows * e.tileCols;
}

/** A whole shift's counters (added when it starts): R steps, step k moves k + 1 rows. */
export function shiftTotals(hw: HwConfig, c: Float64Array): void {
  c[CNT_FIFO_READ] += hw.rows * hw.cols * hw.elementBytes;
  c[CNT_WEIGHT_REGISTER_WRITES] += hw.cols * shiftRowsMoved(0, hw.rows);
  c[CNT_TILES_SHIFTED] += 1;
}

/** The part of the counters added in advance that belongs to cycles from `now` on. */
export function futureCounts(m: Simulator, now: number, c: Float64Array): void {
  c.fill(0);
  matrixCountsIn(m, now, Number.MAX_SAFE_INTEGER, c);
}

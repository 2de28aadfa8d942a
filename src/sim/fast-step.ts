/**
 * Fast mode's interval step (docs/ARCHITECTURE.md "Fast mode"): the matrix unit's requests at cycle
 * t (it reads a vector while a pass streams, and holds one accumulator read port while an
 * accumulating pass reads psum inputs), one arbitration for the interval, then every unit advanced
 * `n` cycles with the counters of the whole interval: the predicted units (FastUnits), the passes in
 * flight and the weight shifter (closed forms in timing.ts).
 */
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_FIFO_READ, CNT_MACS, CNT_TILES_SHIFTED, CNT_UB_READ, CNT_WEIGHT_REGISTER_WRITES, U_MATRIX,
} from "../hw/activity.js";
import type { Simulator } from "./controller.js";
import { OP_MMUL } from "./decode.js";
import { macsIn, psumReadsIn, resultWritesIn, shiftRowsMoved, vectorsReadIn } from "./timing.js";

/**
 * With `arbitrate`, first computes the grants for cycle t. With n = 0, returns how many cycles from
 * t the grants hold (Infinity: no unit can move). Otherwise advances n cycles from t into
 * m.fastActivity and returns n.
 */
export function fastActivityAt(m: Simulator, t: number, n: number, arbitrate: boolean): number {
  const { hw } = m;
  const C = hw.cols;
  const stream = m.stream;
  const streaming = stream !== null && t >= m.streamT0 && t < m.streamT0 + stream.vectors ? 1 : 0;
  if (arbitrate) {
    let psum = 0;
    for (const e of m.inflight) {
      if (e.op.code === OP_MMUL && e.op.f.accumulate && t > e.t0 && t < e.t0 + e.vectors + C) psum = 1;
    }
    m.fast.arbitrate(streaming, psum);
  }
  if (n === 0) return m.fast.steadyCycles();
  const act = m.fastActivity;
  act.clear();
  m.fast.advance(n, act);
  const c = act.counts;
  const to = t + n;
  const R = hw.rows;
  const eb = hw.elementBytes;
  for (const e of m.inflight) {
    if (e.op.code !== OP_MMUL) continue;
    const B = e.vectors;
    c[CNT_UB_READ] += vectorsReadIn(t, to, e.t0, B) * e.op.f.cols * eb;
    if (e.op.f.accumulate) c[CNT_ACC_READ] += 4 * psumReadsIn(t, to, e.t0, B, C);
    c[CNT_ACC_WRITTEN] += 4 * resultWritesIn(t, to, e.t0, B, R, C);
    c[CNT_MACS] += macsIn(t, to, e.t0, B, e.tileRows, e.tileCols);
  }
  act.busy[U_MATRIX] = streaming;
  const lo = Math.max(0, t - m.shiftStart);
  const hi = Math.min(R, to - m.shiftStart);
  if (hi > lo) {
    c[CNT_FIFO_READ] += (hi - lo) * C * eb;
    c[CNT_WEIGHT_REGISTER_WRITES] += C * shiftRowsMoved(lo, hi);
    if (lo === 0) c[CNT_TILES_SHIFTED] += 1;
  }
  return n;
}

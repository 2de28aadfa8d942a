/**
 * docs/ARCHITECTURE.md "Timing rules" as code. The controller schedules with these formulas in both
 * modes; the detailed datapath is checked against them at run time; tests derive expected cycle
 * counts from them.
 */
import type { HwConfig } from "../config/hw-config.js";

/** Host <-> unified buffer transfer of rows*cols elements. */
export function dmaCycles(hw: HwConfig, rows: number, cols: number): number {
  return Math.max(1, Math.ceil((rows * cols * hw.elementBytes) / hw.hostBytesPerCycle));
}

/** Accumulators -> host memory (WHMA): 4 bytes per value. */
export function accumulatorDmaCycles(hw: HwConfig, rows: number, cols: number): number {
  return Math.max(1, Math.ceil((rows * cols * 4) / hw.hostBytesPerCycle));
}

/** Weight memory -> weight FIFO tile transfer. */
export function weightLoadCycles(hw: HwConfig, rows: number, cols: number): number {
  return Math.max(1, Math.ceil((rows * cols * hw.elementBytes) / hw.weightBytesPerCycle));
}

/** Unified buffer -> weight FIFO (RDWU): one buffer row per cycle. */
export function stationaryLoadCycles(rows: number, cols: number, transpose: boolean): number {
  return Math.max(1, transpose ? cols : rows);
}

/** A tile always shifts through all R rows of the array. */
export function weightShiftCycles(hw: HwConfig): number {
  return hw.rows;
}

/** Earliest shift start into a bank whose last vector entered PE(0,0) at `lastUse`. */
export function bankFreeAt(hw: HwConfig, lastUse: number): number {
  return lastUse + hw.cols;
}

/** Cycle the first result (vector 0, column 0) of a pass issued at t0 is written. */
export function firstResultCycle(hw: HwConfig, t0: number): number {
  return t0 + hw.rows + 1;
}

/** Completion of a pass of B vectors issued at t0: the last accumulator write. */
export function passCompleteCycle(hw: HwConfig, t0: number, vectors: number): number {
  return t0 + vectors + hw.rows + hw.cols - 1;
}

/** The cycle at which vector b's result for column c is written. */
export function resultWriteCycle(hw: HwConfig, t0: number, b: number, c: number): number {
  return t0 + b + hw.rows + c + 1;
}

/**
 * Accumulator rule: an accumulating pass at t0' must not read a row before an earlier pass wrote it.
 * Earliest t0' given the earlier pass (t0, first row acc) and the new pass's first row accNew.
 */
export function accumulateReadyAt(hw: HwConfig, t0: number, acc: number, accNew: number): number {
  return t0 + hw.rows + 1 + (accNew - acc);
}

export function activationCycles(hw: HwConfig, rows: number): number {
  return Math.max(1, rows) + hw.activationLatency;
}

export function vectorCycles(hw: HwConfig, rows: number, cols: number): number {
  return Math.max(1, rows) * Math.max(1, Math.ceil(cols / hw.vectorLanes)) + hw.vectorLatency;
}

/** Bytes crossing a link of `bytesPerCycle` in cycle i (0-based) of a transfer of `total` bytes. */
export function bytesInCycle(total: number, bytesPerCycle: number, i: number): number {
  const before = Math.min(total, Math.floor(i * bytesPerCycle));
  const after = Math.min(total, Math.floor((i + 1) * bytesPerCycle));
  return i === Math.max(1, Math.ceil(total / bytesPerCycle)) - 1 ? total - before : after - before;
}

/**
 * Useful MACs of one pass in the cycle `t`: PE(r,c) works on vector b at t0 + b + 1 + r + c, and
 * counts when r < tileRows and c < tileCols.
 */
export function passMacsInCycle(t: number, t0: number, vectors: number, tileRows: number, tileCols: number): number {
  const s = t - t0 - 1;
  if (s < 0) return 0;
  let total = 0;
  const bHi = Math.min(vectors - 1, s);
  const bLo = Math.max(0, s - (tileRows - 1) - (tileCols - 1));
  for (let b = bLo; b <= bHi; b++) {
    const m = s - b;
    const lo = Math.max(0, m - tileCols + 1);
    const hi = Math.min(m, tileRows - 1);
    if (hi >= lo) total += hi - lo + 1;
  }
  return total;
}

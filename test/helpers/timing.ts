/**
 * Shared by the hand-derived timing tests (test/sim/*timing*.test.ts): run a program in both modes,
 * require them to agree on everything, and read stall causes and unit states off the trace.
 */
import { expect } from "vitest";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import type { Simulator } from "../../src/sim/controller.js";
import { STALL_CAUSES, UNIT_STATE_NAMES, type StallCause } from "../../src/sim/trace.js";
import { RecordingSink, runTraced } from "./programs.js";

export function hwWith(rows: number, cols: number, over: Record<string, unknown> = {}): HwConfig {
  return buildHwConfig("small", { rows, cols, dtype: "bf16", ...over });
}

/** Run detailed and fast with a trace; both must agree on everything; returns the detailed run. */
export function runBoth(hw: HwConfig, prog: Program): { sim: Simulator; sink: RecordingSink } {
  const d = runTraced(hw, prog, "detailed");
  const f = runTraced(hw, prog, "fast");
  expect(d.sink.rows.length).toBeGreaterThan(0);
  expect(f.sink.instructions).toEqual(d.sink.instructions);
  expect(f.sink.rows).toEqual(d.sink.rows);
  expect(f.sim.stats).toEqual(d.sim.stats);
  const s = d.sim.stats;
  expect(s.matrixBusyCycles + Object.values(s.stalls).reduce((x, y) => x + y, 0)).toBe(s.cycles);
  return d;
}

export function causes(sink: RecordingSink): StallCause[] {
  return sink.rows.map((r) => STALL_CAUSES[r.stall]);
}

/** One unit's state per cycle ("idle", "busy", "stalled"); unit index in TRACE_UNITS order. */
export function states(sink: RecordingSink, unit: number): string[] {
  return sink.rows.map((r) => UNIT_STATE_NAMES[r.state[unit]]);
}

/** [value, count] runs -> one value per cycle. */
export function seq<T>(...runs: [T, number][]): T[] {
  return runs.flatMap(([c, n]) => Array<T>(Math.max(0, n)).fill(c));
}

/** Row-major small positive integers (exact in bf16), distinct enough to see every result. */
export function ints(n: number, from: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i * 7 + from) % 13) + 1);
}

/** Row b of (a: rows of k) x (w: k x cols), exact for small integers. */
export function matmulRow(a: Float32Array, b0: number, k: number, w: Float32Array, cols: number, b: number): number[] {
  return Array.from({ length: cols }, (_, c) => {
    let s = 0;
    for (let r = 0; r < k; r++) s += a[(b0 + b) * k + r] * w[r * cols + c];
    return s;
  });
}

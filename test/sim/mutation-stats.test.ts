/**
 * The derived figures and the arithmetic on run statistics (src/sim/stats.ts): `summarize`,
 * `diffStats`, `cloneStats`, `emptyStats`. The test set of `npm run mutate` (test/sim, test/hw)
 * reached only the counters' fold (`UnitTotals`); these functions were checked by CLI and job tests
 * alone (docs/MUTATION.md). Each figure is computed here by hand from its definition in
 * docs/ARCHITECTURE.md "Counters" and "Stall attribution".
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { cloneStats, diffStats, emptyStats, summarize, type RunStats } from "../../src/sim/stats.js";
import { STALL_CAUSES, TRACE_UNITS } from "../../src/sim/trace.js";

/** A RunStats with every number distinct: field i of group g holds 1000 * g + 10 * i + base. */
function filled(base: number): RunStats {
  const s = emptyStats();
  const groups = [s.stalls, s.unitBusyCycles, s.unitStalledCycles, s.resourceStalls, s.bytes, s.ops] as Record<string, number>[];
  groups.forEach((g, gi) => Object.keys(g).forEach((k, i) => (g[k] = 1000 * (gi + 1) + 10 * i + base)));
  s.cycles = 100_000 + base;
  s.instructions = 200 + base;
  s.macs = 300_000 + base;
  s.matrixBusyCycles = 400 + base;
  return s;
}

describe("run statistics", () => {
  it("emptyStats has every stall cause but none, every unit, every resource, all zero", () => {
    const s = emptyStats();
    expect(Object.keys(s.stalls)).toEqual(STALL_CAUSES.filter((c) => c !== "none"));
    expect(Object.keys(s.unitBusyCycles)).toEqual([...TRACE_UNITS]);
    expect(Object.keys(s.unitStalledCycles)).toEqual([...TRACE_UNITS]);
    expect(Object.keys(s.resourceStalls)).toEqual(["unifiedBufferRead", "unifiedBufferWrite", "accumulatorRead", "weightMemory"]);
    expect(Object.keys(s.bytes)).toEqual([
      "hostRead", "hostWritten", "weightMemoryRead", "weightMemoryWritten", "unifiedBufferRead", "unifiedBufferWritten",
      "accumulatorRead", "accumulatorWritten", "weightFifoWritten", "weightFifoRead",
    ]);
    expect(Object.keys(s.ops)).toEqual(["tilesShifted", "weightRegisterWrites", "activationElements", "vectorElements"]);
    const values = [s.cycles, s.instructions, s.macs, s.matrixBusyCycles, ...[s.stalls, s.unitBusyCycles, s.unitStalledCycles, s.resourceStalls, s.bytes, s.ops].flatMap((g) => Object.values(g))];
    expect(values.every((v) => v === 0)).toBe(true);
  });

  it("cloneStats copies every group: changing the copy leaves the original", () => {
    const a = filled(3);
    const before = JSON.stringify(a);
    const c = cloneStats(a);
    expect(c).toEqual(a);
    for (const g of [c.stalls, c.unitBusyCycles, c.unitStalledCycles, c.resourceStalls, c.bytes, c.ops] as Record<string, number>[]) {
      for (const k of Object.keys(g)) g[k] += 1;
    }
    c.cycles++;
    expect(JSON.stringify(a)).toBe(before);
  });

  it("diffStats subtracts field by field and leaves both arguments alone", () => {
    const a = filled(7);
    const b = filled(2);
    const [ja, jb] = [JSON.stringify(a), JSON.stringify(b)];
    const d = diffStats(a, b);
    // Every field of `filled` differs by base: 7 - 2.
    const all = [d.cycles, d.instructions, d.macs, d.matrixBusyCycles, ...[d.stalls, d.unitBusyCycles, d.unitStalledCycles, d.resourceStalls, d.bytes, d.ops].flatMap((g) => Object.values(g))];
    expect(all.length).toBe(4 + (STALL_CAUSES.length - 1) + 2 * TRACE_UNITS.length + 4 + 10 + 4);
    expect(all.every((v) => v === 5)).toBe(true);
    expect([JSON.stringify(a), JSON.stringify(b)]).toEqual([ja, jb]);
  });

  it("summarize: seconds, utilization and TOPS from cycles, MACs and the clock", () => {
    const hw = buildHwConfig("small", { rows: 4, cols: 8, dtype: "bf16", clockMHz: 500 });
    const s = emptyStats();
    s.cycles = 2_000;
    s.macs = 48_000;
    const r = summarize(s, hw);
    // 2,000 cycles at 500 MHz: 4 microseconds; peak 4 * 8 = 32 MACs a cycle; 48,000 of 64,000 possible.
    expect(r.peakMacsPerCycle).toBe(32);
    expect(r.clockMHz).toBe(500);
    expect(r.seconds).toBeCloseTo(4e-6, 18);
    expect(r.utilization).toBeCloseTo(0.75, 12);
    // 2 operations per MAC: 96,000 operations in 4 microseconds = 24 * 10^9 per second = 0.024 TOPS.
    expect(r.tops).toBeCloseTo(0.024, 12);
    expect(r.macs).toBe(48_000);
    // The summary's groups are copies.
    r.stalls.drain = 99;
    expect(s.stalls.drain).toBe(0);
  });

  it("summarize of a run of no cycles: utilization and TOPS are 0, not NaN", () => {
    const hw = buildHwConfig("small", { rows: 4, cols: 8, dtype: "bf16" });
    const r = summarize(emptyStats(), hw);
    expect([r.seconds, r.utilization, r.tops]).toEqual([0, 0, 0]);
  });
});

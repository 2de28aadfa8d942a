/**
 * The quoted figures (docs/ENERGY.md "Reported figures"): per unit of work, average power at the
 * clock, TOPS/W, and the CSV cells of the sweep and topology tables, from counters set by hand.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { ENERGY_CSV_COLUMNS, energyCsvCells, energyReport, summarizeHardware } from "../../src/energy/report.js";
import { emptyStats, type RunStats } from "../../src/sim/stats.js";

const PJ = 1e-12;

/** 1,000,000 int8 MACs and 700,000 cycles (1 ms at 700 MHz) on a 2x2 tpu-v1-like chip, nothing else. */
function macsOnly(): RunStats {
  const s = emptyStats();
  s.macs = 1_000_000;
  s.cycles = 700_000;
  return s;
}

const hw = buildHwConfig("tpu-v1", { rows: 2, cols: 2 });
// Static: 4 PEs * 102.5390625 uW + (24 MiB + 4096 * 2 * 4 bytes = 32 KiB) * 0.35 W/MiB + 11.48 W.
const STATIC_W = 4 * 102.5390625e-6 + (24 + 32 / 1024) * 0.35 + 11.48;
// int8 MAC 0.3 pJ + activation register (1 byte) + psum register (4 bytes) at 0.009 pJ/bit.
const MAC_J = 1_000_000 * (0.3 + 5 * 8 * 0.009) * PJ;

describe("energy report", () => {
  it("total, per training step, average power and TOPS/W", () => {
    const e = energyReport(macsOnly(), hw, { unit: "training step", count: 4 });
    const total = MAC_J + STATIC_W * 1e-3;
    expect(e.totalJ).toBeCloseTo(total, 18);
    expect(e.dynamicJ).toBeCloseTo(MAC_J, 18);
    expect(e.staticPowerW).toBeCloseTo(STATIC_W, 12);
    expect(e.per).toEqual({ unit: "training step", count: 4, joules: e.totalJ / 4 });
    expect(e.averagePowerW).toBeCloseTo(total / 1e-3, 9);
    // 2 operations per MAC: 2e6 operations per `total` joules, in tera-operations per joule.
    expect(e.topsPerW).toBeCloseTo(2e6 / total / 1e12, 12);
  });

  it("no work unit, or no time: no per-unit figure and no division by zero", () => {
    expect(energyReport(macsOnly(), hw).per).toBeNull();
    expect(energyReport(macsOnly(), hw, { unit: "inference", count: 0 }).per).toBeNull();
    const idle = energyReport(emptyStats(), hw);
    expect([idle.totalJ, idle.averagePowerW, idle.topsPerW]).toEqual([0, 0, 0]);
  });

  it("summarizeHardware: the run summary plus its energy", () => {
    const h = summarizeHardware(macsOnly(), hw, { unit: "inference", count: 10 });
    expect(h.seconds).toBeCloseTo(1e-3, 15);
    expect(h.energy.per?.joules).toBeCloseTo(h.energy.totalJ / 10, 20);
  });

  it("CSV cells: one per column, totals first and one per part", () => {
    const cells = energyCsvCells(macsOnly(), hw, 4);
    expect(Object.keys(cells)).toEqual([...ENERGY_CSV_COLUMNS]);
    expect(ENERGY_CSV_COLUMNS).toEqual([
      "energy_j", "energy_per_step_j", "power_w", "tops_per_w", "energy_dynamic_j",
      "energy_mac_array_j", "energy_unified_buffer_j", "energy_accumulators_j", "energy_weight_fifo_j",
      "energy_weight_memory_j", "energy_host_link_j", "energy_activation_j", "energy_vector_j", "energy_static_j",
    ]);
    expect(cells.energy_mac_array_j).toBeCloseTo(MAC_J, 18);
    expect(cells.energy_static_j).toBeCloseTo(STATIC_W * 1e-3, 15);
    expect(cells.energy_per_step_j).toBeCloseTo(cells.energy_j / 4, 18);
    expect(cells.energy_unified_buffer_j).toBe(0);
  });
});

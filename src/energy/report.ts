/**
 * The figures people quote from the energy model: total and per part, per unit of work (a training
 * step, an inference), average power at the machine's clock and TOPS/W; and the same as CSV cells
 * for the tables of many machines (sweep, topology).
 */
import type { HwConfig } from "../config/hw-config.js";
import { summarize, type RunStats, type RunSummary } from "../sim/stats.js";
import { ENERGY_PARTS, energyOf, energyRates, totalEnergy, type EnergyPart, type EnergyParts } from "./model.js";

/** What the energy is divided by: `count` units of work named `unit` ("training step", "inference"). */
export interface WorkCount {
  unit: string;
  count: number;
}

export interface EnergyReport {
  /** Joules per part; they sum to totalJ. */
  parts: EnergyParts;
  totalJ: number;
  /** totalJ less the static part. */
  dynamicJ: number;
  staticPowerW: number;
  /** totalJ over the run's simulated time. */
  averagePowerW: number;
  /** Achieved tera-operations (2 per MAC) per joule, i.e. TOPS per watt. */
  topsPerW: number;
  /** Energy per unit of work, when the run has such units. */
  per: (WorkCount & { joules: number }) | null;
}

export function energyReport(stats: RunStats, hw: HwConfig, work?: WorkCount): EnergyReport {
  const rates = energyRates(hw);
  const parts = energyOf(stats, hw, rates);
  const totalJ = totalEnergy(parts);
  const seconds = stats.cycles / (hw.clockMHz * 1e6);
  return {
    parts,
    totalJ,
    dynamicJ: totalJ - parts.static,
    staticPowerW: rates.staticPowerW,
    averagePowerW: seconds > 0 ? totalJ / seconds : 0,
    topsPerW: totalJ > 0 ? (2 * stats.macs) / totalJ / 1e12 : 0,
    per: work && work.count > 0 ? { ...work, joules: totalJ / work.count } : null,
  };
}

/** A run's statistics with its energy: what every command that reports hardware figures prints. */
export type HardwareSummary = RunSummary & { energy: EnergyReport };

export function summarizeHardware(stats: RunStats, hw: HwConfig, work?: WorkCount): HardwareSummary {
  return { ...summarize(stats, hw), energy: energyReport(stats, hw, work) };
}

/** "unifiedBuffer" -> "energy_unified_buffer_j". */
function partColumn(part: EnergyPart): string {
  return `energy_${part.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_j`;
}

/** CSV columns of a machine's energy, in order: totals first, then one per part. */
export const ENERGY_CSV_COLUMNS: readonly string[] = Object.freeze([
  "energy_j",
  "energy_per_step_j",
  "power_w",
  "tops_per_w",
  "energy_dynamic_j",
  ...ENERGY_PARTS.map(partColumn),
]);

/** The ENERGY_CSV_COLUMNS cells of a run of `steps` steps (sweep and topology tables). */
export function energyCsvCells(stats: RunStats, hw: HwConfig, steps: number): Record<string, number> {
  return energyReportCells(energyReport(stats, hw, { unit: "step", count: steps }));
}

/** The ENERGY_CSV_COLUMNS cells of a report; `energy_per_step_j` is its energy per unit of work. */
export function energyReportCells(e: EnergyReport): Record<string, number> {
  const cells: Record<string, number> = {
    energy_j: e.totalJ,
    energy_per_step_j: e.per?.joules ?? Number.NaN,
    power_w: e.averagePowerW,
    tops_per_w: e.topsPerW,
    energy_dynamic_j: e.dynamicJ,
  };
  for (const p of ENERGY_PARTS) cells[partColumn(p)] = e.parts[p];
  return cells;
}

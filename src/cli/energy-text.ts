/** Human-readable energy: the block under the run statistics, and SI formatting of joules and watts. */
import { ENERGY_PARTS, type EnergyPart } from "../energy/model.js";
import type { EnergyReport } from "../energy/report.js";
import { fmtPct } from "./output.js";

const PART_LABELS: Record<EnergyPart, string> = {
  macArray: "MAC array",
  unifiedBuffer: "unified buffer",
  accumulators: "accumulators",
  weightFifo: "weight FIFO + PE regs",
  weightMemory: "weight memory",
  hostLink: "host link",
  activation: "activation unit",
  vector: "vector unit",
  static: "static (idle)",
};

export function formatEnergy(e: EnergyReport, clockMHz: number): string {
  const share = (j: number) => (e.totalJ > 0 ? ` (${fmtPct(j / e.totalJ)})` : "");
  const lines = [`energy            ${fmtJoules(e.totalJ)}  (45 nm table, docs/ENERGY.md; dynamic ${fmtJoules(e.dynamicJ)})`];
  if (e.per) lines.push(`  per ${e.per.unit.padEnd(14)}${fmtJoules(e.per.joules)}  (${e.per.count} ${e.per.unit}${e.per.count === 1 ? "" : "s"})`);
  lines.push(`  average power   ${fmtWatts(e.averagePowerW)} at ${clockMHz} MHz (static ${fmtWatts(e.staticPowerW)}), ${e.topsPerW.toFixed(4)} TOPS/W`);
  for (const p of ENERGY_PARTS) lines.push(`  ${PART_LABELS[p].padEnd(22)}${fmtJoules(e.parts[p]).padStart(12)}${share(e.parts[p])}`);
  return lines.join("\n");
}

/** 0.00123 -> "1.230 mJ". */
export function fmtJoules(j: number): string {
  return withPrefix(j, "J");
}

export function fmtWatts(w: number): string {
  return withPrefix(w, "W");
}

function withPrefix(x: number, unit: string): string {
  const a = Math.abs(x);
  const prefixes: [number, string][] = [[1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"], [1e-12, "p"]];
  for (const [scale, p] of prefixes) if (a >= scale) return `${(x / scale).toFixed(3)} ${p}${unit}`;
  return x === 0 ? `0 ${unit}` : `${(x / 1e-12).toFixed(3)} p${unit}`;
}

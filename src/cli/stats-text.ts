/** Human-readable run statistics. */
import type { EnergyReport } from "../energy/report.js";
import type { RunSummary } from "../sim/stats.js";
import { formatEnergy } from "./energy-text.js";
import { fmtInt, fmtPct } from "./output.js";

export function formatStats(s: RunSummary & { energy?: EnergyReport }): string {
  const lines: string[] = [];
  const pct = (n: number) => (s.cycles > 0 ? ` (${fmtPct(n / s.cycles)})` : "");
  lines.push(`cycles            ${fmtInt(s.cycles)}  = ${formatSeconds(s.seconds)} at ${s.clockMHz} MHz`);
  lines.push(`instructions      ${fmtInt(s.instructions)}`);
  lines.push(`MACs              ${fmtInt(s.macs)}  utilization ${fmtPct(s.utilization)} of ${fmtInt(s.peakMacsPerCycle)} MACs/cycle`);
  lines.push(`achieved          ${s.tops.toFixed(4)} TOPS`);
  lines.push(`matrix unit busy  ${fmtInt(s.matrixBusyCycles)}${pct(s.matrixBusyCycles)}`);
  lines.push("stalls (cycles the matrix unit streams no vector):");
  for (const [cause, n] of Object.entries(s.stalls)) lines.push(`  ${cause.padEnd(16)}${fmtInt(n).padStart(14)}${pct(n)}`);
  lines.push("unit busy cycles (and cycles refused a port or the weight-memory channel):");
  for (const [unit, n] of Object.entries(s.unitBusyCycles)) {
    const refused = s.unitStalledCycles[unit as keyof typeof s.unitStalledCycles];
    lines.push(`  ${unit.padEnd(16)}${fmtInt(n).padStart(14)}${pct(n)}${refused > 0 ? `  refused ${fmtInt(refused)}` : ""}`);
  }
  const refusals = Object.entries(s.resourceStalls).filter(([, n]) => n > 0);
  if (refusals.length > 0) {
    lines.push("refused unit-cycles by resource:");
    for (const [k, n] of refusals) lines.push(`  ${k.padEnd(22)}${fmtInt(n).padStart(16)}`);
  }
  lines.push("bytes moved:");
  for (const [k, n] of Object.entries(s.bytes)) lines.push(`  ${k.padEnd(22)}${fmtInt(n).padStart(16)}`);
  lines.push("operations:");
  for (const [k, n] of Object.entries(s.ops)) lines.push(`  ${k.padEnd(22)}${fmtInt(n).padStart(16)}`);
  if (s.energy) lines.push(formatEnergy(s.energy, s.clockMHz));
  return lines.join("\n");
}

export function formatSeconds(sec: number): string {
  if (sec >= 1) return `${sec.toFixed(3)} s`;
  if (sec >= 1e-3) return `${(sec * 1e3).toFixed(3)} ms`;
  return `${(sec * 1e6).toFixed(3)} µs`;
}

/** Human output of `tpusim sweep`: the aligned table and the plots against the sweep's points. */
import asciichart from "asciichart";
import type { SweepResult, SweepRow } from "../../jobs/sweep.js";
import { STALL_REASONS } from "../../jobs/sweep-point.js";
import { fmtJoules } from "../energy-text.js";
import { fmtInt, fmtPct } from "../output.js";

/** Short headings of the stall causes, so the table fits a wide terminal. */
const STALL_HEADINGS: Record<string, string> = {
  weight_load: "w.load",
  weight_shift: "w.shift",
  data_dependency: "data dep",
  host_transfer: "host",
  non_matrix: "non-mat",
  drain: "drain",
};

export function formatSweepTable(result: SweepResult): string {
  const head = ["point", "array", ...result.vary.map((v) => v.label), "cycles", "step", "bound", "ratio", "binding", "time", "MACs", "util", "TOPS", "energy/step", "TOPS/W"];
  head.push(...STALL_REASONS.map((c) => STALL_HEADINGS[c] ?? c), "WM read B", "UB r+w B", "loss", "test acc", "wall s");
  const body = result.rows.map((r) => [
    String(r.point),
    `${r.rows}x${r.cols}`,
    ...result.vary.map((v) => String(r.params[v.param])),
    fmtInt(r.cycles),
    r.stepCycles === null ? "-" : fmtInt(r.stepCycles),
    r.boundCycles === null ? "-" : fmtInt(r.boundCycles),
    r.boundRatio === null ? "-" : r.boundRatio.toFixed(2),
    r.boundBinding ?? "-",
    formatDuration(r.seconds),
    fmtInt(r.macs),
    fmtPct(r.utilization),
    r.tops.toFixed(4),
    r.energy.per ? fmtJoules(r.energy.per.joules) : "-",
    r.energy.topsPerW.toFixed(4),
    ...STALL_REASONS.map((c) => fmtInt(r.stalls[c])),
    fmtInt(r.weightMemoryReadBytes),
    fmtInt(r.unifiedBufferReadBytes + r.unifiedBufferWrittenBytes),
    Number.isFinite(r.loss) ? r.loss.toFixed(4) : "-",
    r.testAccuracy === null ? "-" : fmtPct(r.testAccuracy),
    r.wallSeconds.toFixed(1),
  ]);
  return alignTable(head, body, new Set([1, 6 + result.vary.length]));
}

/** Columns padded to their widest cell; numbers right-aligned, `leftColumns` left-aligned. */
export function alignTable(head: readonly string[], body: readonly (readonly string[])[], leftColumns: ReadonlySet<number>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (leftColumns.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function formatDuration(sec: number): string {
  if (sec >= 1) return `${sec.toFixed(3)} s`;
  if (sec >= 1e-3) return `${(sec * 1e3).toFixed(3)} ms`;
  return `${(sec * 1e6).toFixed(3)} µs`;
}

/** Label of a point under the plots: the array size, or the point index when other parameters vary too. */
function pointLabel(result: SweepResult, r: SweepRow): string {
  return result.vary.length === 0 ? `${r.rows}x${r.cols}` : `#${r.point}`;
}

export function formatSweepPlots(result: SweepResult): string {
  const rows = result.rows;
  if (rows.length < 2) return "";
  const labels = rows.map((r) => pointLabel(result, r));
  const cycles = rows.map((r) => r.cycles);
  const positive = cycles.every((c) => c > 0);
  const log = positive && Math.max(...cycles) / Math.min(...cycles) >= 100;
  const out = [
    `cycles per point${log ? " (log scale)" : ""}:`,
    plotAgainstPoints(log ? cycles.map(Math.log10) : cycles, labels, (y) => compact(log ? 10 ** y : y)),
    "",
    "utilization per point:",
    plotAgainstPoints(rows.map((r) => 100 * r.utilization), labels, (y) => `${y.toFixed(2)} %`),
    "",
    "energy per training step per point (docs/ENERGY.md):",
    plotAgainstPoints(rows.map((r) => r.energy.per?.joules ?? 0), labels, fmtJoules),
  ];
  if (result.vary.length > 0) out.push("", "points: " + rows.map((r) => `#${r.point} ${r.rows}x${r.cols} ${result.vary.map((v) => `${v.label}=${r.params[v.param]}`).join(" ")}`).join("; "));
  return out.join("\n");
}

/** 1234567 -> "1.23M". */
function compact(n: number): string {
  const units: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toPrecision(3)}${unit}`;
  return n.toPrecision(3);
}

/** Widest plot, in columns after the axis. */
const MAX_PLOT_COLUMNS = 96;

/**
 * asciichart of one value per point: each point is a flat step `w` columns wide, and its label is
 * centred under its step (labels that would collide with the previous one are left out).
 */
export function plotAgainstPoints(values: readonly number[], labels: readonly string[], format: (y: number) => string): string {
  const longest = Math.max(...labels.map((l) => l.length));
  const w = Math.max(2, Math.min(longest + 2, Math.floor(MAX_PLOT_COLUMNS / values.length)));
  const series = values.flatMap((v) => Array<number>(w).fill(v));
  series.push(values[values.length - 1]);
  const chart = asciichart.plot(series, { height: 8, format: (y: number) => format(y).padStart(10) });
  const firstLine = chart.split("\n")[0];
  const axis = firstLine.search(/[┤┼]/);
  const under = Array<string>(axis + 1 + series.length).fill(" ");
  let free = 0;
  labels.forEach((label, k) => {
    const centre = axis + 1 + k * w + Math.floor((w - 1) / 2);
    const start = Math.max(free, centre - Math.floor((label.length - 1) / 2));
    if (start > centre) return;
    for (let i = 0; i < label.length; i++) under[start + i] = label[i];
    free = start + label.length + 1;
  });
  return `${chart}\n${under.join("").trimEnd()}`;
}

/**
 * The generic performance table behind sweep and topology reports: one point per machine or per
 * layer, with what the charts need. A command's rows become points through a small adapter:
 * sweepPoints (a point per machine) and topologyPoints (a point per layer and machine) below.
 */
import type { SweepSource, TopologySource } from "./sources.js";

export interface PerformancePoint {
  /** Bar and table label: "16x16", "16x16 bw=64", "conv1". */
  label: string;
  /** The array the point ran on. */
  rows: number;
  cols: number;
  cycles: number;
  /** MACs / (cycles x peak MACs per cycle). */
  utilization: number;
  /** Achieved TeraOps/s (2 ops per MAC) at the clock. */
  tops: number;
  macs: number;
  /** Cycles the matrix unit streams, and stall cycles by cause (docs/ARCHITECTURE.md "Stall attribution"). */
  matrixBusyCycles: number;
  stalls: Readonly<Record<string, number>>;
  weightMemoryReadBytes: number;
  /** The machine's roofs: peak MACs per cycle, weight-memory bytes per cycle, clock. */
  peakMacsPerCycle: number;
  weightBytesPerCycle: number;
  clockMHz: number;
  /** More table columns (name -> value), in order: loss, test accuracy, varied parameters... */
  extra?: Readonly<Record<string, string | number>>;
}

function pct(x: number | null): string {
  return x === null ? "-" : `${(100 * x).toFixed(2)} %`;
}

/** Sweep rows as points, in point order, labelled by array size and the varied parameters. */
export function sweepPoints(s: SweepSource): PerformancePoint[] {
  return [...s.rows]
    .sort((a, b) => a.point - b.point)
    .map((r) => {
      const varied = s.vary.map((v) => ` ${v.label}=${r.params[v.param]}`).join("");
      return {
        label: `${r.rows}x${r.cols}${varied}`,
        rows: r.rows,
        cols: r.cols,
        cycles: r.cycles,
        utilization: r.utilization,
        tops: r.tops,
        macs: r.macs,
        matrixBusyCycles: r.matrixBusyCycles,
        stalls: r.stalls,
        weightMemoryReadBytes: r.weightMemoryReadBytes,
        peakMacsPerCycle: r.peakMacsPerCycle,
        weightBytesPerCycle: r.weightBytesPerCycle,
        clockMHz: r.clockMHz,
        extra: {
          point: r.point,
          loss: r.loss === null || !Number.isFinite(r.loss) ? "-" : r.loss.toFixed(4),
          "test accuracy": pct(r.testAccuracy),
        },
      };
    });
}

/** 0.00123 -> "1.23 mJ": joules in the unit that keeps 1 to 999 of them. */
export function fmtJoules(j: number): string {
  const units: [number, string][] = [[1, "J"], [1e-3, "mJ"], [1e-6, "µJ"], [1e-9, "nJ"], [1e-12, "pJ"]];
  const [scale, unit] = units.find(([u]) => Math.abs(j) >= u) ?? units[units.length - 1];
  return `${Number((j / scale).toPrecision(4))} ${unit}`;
}

/** "16x16", or "16x16 bw=64" with the varied parameters. */
function machineLabel(r: { rows: number; cols: number; params: Readonly<Record<string, number>> }, vary: TopologySource["vary"]): string {
  return `${r.rows}x${r.cols}${vary.map((v) => ` ${v.label}=${r.params[v.param]}`).join("")}`;
}

/**
 * Topology rows as points, a bar per layer in point then layer order. The label is the layer's
 * name (its number too when two layers share a name), after the machine when there are several.
 */
export function topologyPoints(s: TopologySource): PerformancePoint[] {
  const rows = [...s.rows].sort((a, b) => a.point - b.point || a.layer - b.layer);
  const machines = new Set(rows.map((r) => r.point)).size;
  const names = rows.filter((r) => r.point === rows[0]?.point).map((r) => r.name);
  const unique = new Set(names).size === names.length;
  return rows.map((r) => {
    const layer = unique ? r.name : `${r.layer} ${r.name}`;
    return {
      label: machines > 1 || s.vary.length > 0 ? `${machineLabel(r, s.vary)} ${layer}` : layer,
      rows: r.rows,
      cols: r.cols,
      cycles: r.cycles,
      utilization: r.utilization,
      tops: r.tops,
      macs: r.macs,
      matrixBusyCycles: r.matrixBusyCycles,
      stalls: r.stalls,
      weightMemoryReadBytes: r.bytes.weightMemoryRead,
      peakMacsPerCycle: r.peakMacsPerCycle,
      weightBytesPerCycle: r.weightBytesPerCycle,
      clockMHz: r.clockMHz,
      extra: {
        ...(machines > 1 ? { point: r.point } : {}),
        "layer #": r.layer,
        kind: r.kind,
        "M x K x N": `${r.m} x ${r.k} x ${r.n}`,
        "energy per inference": fmtJoules(r.energy.totalJ),
        "TOPS/W": r.energy.topsPerW.toPrecision(4),
      },
    };
  });
}

/** The summary facts and the per-point notes of a topology page. */
export function topologySummary(s: TopologySource): { summary: [string, string][]; notes: string[] } {
  const int = (n: number) => Math.round(n).toLocaleString("en-US");
  const summary: [string, string][] = [
    ["topology", s.topology],
    ["format", s.format],
    ["layers", int(s.totals[0]?.layers ?? 0)],
    ["points", `${s.totals.length} of ${s.total}`],
    ["mode", s.mode],
  ];
  if (s.preset !== undefined && s.dtype !== undefined) summary.push(["machine", `${s.preset} preset, ${s.dtype}`]);
  if (s.vary.length > 0) summary.push(["varied", s.vary.map((v) => `${v.label}=${v.values.join("|")}`).join(", ")]);
  const notes = s.totals.map(
    (t) =>
      `${machineLabel(t, s.vary)}: the whole network (${t.layers} layers, each run once) takes ${int(t.cycles)} cycles and ${int(t.macs)} MACs, ` +
      `utilization ${(100 * t.utilization).toFixed(2)} %, energy per inference ${fmtJoules(t.energy.totalJ)} ` +
      `(${t.energy.topsPerW.toPrecision(4)} TOPS/W, average ${Number(t.energy.averagePowerW.toPrecision(4))} W; docs/ENERGY.md).`,
  );
  notes.push("Every layer's output was checked against an exact reference. Each bar is one layer on one machine.");
  return { summary, notes };
}

/** Machine names for rooflines: the array size, plus bandwidth and clock when they differ between points. */
export function machineNames(points: readonly PerformancePoint[]): string[] {
  const varies = (f: (p: PerformancePoint) => number) => new Set(points.map(f)).size > 1;
  const bw = varies((p) => p.weightBytesPerCycle);
  const clock = varies((p) => p.clockMHz);
  return points.map((p) => `${p.rows}x${p.cols}${bw ? ` ${p.weightBytesPerCycle} B/cycle` : ""}${clock ? ` ${p.clockMHz} MHz` : ""}`);
}

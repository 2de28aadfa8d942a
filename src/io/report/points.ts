/**
 * The generic performance table behind sweep (and topology) reports: one point per machine or per
 * layer, with what the charts need. A command's rows become points through a small adapter such as
 * sweepPoints below; a topology adapter maps each layer row the same way (label = layer name).
 */
import type { SweepSource } from "./sources.js";

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

/** Machine names for rooflines: the array size, plus bandwidth and clock when they differ between points. */
export function machineNames(points: readonly PerformancePoint[]): string[] {
  const varies = (f: (p: PerformancePoint) => number) => new Set(points.map(f)).size > 1;
  const bw = varies((p) => p.weightBytesPerCycle);
  const clock = varies((p) => p.clockMHz);
  return points.map((p) => `${p.rows}x${p.cols}${bw ? ` ${p.weightBytesPerCycle} B/cycle` : ""}${clock ? ` ${p.clockMHz} MHz` : ""}`);
}

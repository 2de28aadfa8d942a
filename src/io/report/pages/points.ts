/**
 * The performance report of a table of points (a sweep's machines, a topology's layers): cycles,
 * utilization and the stall stack against the points, and a roofline.
 */
import { facts, figure, table, type Section } from "../html.js";
import { machineNames, type PerformancePoint } from "../points.js";
import type { Render } from "../render-chart.js";
import { CYCLE_KINDS } from "../specs/common.js";
import { cycleStackChart } from "../specs/cycles.js";
import { pointBarChart, wantsLog } from "../specs/points.js";
import { rooflineChart, type RooflinePoint } from "../specs/roofline.js";
import { fmtInt, fmtPct } from "./hardware.js";

/** Roofline points: the points that read weight memory (others have no finite intensity). */
export function rooflinePoints(points: readonly PerformancePoint[]): RooflinePoint[] {
  const names = machineNames(points);
  return points.flatMap((p, i) => {
    if (!(p.weightMemoryReadBytes > 0) || !(p.tops > 0)) return [];
    const hz = p.clockMHz * 1e6;
    return [{
      label: p.label,
      intensity: (2 * p.macs) / p.weightMemoryReadBytes,
      tops: p.tops,
      machine: names[i],
      peakTops: (2 * p.peakMacsPerCycle * hz) / 1e12,
      weightTBps: (p.weightBytesPerCycle * hz) / 1e12,
    }];
  });
}

export async function pointsSections(render: Render, points: readonly PerformancePoint[], axis: string, summary: [string, string][], notes: readonly string[] = []): Promise<Section[]> {
  const cyclesLog = wantsLog(points.map((p) => p.cycles));
  const roof = rooflinePoints(points);
  const [cycles, utilization, stack, roofline] = await Promise.all([
    render(pointBarChart(points.map((p) => ({ label: p.label, value: p.cycles })), { title: `Cycles per ${axis}`, axis, valueTitle: "cycles", format: "~s", log: cyclesLog })),
    render(pointBarChart(points.map((p) => ({ label: p.label, value: p.utilization })), { title: `Utilization per ${axis}`, axis, valueTitle: "MACs / (cycles x peak)", format: ".1%", max: 1 })),
    render(
      cycleStackChart(points.map((p) => ({ label: p.label, cycles: { busy: p.matrixBusyCycles, ...p.stalls } })), {
        title: `Where the matrix unit's cycles go, per ${axis}`,
        labelTitle: axis,
        valueTitle: "share of cycles",
        stack: "normalize",
      }),
    ),
    roof.length > 0 ? render(rooflineChart(roof, "Roofline (TPU v1 paper, Figure 5): achieved TOPS under the compute and weight-memory roofs")) : Promise.resolve(""),
  ]);
  const extraNames = [...new Set(points.flatMap((p) => Object.keys(p.extra ?? {})))];
  const rows = points.map((p) => [
    p.label,
    fmtInt(p.cycles),
    fmtInt(p.macs),
    fmtPct(p.utilization),
    p.tops.toPrecision(4),
    ...CYCLE_KINDS.slice(1).map((c) => fmtInt(p.stalls[c] ?? 0)),
    fmtInt(p.weightMemoryReadBytes),
    ...extraNames.map((n) => String(p.extra?.[n] ?? "")),
  ]);
  const skipped = points.length - roof.length;
  const roofNotes = [
    "Operational intensity counts 2 operations per MAC over the bytes read from weight memory, as the TPU paper's Figure 5 does. " +
      "The dashed roof of each machine is flat at its peak (2 x rows x cols MACs per cycle at the clock) and slants down where " +
      "weight-memory bandwidth (bytes per cycle at the clock) limits it; a point on the slant is memory bound.",
  ];
  if (skipped > 0) roofNotes.push(`${skipped} point(s) read no weight memory or did no work and have no place on the roofline.`);
  return [
    { id: "summary", title: "Summary", body: facts(summary), notes },
    {
      id: "cycles",
      title: `Cycles and utilization per ${axis}`,
      body: figure("chart-points-cycles", cycles) + figure("chart-points-utilization", utilization) + figure("chart-points-stalls", stack),
    },
    { id: "roofline", title: "Roofline", notes: roofNotes, body: roofline ? figure("chart-roofline", roofline) : "<p>No point read weight memory.</p>" },
    {
      id: "table",
      title: "All figures",
      body: table([axis, "cycles", "MACs", "utilization", "TOPS", ...CYCLE_KINDS.slice(1).map((c) => `stall ${c}`), "weight memory read B", ...extraNames], rows, "points-table"),
    },
  ];
}

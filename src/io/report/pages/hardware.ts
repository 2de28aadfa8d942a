/** Sections every run-based report shares: the machine, where the cycles went, and the timeline. */
import { TRACE_UNITS } from "../../../sim/trace.js";
import type { RunSummary } from "../../../sim/stats.js";
import { facts, figure, table, type Section } from "../html.js";
import type { Render } from "../render-chart.js";
import { cycleStackChart, type CycleBreakdown } from "../specs/cycles.js";
import { barChart } from "../specs/series.js";
import { DETAIL_CYCLES, detailStart, timelineChart } from "../specs/timeline.js";
import type { MachineSource } from "../sources.js";
import type { Timeline } from "../views.js";

export const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");
export const fmtPct = (x: number): string => `${(100 * x).toFixed(2)} %`;

/** Seconds in the unit that keeps 1 to 999 of them: 12.3 ms, 31.4 µs. */
export function fmtSeconds(s: number): string {
  const units: [number, string][] = [[1, "s"], [1e-3, "ms"], [1e-6, "µs"], [1e-9, "ns"]];
  const [scale, unit] = units.find(([u]) => s >= u) ?? units[units.length - 1];
  return `${Number((s / scale).toPrecision(4))} ${unit}`;
}

export function machineText(hw: MachineSource, mode?: string): string {
  return `${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype}, ${hw.clockMHz} MHz${mode ? `, ${mode} mode` : ""}`;
}

/** The matrix unit's cycles by kind: streaming ("busy") and each stall cause. */
export function cycleKinds(stats: Pick<RunSummary, "matrixBusyCycles" | "stalls">): Record<string, number> {
  return { busy: stats.matrixBusyCycles, ...stats.stalls };
}

export function statsFacts(stats: RunSummary): [string, string][] {
  return [
    ["cycles", fmtInt(stats.cycles)],
    ["time at the clock", fmtSeconds(stats.seconds)],
    ["instructions", fmtInt(stats.instructions)],
    ["MACs", fmtInt(stats.macs)],
    ["utilization", fmtPct(stats.utilization)],
    ["achieved TOPS", stats.tops.toPrecision(4)],
  ];
}

/** Bytes moved per memory, as a table. */
function bytesTable(stats: RunSummary): string {
  const b = stats.bytes;
  return table(
    ["memory", "read bytes", "written bytes"],
    [
      ["host memory (DMA)", fmtInt(b.hostRead), fmtInt(b.hostWritten)],
      ["weight memory", fmtInt(b.weightMemoryRead), fmtInt(b.weightMemoryWritten)],
      ["unified buffer", fmtInt(b.unifiedBufferRead), fmtInt(b.unifiedBufferWritten)],
      ["accumulators", fmtInt(b.accumulatorRead), fmtInt(b.accumulatorWritten)],
    ],
  );
}

/**
 * Where the cycles went: the matrix unit's cycles by cause (one bar per entry of `bars`), each
 * unit's busy share, and the bytes moved.
 */
export async function cyclesSection(render: Render, stats: RunSummary, bars: readonly CycleBreakdown[], o: { title: string; labelTitle: string; valueTitle: string; notes?: string[] }): Promise<Section> {
  const stack = await render(cycleStackChart(bars, { title: o.title, labelTitle: o.labelTitle, valueTitle: o.valueTitle }));
  const units = await render(
    barChart(
      TRACE_UNITS.map((u) => ({ category: u, value: stats.cycles > 0 ? stats.unitBusyCycles[u] / stats.cycles : 0 })),
      { title: "Unit utilization: share of cycles each unit is busy", valueTitle: "busy cycles / cycles", format: ".1%", max: 1 },
    ),
  );
  return {
    id: "cycles",
    title: "Where the cycles go",
    notes: [
      "Every cycle of the matrix unit is either streaming a vector (busy) or charged to one stall cause " +
        "(docs/ARCHITECTURE.md \"Stall attribution\"), so a bar's segments add up to its cycles. Hover a segment for its numbers.",
      ...(o.notes ?? []),
    ],
    body: facts(statsFacts(stats)) + figure("chart-cycles", stack) + figure("chart-units", units) + bytesTable(stats),
  };
}

export async function timelineSection(render: Render, t: Timeline | null, what: string): Promise<Section | null> {
  if (t === null) return null;
  const notes = [
    `One lane per unit: a bar is a stretch of cycles an instruction spends busy (blue: the unit did work; the matrix unit while it streams a pass's vectors) ` +
      `or stalled (red: waiting to issue, or refused a port or the weight-memory channel); ` +
      `the last lane is the matrix unit's stall cause cycle by cycle. Hover a bar for the instruction's text. ${what}`,
  ];
  if (t.truncated) notes.push(`Only the first ${fmtInt(t.cycles)} cycles are shown (limit ${fmtInt(t.limitCycles)} cycles or the segment limit).`);
  let body = figure("chart-timeline", await render(timelineChart(t)), { scroll: true });
  if (t.cycles > DETAIL_CYCLES * 1.5) {
    const start = detailStart(t);
    body += figure("chart-timeline-detail", await render(timelineChart(t, [start, start + DETAIL_CYCLES])), { scroll: true });
  }
  return { id: "timeline", title: "Timeline", notes, body };
}

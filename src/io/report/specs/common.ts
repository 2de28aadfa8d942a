/** What every chart of a report shares: size, fonts and the colours of states and stall causes. */
import type { ChartSpec } from "../render-chart.js";

export const CHART_WIDTH = 480;
export const CHART_HEIGHT = 220;

export const CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  view: { stroke: "#ccc" },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" as const, gridColor: "#eee" },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" as const },
  title: { fontSize: 14, fontWeight: "normal" as const, anchor: "start" as const },
};

/** The matrix unit's cycles: streaming ("busy"), then each stall cause of docs/ARCHITECTURE.md. */
export const CYCLE_KINDS = ["busy", "weight_load", "weight_shift", "data_dependency", "host_transfer", "non_matrix", "drain"] as const;
export const CYCLE_COLOURS = ["#4c78a8", "#f58518", "#ff9da6", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2"];
export const STALLED_COLOUR = "#d62728";

/** A chart with the shared configuration and a `$schema`. */
export function chart(spec: Record<string, unknown>): ChartSpec {
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: CONFIG, ...spec } as ChartSpec;
}

/** Axis format for counts: 12k, 3.4M. */
export const SI = "~s";

/** Slanted axis labels when the labels would not fit side by side under their bars. */
export function labelAngle(labels: readonly string[], pixelsPerBar: number): number {
  const widest = Math.max(0, ...labels.map((l) => l.length)) * 6.5;
  return widest > pixelsPerBar - 4 ? -40 : 0;
}

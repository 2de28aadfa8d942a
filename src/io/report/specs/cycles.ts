/** Where the matrix unit's cycles go: stacked bars of streaming cycles and each stall cause. */
import type { ChartSpec } from "../render-chart.js";
import { CHART_HEIGHT, CHART_WIDTH, CYCLE_COLOURS, CYCLE_KINDS, chart, labelAngle } from "./common.js";

export interface CycleBreakdown {
  /** The bar: a step window, an array size, a layer. */
  label: string;
  /** Cycles of each kind: "busy" (the matrix unit streams) and each stall cause. */
  cycles: Readonly<Record<string, number>>;
}

export interface CycleChartOptions {
  title: string;
  labelTitle: string;
  valueTitle: string;
  /** "normalize": each bar is 100 % of its cycles (compare bars of very different lengths). */
  stack?: "zero" | "normalize";
}

/** Bars in the order given, segments in CYCLE_KINDS order with fixed colours. */
export function cycleStackChart(bars: readonly CycleBreakdown[], o: CycleChartOptions): ChartSpec {
  const rows = bars.flatMap((b, i) =>
    CYCLE_KINDS.map((kind, k) => ({ label: b.label, order: i, kind, kindOrder: k, cycles: b.cycles[kind] ?? 0 })).filter((r) => r.cycles > 0),
  );
  const normalize = o.stack === "normalize";
  const width = Math.min(CHART_WIDTH, Math.max(160, bars.length * 48));
  return chart({
    title: o.title,
    width,
    height: CHART_HEIGHT,
    data: { values: rows },
    transform: [
      { joinaggregate: [{ op: "sum", field: "cycles", as: "total" }], groupby: ["label"] },
      {
        calculate: `datum.label + ' — ' + datum.kind + ': ' + format(datum.cycles, ',.0f') + ' cycles (' + format(datum.cycles / datum.total, '.1%') + ')'`,
        as: "text",
      },
    ],
    mark: { type: "bar" },
    encoding: {
      x: { field: "label", type: "ordinal", title: o.labelTitle, sort: bars.map((b) => b.label), axis: { labelAngle: labelAngle(bars.map((b) => b.label), width / Math.max(1, bars.length)), labelOverlap: bars.length > 16 ? "greedy" : false } },
      y: {
        field: "cycles",
        type: "quantitative",
        title: o.valueTitle,
        stack: normalize ? "normalize" : "zero",
        axis: { format: normalize ? ".0%" : "~s" },
      },
      color: { field: "kind", type: "nominal", title: "matrix unit", scale: { domain: [...CYCLE_KINDS], range: CYCLE_COLOURS }, legend: { orient: "right" } },
      order: { field: "kindOrder", type: "quantitative" },
      description: { field: "text", type: "nominal" },
    },
  });
}

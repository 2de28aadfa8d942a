/** Bars of one figure against the points of a sweep or the layers of a topology, in their order. */
import type { ChartSpec } from "../render-chart.js";
import { CHART_HEIGHT, CHART_WIDTH, chart, labelAngle } from "./common.js";

export interface PointValue {
  label: string;
  value: number;
}

/** Log scale when the values span 100x or more (as the terminal plot of `tpusim sweep` does). */
export function wantsLog(values: readonly number[]): boolean {
  const positive = values.filter((v) => v > 0);
  return positive.length > 1 && Math.max(...positive) / Math.min(...positive) >= 100;
}

export function pointBarChart(values: readonly PointValue[], o: { title: string; axis: string; valueTitle: string; format: string; log?: boolean; max?: number }): ChartSpec {
  const log = o.log ?? false;
  const width = Math.min(CHART_WIDTH, Math.max(160, values.length * 48));
  return chart({
    title: o.title + (log ? " (log scale)" : ""),
    width,
    height: CHART_HEIGHT,
    data: { values: values.map((v, i) => ({ ...v, order: i })) },
    transform: [{ calculate: `datum.label + ': ' + format(datum.value, '${o.format}')`, as: "text" }],
    mark: { type: "bar", color: "#4c78a8" },
    encoding: {
      x: { field: "label", type: "ordinal", title: o.axis, sort: values.map((v) => v.label), axis: { labelAngle: labelAngle(values.map((v) => v.label), width / Math.max(1, values.length)), labelOverlap: values.length > 16 ? "greedy" : false } },
      y: {
        field: "value",
        type: "quantitative",
        title: o.valueTitle,
        axis: { format: o.format },
        scale: log ? { type: "log", domainMin: logBase(values) } : o.max !== undefined ? { domain: [0, o.max] } : {},
      },
      // A bar on a log axis needs a base other than zero: the power of ten below the smallest value.
      ...(log ? { y2: { datum: logBase(values) } } : {}),
      description: { field: "text", type: "nominal" },
    },
  });
}

function logBase(values: readonly PointValue[]): number {
  const positive = values.map((v) => v.value).filter((v) => v > 0);
  return 10 ** Math.floor(Math.log10(Math.min(...positive)));
}

/** Line and bar charts over plain rows: learning curves, per-unit bars, grouped bars. */
import type { ChartSpec } from "../render-chart.js";
import { CHART_HEIGHT, CHART_WIDTH, chart } from "./common.js";

export interface SeriesPoint {
  x: number;
  series: string;
  value: number;
}

export interface LineOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** d3 format of the y axis, e.g. ".0%" or ".3f". */
  yFormat?: string;
  /** Series in legend order (and colour order). */
  series: readonly string[];
  /** Start the y axis at zero (default false: learning curves zoom on their range). */
  zero?: boolean;
  xLog?: boolean;
  /** Whole-number x (steps, epochs): integer ticks only. */
  xInteger?: boolean;
}

/** Above this many points per series the dots are left off (the line says enough). */
export const MAX_DOTTED_POINTS = 60;

/** One line per series with a dot per point (so single-point series still show). */
export function lineChart(points: readonly SeriesPoint[], o: LineOptions): ChartSpec {
  const fmt = o.yFormat ?? "~g";
  const dotted = points.length <= MAX_DOTTED_POINTS * Math.max(1, o.series.length);
  return chart({
    title: o.title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: points.map((p) => ({ ...p, label: `${o.xTitle} ${p.x}: ${p.series} ` })) },
    mark: { type: "line", point: dotted ? { filled: true, size: 36 } : false, strokeWidth: 2 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: o.xTitle,
        scale: o.xLog ? { type: "log" } : { zero: false, nice: false, padding: 12 },
        axis: o.xInteger ? { tickMinStep: 1, format: "d" } : {},
      },
      y: { field: "value", type: "quantitative", title: o.yTitle, scale: { zero: o.zero ?? false }, axis: { format: fmt } },
      color: { field: "series", type: "nominal", title: null, sort: [...o.series], scale: { domain: [...o.series] }, legend: { orient: "bottom" } },
      description: { field: "text", type: "nominal" },
    },
    transform: [{ calculate: `datum.label + format(datum.value, '${fmt}')`, as: "text" }],
  });
}

export interface BarRow {
  category: string;
  value: number;
}

/** Horizontal bars, one per category in the given order. */
export function barChart(rows: readonly BarRow[], o: { title: string; valueTitle: string; format?: string; max?: number }): ChartSpec {
  const fmt = o.format ?? "~s";
  return chart({
    title: o.title,
    width: CHART_WIDTH - 100,
    height: { step: 22 },
    data: { values: rows },
    mark: { type: "bar", color: "#4c78a8" },
    encoding: {
      y: { field: "category", type: "nominal", title: null, sort: rows.map((r) => r.category) },
      x: {
        field: "value",
        type: "quantitative",
        title: o.valueTitle,
        axis: { format: fmt },
        ...(o.max !== undefined ? { scale: { domain: [0, o.max] } } : {}),
      },
      description: { field: "text", type: "nominal" },
    },
    transform: [{ calculate: `datum.category + ': ' + format(datum.value, '${fmt}')`, as: "text" }],
  });
}

export interface GroupedRow {
  category: string;
  group: string;
  value: number;
}

/** Bars per category, one per group side by side (e.g. the ten outputs before and after an attack). */
export function groupedBarChart(rows: readonly GroupedRow[], o: { title: string; categoryTitle: string; valueTitle: string; groups: readonly string[]; colours?: readonly string[] }): ChartSpec {
  return chart({
    title: o.title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: { field: "category", type: "nominal", title: o.categoryTitle, sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: "group", type: "nominal", sort: [...o.groups] },
      y: { field: "value", type: "quantitative", title: o.valueTitle },
      color: {
        field: "group",
        type: "nominal",
        title: null,
        sort: [...o.groups],
        scale: { domain: [...o.groups], ...(o.colours ? { range: [...o.colours] } : {}) },
        legend: { orient: "bottom" },
      },
      description: { field: "text", type: "nominal" },
    },
    transform: [{ calculate: `datum.group + ', ' + datum.category + ': ' + format(datum.value, '.4f')`, as: "text" }],
  });
}

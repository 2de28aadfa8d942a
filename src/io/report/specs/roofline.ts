/**
 * The roofline of the TPU v1 paper's Figure 5: achieved TeraOps/s against operational intensity
 * (operations per byte of weight memory read), log-log, under each machine's roofs: the compute
 * roof (2 x peak MACs per cycle x clock) and the slanted weight-memory roof (intensity x weight
 * bytes per cycle x clock). A point under the slant is memory bound, under the flat part compute bound.
 */
import type { ChartSpec } from "../render-chart.js";
import { CHART_HEIGHT, CHART_WIDTH, chart } from "./common.js";

export interface RooflinePoint {
  label: string;
  /** Operations (2 per MAC) per weight-memory byte read. */
  intensity: number;
  tops: number;
  /** The machine the point ran on (points of one machine share one roof). */
  machine: string;
  peakTops: number;
  /** Weight-memory bandwidth in TB/s (bytes per cycle x clock). */
  weightTBps: number;
}

/** Intensities spanning the points and every ridge, padded by a factor of 4 each way. */
export function intensityRange(points: readonly RooflinePoint[]): [number, number] {
  const xs = points.flatMap((p) => [p.intensity, p.peakTops / p.weightTBps]).filter((x) => x > 0 && Number.isFinite(x));
  if (xs.length === 0) return [0.1, 1000];
  return [Math.min(...xs) / 4, Math.max(...xs) * 4];
}

/** The roof of one machine as three points: left end, ridge, right end. */
export function roofLine(peakTops: number, weightTBps: number, [lo, hi]: [number, number]): { intensity: number; tops: number }[] {
  const ridge = peakTops / weightTBps;
  const at = (x: number) => Math.min(peakTops, x * weightTBps);
  return [lo, Math.min(Math.max(ridge, lo), hi), hi].map((x) => ({ intensity: x, tops: at(x) }));
}

export function rooflineChart(points: readonly RooflinePoint[], title: string): ChartSpec {
  const range = intensityRange(points);
  const machines = [...new Map(points.map((p) => [p.machine, p])).values()];
  const roofs = machines.flatMap((m) =>
    roofLine(m.peakTops, m.weightTBps, range).map((r) => ({
      ...r,
      machine: m.machine,
      text: `roof of ${m.machine}: peak ${m.peakTops.toPrecision(3)} TOPS, weight memory ${(m.weightTBps * 1000).toPrecision(3)} GB/s, ridge at ${(m.peakTops / m.weightTBps).toPrecision(3)} ops/byte`,
    })),
  );
  const dots = points.map((p) => ({
    ...p,
    text: `${p.label}: ${p.intensity.toPrecision(3)} ops/weight byte, ${p.tops.toPrecision(3)} TOPS (${((100 * p.tops) / p.peakTops).toFixed(1)} % of its roof ${p.peakTops.toPrecision(3)})`,
  }));
  const x = { field: "intensity", type: "quantitative", title: "operational intensity: ops per weight-memory byte (log)", scale: { type: "log", domain: range, nice: false } };
  const y = { field: "tops", type: "quantitative", title: "TeraOps/s (log)", scale: { type: "log" } };
  const colour = { field: "machine", type: "nominal", title: "machine", sort: machines.map((m) => m.machine), legend: { orient: "right" } };
  return chart({
    title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT + 60,
    layer: [
      {
        data: { values: roofs },
        mark: { type: "line", strokeWidth: 1.5, strokeDash: [6, 3] },
        encoding: { x, y, color: colour, detail: { field: "machine" }, description: { field: "text", type: "nominal" } },
      },
      {
        data: { values: dots },
        mark: { type: "point", filled: true, size: 80, shape: "diamond" },
        encoding: { x, y, color: colour, description: { field: "text", type: "nominal" } },
      },
    ],
  });
}

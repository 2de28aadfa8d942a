/**
 * The chart builders, rendered by Vega in Node as the report does: each draws one mark per datum
 * (counted in the SVG), compiles without a warning, and the roofline's geometry follows the
 * TPU paper's definition, worked out here by hand.
 */
import { describe, expect, it } from "vitest";
import { rooflinePoints } from "../../../src/io/report/pages/points.js";
import type { PerformancePoint } from "../../../src/io/report/points.js";
import { renderChart, titlesFromAriaLabels, type ChartSpec } from "../../../src/io/report/render-chart.js";
import { cycleStackChart } from "../../../src/io/report/specs/cycles.js";
import { pointBarChart, wantsLog } from "../../../src/io/report/specs/points.js";
import { intensityRange, roofLine, rooflineChart } from "../../../src/io/report/specs/roofline.js";
import { barChart, groupedBarChart, lineChart } from "../../../src/io/report/specs/series.js";
import { timelineChart } from "../../../src/io/report/specs/timeline.js";
import type { Timeline } from "../../../src/io/report/views.js";

/** Marks drawn in each mark group of a type ("line", "symbol", "rect"), summed over the groups. */
export function marks(svg: string, type: string): number {
  let n = 0;
  const open = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>`, "g");
  for (let m = open.exec(svg); m !== null; m = open.exec(svg)) {
    const body = svg.slice(m.index + m[0].length, svg.indexOf("</g>", m.index));
    n += (body.match(/<path\b/g) ?? []).length;
  }
  return n;
}

async function render(spec: ChartSpec): Promise<string> {
  const warnings: string[] = [];
  const svg = await renderChart(spec, (w) => warnings.push(w));
  expect(warnings).toEqual([]);
  return svg;
}

describe("chart builders", () => {
  it("line chart: a line per series and a dot per point, hover text on each", async () => {
    const points = [1, 2, 3].flatMap((x) => [
      { x, series: "train", value: 1 / x },
      { x, series: "test", value: 2 / x },
    ]);
    const svg = await render(lineChart(points, { title: "t", xTitle: "epoch", yTitle: "loss", series: ["train", "test"], xInteger: true }));
    expect(marks(svg, "line")).toBe(2);
    expect(marks(svg, "symbol")).toBe(6);
    expect(svg).toContain("<title>epoch 3: test 0.666667</title>");
  });

  it("bar, grouped bar and point bar charts: one bar per row", async () => {
    expect(marks(await render(barChart([{ category: "a", value: 1 }, { category: "b", value: 0.5 }], { title: "t", valueTitle: "v" })), "rect")).toBe(2);
    const grouped = Array.from({ length: 10 }, (_, d) => ["before", "after"].map((group) => ({ category: String(d), group, value: d / 10 }))).flat();
    expect(marks(await render(groupedBarChart(grouped, { title: "t", categoryTitle: "digit", valueTitle: "out", groups: ["before", "after"] })), "rect")).toBe(20);
    expect(marks(await render(pointBarChart([{ label: "4x4", value: 10 }, { label: "8x8", value: 1000 }], { title: "t", axis: "point", valueTitle: "cycles", format: "~s", log: true })), "rect")).toBe(2);
  });

  it("cycle stack: a segment per non-zero cause per bar", async () => {
    const svg = await render(
      cycleStackChart(
        [
          { label: "a", cycles: { busy: 10, weight_load: 5, drain: 0 } },
          { label: "b", cycles: { busy: 7, host_transfer: 1, non_matrix: 2 } },
        ],
        { title: "t", labelTitle: "x", valueTitle: "cycles" },
      ),
    );
    expect(marks(svg, "rect")).toBe(5);
    expect(svg).toContain("b — non_matrix: 2 cycles (20.0%)");
  });

  it("timeline: a bar per segment; the detail view keeps only the segments it overlaps", async () => {
    const t: Timeline = {
      label: "x", fromCycle: 0, cycles: 100, truncated: false, limitCycles: 1000,
      lanes: ["dma", "matrix", "matrix stall"], states: ["idle", "busy", "stalled", "drain"],
      segments: [[0, 0, 9, 1, 0], [1, 5, 9, 2, 1], [1, 10, 60, 1, 1], [2, 90, 99, 3, -1]],
      texts: { 0: "pc 0: RHM", 1: "pc 1: MMUL" },
    };
    expect(marks(await render(timelineChart(t)), "rect")).toBe(4);
    const detail = await render(timelineChart(t, [20, 95]));
    expect(marks(detail, "rect")).toBe(2);
    expect(detail).toContain("matrix busy: pc 1: MMUL; cycles 10–60 (51)");
  });

  it("log scale for values spanning 100x or more", () => {
    expect(wantsLog([1, 99])).toBe(false);
    expect(wantsLog([1, 100])).toBe(true);
    expect(wantsLog([0, 5])).toBe(false);
  });

  it("aria labels of marks become titles; other labels stay", () => {
    expect(titlesFromAriaLabels('<g aria-label="axis"><path aria-label="a &amp; b" d="M0"/></g>')).toBe('<g aria-label="axis"><path d="M0"><title>a &amp; b</title></path></g>');
  });
});

describe("roofline", () => {
  // Peak 2 TOPS, weight memory 0.1 TB/s: the ridge is at 2 / 0.1 = 20 ops per byte.
  it("is the lesser of the compute roof and intensity x bandwidth", () => {
    expect(roofLine(2, 0.1, [1, 1000])).toEqual([
      { intensity: 1, tops: 0.1 },
      { intensity: 20, tops: 2 },
      { intensity: 1000, tops: 2 },
    ]);
  });

  const point = (o: Partial<PerformancePoint>): PerformancePoint => ({
    label: "8x8", rows: 8, cols: 8, cycles: 100, utilization: 0.5, tops: 0.064, macs: 3200, matrixBusyCycles: 50, stalls: {},
    weightMemoryReadBytes: 160, peakMacsPerCycle: 64, weightBytesPerCycle: 16, clockMHz: 1000, ...o,
  });

  it("places a point at 2 x MACs / weight bytes and puts it under its machine's roofs", async () => {
    const [p] = rooflinePoints([point({})]);
    // 2 * 3200 / 160 = 40 ops per byte; peak 2 * 64 MACs * 1e9 Hz = 0.128 TOPS; 16 B * 1e9 Hz = 0.016 TB/s.
    expect(p).toMatchObject({ intensity: 40, tops: 0.064, machine: "8x8" });
    expect(p.peakTops).toBeCloseTo(0.128, 12);
    expect(p.weightTBps).toBeCloseTo(0.016, 12);
    expect(intensityRange([p])).toEqual([Math.min(40, 0.128 / 0.016) / 4, 40 * 4]);
  });

  it("leaves out points without weight traffic; one roof per machine", async () => {
    const pts = rooflinePoints([point({}), point({ label: "16x16", rows: 16, cols: 16, peakMacsPerCycle: 256 }), point({ label: "idle", weightMemoryReadBytes: 0 })]);
    expect(pts.map((p) => p.label)).toEqual(["8x8", "16x16"]);
    const svg = await render(rooflineChart(pts, "t"));
    expect(marks(svg, "line")).toBe(2);
    expect(marks(svg, "symbol")).toBe(2);
  });
});

/**
 * Every kind of report page built in Node from real job results (or, for sweeps, tables of points
 * and attacks, from hand-made results of the documented shape): the charts compile without one
 * warning, and each page has the sections its kind promises.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../../src/config/hw-config.js";
import { loadMnist } from "../../../src/data/mnist.js";
import { buildReport } from "../../../src/io/report/build-report.js";
import type { PerformancePoint } from "../../../src/io/report/points.js";
import type { ReportSource } from "../../../src/io/report/sources.js";
import { readProgramFile } from "../../../src/jobs/program-file.js";
import { pointTotals } from "../../../src/jobs/topology-sweep.js";
import { runTopologyPoint, type TopologyRow } from "../../../src/jobs/topology.js";
import { loadTopology } from "../../../src/workloads/topology.js";
import { runProgram } from "../../../src/jobs/run-program.js";
import { train } from "../../../src/jobs/train.js";
import { loadWorkload } from "../../../src/workloads/spec.js";

const hw = buildHwConfig("small", { rows: 8, cols: 8 });

async function page(source: ReportSource): Promise<string> {
  const warnings: string[] = [];
  const html = await buildReport(source, { onWarning: (w) => warnings.push(w) });
  expect(warnings).toEqual([]);
  return html;
}

/** Sections and charts, in page order. */
const ids = (html: string) => [...html.matchAll(/<(?:section|figure class="chart[^"]*")[^>]* id="([^"]+)"/g)].map((m) => m[1]);

const stalls = { weight_load: 1, weight_shift: 2, data_dependency: 3, host_transfer: 4, non_matrix: 5, drain: 6 };
const point = (label: string, i: number): PerformancePoint => ({
  label, rows: 8 << i, cols: 8 << i, cycles: 1000 >> i, utilization: 0.5 / (i + 1), tops: 0.01 * (i + 1), macs: 5000, matrixBusyCycles: 500 >> i,
  stalls, weightMemoryReadBytes: 400, peakMacsPerCycle: 64 << (2 * i), weightBytesPerCycle: 16, clockMHz: 700,
});

describe("report pages", () => {
  it("run (detailed): summary, array view, cycles, timeline", async () => {
    const r = await runProgram({ program: readProgramFile(join(import.meta.dirname, "../../../examples/matmul-8x8.s")), hw, mode: "detailed", views: { array: { region: { r0: 0, r1: 8, c0: 0, c1: 8 }, from: 0, to: Infinity } } });
    const html = await page({ command: "run", program: "matmul-8x8.s", mode: "detailed", hardware: hw, stats: r.stats, timeline: r.timeline, arrayView: r.arrayView });
    expect(ids(html)).toEqual(["summary", "array-view", "cycles", "chart-cycles", "chart-units", "timeline", "chart-timeline"]);
    expect(html).toContain('<script type="application/json" id="array-view-data">');
  });

  it("run (fast): no array view, and the page says how to get one", async () => {
    const r = await runProgram({ program: readProgramFile(join(import.meta.dirname, "../../../examples/matmul-8x8.s")), hw, mode: "fast", views: {} });
    const html = await page({ command: "run", program: "p.s", mode: "fast", hardware: hw, stats: r.stats, timeline: r.timeline, arrayView: r.arrayView });
    expect(ids(html)).not.toContain("array-view");
    expect(html).toContain("run with --mode detailed");
  });

  it("train: summary, learning curves, cycles, timeline with its detail view, weight images", async () => {
    const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16 };
    const r = await train({ spec, hw, mode: "fast", epochs: 1, train: loadMnist("train", { limit: 48 }), evaluate: false, views: true });
    const html = await page({ command: "train", ...r });
    expect(ids(html)).toEqual([
      "summary", "learning", "chart-loss-window", "chart-accuracy-window", "chart-loss-epoch", "chart-accuracy-epoch",
      "cycles", "chart-cycles", "chart-units", "timeline", "chart-timeline", "chart-timeline-detail", "weights",
    ]);
    expect(html.match(/<img /g)).toHaveLength(16);
  });

  it("a table of points (the topology adapter's way in): per-layer charts and a single roofline", async () => {
    const points = ["conv1", "fc1"].map((l) => ({ ...point(l, 0), label: l }));
    const html = await page({ command: "points", title: "Topology", subtitle: "layers", axis: "layer", points });
    expect(html).toContain("Cycles per layer");
    expect(ids(html)).toEqual(["summary", "cycles", "chart-points-cycles", "chart-points-utilization", "chart-points-stalls", "roofline", "chart-roofline", "table"]);
  });

  it("topology: a bar per layer, the layers' energy in the table, each point's whole network in the summary", async () => {
    const topology = loadTopology(join(import.meta.dirname, "../../fixtures/topologies/tiny-conv.csv"));
    const at = (index: number, size: number) => runTopologyPoint({ point: { index, rows: size, cols: size, params: {}, label: "" }, hw: buildHwConfig("small", { rows: size, cols: size, dtype: "int8" }), topology, mode: "fast", seed: 1, maxCycles: undefined });
    const source = (rows: TopologyRow[]) => ({ command: "topology" as const, topology: "tiny-conv.csv", format: "conv", mode: "fast", preset: "small", dtype: "int8", total: 2, vary: [], rows, totals: pointTotals(rows) });
    const one = await at(0, 8);
    const html = await page(source(one));
    expect(ids(html)).toEqual(["summary", "cycles", "chart-points-cycles", "chart-points-utilization", "chart-points-stalls", "roofline", "chart-roofline", "table"]);
    expect(html).toContain("Cycles per layer");
    expect(html).toContain("<title>Topology tiny-conv.csv</title>");
    const table = html.slice(html.indexOf('id="points-table"'));
    const cells = [...table.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual(["stem", "7", "wide"]);
    expect(table).toContain("<th>energy per inference</th><th>TOPS/W</th>");
    expect(html).toMatch(/8x8: the whole network \(3 layers, each run once\) takes [\d,]+ cycles .* energy per inference [\d.]+ µJ/);
    // Two machines: each bar names its machine; layers of one name are told apart by number.
    const two = [...one, ...(await at(1, 4))].map((r) => (r.layer === 1 ? { ...r, name: "stem" } : r));
    const both = await page(source(two));
    const labels = [...both.slice(both.indexOf('id="points-table"')).matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(labels).toEqual(["8x8 0 stem", "8x8 1 stem", "8x8 2 wide", "4x4 0 stem", "4x4 1 stem", "4x4 2 wide"]);
  });

  it("sweep: log-scale cycles when they span 100x", async () => {
    const rows = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ point: i, params: {}, loss: 1, testAccuracy: null, ...point(`${8 << i}x${8 << i}`, i), cycles: 10 ** i }));
    const html = await page({ command: "sweep", workload: "w", mode: "fast", total: 8, vary: [], rows });
    expect(html).toContain("Cycles per point (log scale)");
  });

  it("adversarial (one image and an epsilon sweep) and fool", async () => {
    const machine = hw;
    const pixels = Array.from({ length: 784 }, (_, i) => (i % 28) / 28);
    const outputs = Array.from({ length: 10 }, (_, d) => d / 10);
    const cycles = { inputGradient: 10, inference: 5 };
    const single = await page({
      command: "adversarial", workload: "w", hardware: machine, index: 0, label: 7, target: null, epsilon: 0.1, steps: 1,
      originalPixels: pixels, perturbedPixels: pixels.map((p) => Math.min(1, p + 0.1)), originalOutputs: outputs, perturbedOutputs: [...outputs].reverse(),
      originalPrediction: 9, perturbedPrediction: 0, linf: 0.1, success: true, cycles,
    });
    expect(ids(single)).toEqual(["summary", "outputs", "chart-outputs"]);
    expect(single.match(/<img [^>]*src="data:image\/png;base64,/g)).toHaveLength(3);
    const sweep = await page({
      command: "adversarial", workload: "w", hardware: machine, images: 10, steps: 1, target: 3, cleanAccuracy: 0.9, cycles,
      rows: [0.1, 0.2].map((epsilon) => ({ epsilon, attacked: 9, succeeded: 3, successRate: 1 / 3, accuracy: 0.6, meanLinf: epsilon })),
    });
    expect(ids(sweep)).toEqual(["summary", "chart-epsilon"]);
    const fool = await page({
      command: "fool", workload: "w", hardware: machine, target: 4, seed: 1, steps: 3, reached: true, noisePixels: pixels, patternPixels: pixels,
      noiseOutputs: outputs, outputs, predicted: 4, confidence: 0.95, normalized: 0.5, history: [0.1, 0.5, 0.95], cycles,
    });
    expect(ids(fool)).toEqual(["summary", "outputs", "chart-outputs", "chart-history"]);
  });
});

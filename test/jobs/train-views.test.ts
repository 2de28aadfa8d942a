/**
 * What `train` collects for reports: step windows whose figures add up to the run's, the first
 * step's timeline against that step's statistics, and first-layer weight images read back against
 * the parameters.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { loadMnist } from "../../src/data/mnist.js";
import { unpackArray } from "../../src/io/report/views.js";
import { evaluateWeights } from "../../src/jobs/eval.js";
import { MAX_STEP_WINDOWS, train } from "../../src/jobs/train.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 8 };
const hw = buildHwConfig("tpu-v2", { rows: 8, cols: 8 });
const set = loadMnist("train", { limit: 8 * 201 });
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe("train views", () => {
  it("step windows cover every step once and add up to the run's figures", async () => {
    const r = await train({ spec, hw, mode: "fast", epochs: 1, train: set, evaluate: false });
    // 201 steps, at most 100 windows: windows of ceil(201 / 100) = 3 steps, 67 of them.
    expect(MAX_STEP_WINDOWS).toBe(100);
    expect(r.steps).toBe(201);
    expect(r.stepWindow).toBe(3);
    expect(r.windows.map((w) => [w.firstStep, w.steps])).toEqual(Array.from({ length: 67 }, (_, i) => [1 + 3 * i, 3]));
    expect(sum(r.windows.map((w) => w.stats.cycles))).toBe(r.stats.cycles);
    expect(sum(r.windows.map((w) => w.stats.macs))).toBe(r.stats.macs);
    expect(sum(r.windows.map((w) => w.stats.stalls.host_transfer))).toBe(r.stats.stalls.host_transfer);
    expect(sum(r.windows.map((w) => w.stats.unitBusyCycles.vector))).toBe(r.stats.unitBusyCycles.vector);
    // Without views nothing else is collected.
    expect(r.timeline).toBeNull();
    expect(r.firstLayer).toBeNull();
  });

  it("the mean of the window losses is the epoch's loss; and the accuracy the epoch's accuracy", async () => {
    const r = await train({ spec, hw, mode: "fast", epochs: 1, train: loadMnist("train", { limit: 8 * 5 }), evaluate: false, maxSteps: 5 });
    expect(r.windows.map((w) => w.steps)).toEqual([1, 1, 1, 1, 1]);
    expect(r.windows.map((w) => w.loss).reduce((a, b) => a + b, 0) / 5).toBe(r.epochs[0].loss);
    expect(r.windows.reduce((a, w) => a + w.trainAccuracy * 8, 0) / 40).toBeCloseTo(r.epochs[0].trainAccuracy, 12);
  });

  it("views: the first step's timeline matches that step's statistics; weights come out as images", async () => {
    const r = await train({ spec, hw, mode: "fast", epochs: 1, train: loadMnist("train", { limit: 16 }), evaluate: false, views: true });
    const t = r.timeline;
    if (t === null || r.firstLayer === null) throw new Error("no views");
    const first = r.windows[0].stats;
    expect(t.fromCycle).toBe(0);
    expect(t.cycles).toBe(first.cycles);
    expect(t.truncated).toBe(false);
    const busy = (unit: string) => t.segments.filter((s) => t.lanes[s[0]] === unit && t.states[s[3]] === "busy").reduce((n, s) => n + s[2] - s[1] + 1, 0);
    for (const unit of ["dma", "weights", "activation", "vector"] as const) expect(busy(unit), unit).toBe(first.unitBusyCycles[unit]);

    const w = r.firstLayer;
    expect(w).toMatchObject({ height: 28, width: 28, count: 16, total: 16 });
    const px = unpackArray(w.pixels);
    const m = r.params[0];
    for (const unit of [0, 7, 15]) {
      const row = Array.from(m.subarray(unit * 785, unit * 785 + 784));
      const scale = Math.max(...row.map(Math.abs));
      expect(w.scales[unit]).toBe(scale);
      for (const p of [0, 100, 406, 783]) expect(px[unit * 784 + p]).toBe(Math.round((127 * row[p]) / scale));
    }
  });

  it("eval views: the timeline of the first batch", async () => {
    const params = (await train({ spec, hw, mode: "fast", epochs: 1, train: loadMnist("train", { limit: 8 }), evaluate: false })).params;
    const r = await evaluateWeights({ spec, hw, params, mode: "fast", test: loadMnist("test", { limit: 20 }), views: true });
    const t = r.timeline;
    if (t === null) throw new Error("no timeline");
    // 20 images in batches of 8: three identical inference runs, the first one recorded.
    expect(t.cycles * 3).toBe(r.stats.cycles);
    expect(t.label).toContain("8 images");
  });
});

/**
 * No shipped workload's program beats its lower bound: every workload's training step and inference
 * program at several array sizes, and GEMMs of several shapes, run once in fast mode. Sizes are
 * chosen so the file stays a few seconds on two cores; `npm run bench -- --only bound` measures the
 * whole table (docs/BOUND.md).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileInference, compileTrainingStep } from "../../src/compiler/index.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { measureBound } from "../../src/jobs/program-bound.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const WORKLOADS = readdirSync("workloads").filter((f) => f.endsWith(".json")).sort();

/** Array sizes per workload: the MNIST ones everywhere cheap, the TPU v1 MLPs (inference) on big arrays. */
function arraysFor(file: string): { train: string[]; inference: string[] } {
  if (file.startsWith("tpu-v1")) return { train: [], inference: file === "tpu-v1-mlp1.json" ? ["128x128", "256x256"] : ["256x256"] };
  if (file === "mnist-784-16-16-10.json") return { train: ["8x8", "16x16", "128x128", "256x256"], inference: ["8x8", "256x256"] };
  return { train: ["16x16", "128x128"], inference: ["16x16"] };
}

describe("shipped workloads never beat their bound", () => {
  for (const file of WORKLOADS) {
    const { train, inference } = arraysFor(file);
    const cases = [...train.map((a) => ["train", a] as const), ...inference.map((a) => ["inference", a] as const)];
    it.each(cases)(`${file}: %s at %s`, (kind, array) => {
      const spec = loadWorkload(`workloads/${file}`);
      const hw = resolveHardware({ array }, spec.hardware);
      const compiled = kind === "train" ? compileTrainingStep(spec, hw) : compileInference(spec, hw);
      const r = measureBound(compiled.program, hw);
      expect(r.bound.cycles, `${r.bound.binding}: ${JSON.stringify(r.bound.terms)}`).toBeLessThanOrEqual(r.cycles);
      expect(r.bound.cycles).toBeGreaterThan(0.5 * r.cycles); // and not vacuous
    });
  }
});

describe("the steady training steps never beat their bound, either gradient form (gradient-form.ts)", () => {
  const cases = WORKLOADS.filter((f) => f.startsWith("mnist-") && !f.includes("cnn")).flatMap((f) =>
    ["16x16", "128x128"].flatMap((array) => (["transposed", "auto"] as const).map((form) => [f, array, form] as const)),
  );
  it.each(cases)("%s at %s, %s", (file, array, form) => {
    const spec = loadWorkload(`workloads/${file}`);
    const hw = resolveHardware({ array }, spec.hardware);
    const compiled = compileTrainingStep(spec, hw, { gradientForm: form, prefetch: { parity: 1, loadOwn: false } });
    if (form === "transposed") expect(compiled.weights.every((w) => w.transposed)).toBe(true);
    const r = measureBound(compiled.program, hw);
    expect(r.bound.cycles, `${r.bound.binding}: ${JSON.stringify(r.bound.terms)}`).toBeLessThanOrEqual(r.cycles);
    expect(r.bound.cycles).toBeGreaterThan(0.5 * r.cycles);
  });
});

describe("GEMMs never beat their bound", () => {
  const shapes = [
    { m: 1, k: 1, n: 1 },
    { m: 37, k: 20, n: 9 },
    { m: 256, k: 300, n: 70 },
    { m: 1000, k: 64, n: 64 },
  ];
  const machines = [
    buildHwConfig("small"),
    buildHwConfig("small", { rows: 16, cols: 4, weightFifoTiles: 1, unifiedBufferReadPorts: 1, accumulatorReadPorts: 1 }),
    buildHwConfig("tpu-v2", { rows: 32, cols: 32 }),
    buildHwConfig("tpu-v1", { rows: 16, cols: 16 }),
  ];
  it.each(machines.flatMap((hw) => shapes.map((s) => [hw, s] as const)))("%#", (hw, { m, k, n }) => {
    const a = new Float32Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    const layout = compileMatmul(a, m, k, b, n, hw);
    const r = measureBound(layout.program, hw);
    expect(r.bound.cycles, `${hw.rows}x${hw.cols} ${m}x${k}x${n}: ${JSON.stringify(r.bound.terms)}`).toBeLessThanOrEqual(r.cycles);
    expect(r.bound.cycles).toBeGreaterThan(0.5 * r.cycles);
  });
});

/**
 * End to end: compile a training step, run it in the independent ISA interpreter, and require every
 * activation, delta, gradient and updated parameter to equal the golden same-numerics step bit for bit.
 */
import { describe, expect, it } from "vitest";
import { compileInference, compileTrainingStep, verifyCompiled } from "../../src/compiler/index.js";
import type { CompiledProgram, TrainingStepOptions } from "../../src/compiler/index.js";
import { predictInt8, predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { toInt8 } from "../../src/numerics/int8.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";
import { firstDifference, grid, makeSpec, randomImages, randomLabels, runCompiled } from "./harness.js";

function expectBitEqual(what: string, got: Float32Array[], want: Float32Array[]): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, l) => expect(firstDifference(g, want[l]), `${what} of layer ${l}`).toBeUndefined());
}

function expectStepMatchesGolden(
  spec: WorkloadSpec,
  rows: number,
  cols: number,
  overrides: Record<string, unknown> = {},
  opts: TrainingStepOptions = {},
): CompiledProgram {
  const hw = grid(rows, cols, overrides);
  const c = compileTrainingStep(spec, hw, { check: true, ...opts });
  verifyCompiled(c);
  const params = initParameters(spec);
  const images = randomImages(spec.batch, spec.inputs, spec.seed + 1);
  const labels = randomLabels(spec.batch, spec.layers[spec.layers.length - 1].units, spec.seed + 2);
  const got = runCompiled(c, params, images, labels);
  const want = trainStepSameNumerics(spec, params, images, labels);
  // Guard against passing vacuously: the program did the products, and something changed.
  const macs = spec.layers.reduce((s, l, i) => s + spec.batch * l.units * ((i === 0 ? spec.inputs : spec.layers[i - 1].units) + 1), 0);
  expect(got.machine.stats.macs).toBe(macs * 2 + spec.layers.slice(1).reduce((s, l, i) => s + spec.batch * l.units * spec.layers[i].units, 0));
  expect(firstDifference(got.params[0], params[0])).toBeDefined();
  expectBitEqual("activation", got.activations, want.activations);
  expectBitEqual("delta", got.deltas, want.deltas);
  expectBitEqual("gradient", got.gradients, want.gradients);
  expectBitEqual("parameter", got.params, want.params);
  expect(firstDifference(got.outputs, want.activations[spec.layers.length - 1])).toBeUndefined();
  return c;
}

const GRIDS: [number, number][] = [
  [3, 5],
  [7, 7],
  [16, 16],
  [128, 128],
  [64, 96],
];
const NETWORKS: [string, [number, LayerActivation][]][] = [
  ["sigmoid 7-5-3", [[7, "sigmoid"], [5, "sigmoid"], [3, "sigmoid"]]],
  ["relu 7-5-3", [[7, "relu"], [5, "relu"], [3, "sigmoid"]]],
  ["mixed 7-5-3", [[7, "relu"], [5, "identity"], [3, "identity"]]],
];

describe("compiled training step equals the golden step bit for bit", () => {
  for (const [name, layers] of NETWORKS) {
    for (const [r, c] of GRIDS) {
      it(`${name}, inputs 20, batch 6, on ${r}x${c}`, () => {
        expectStepMatchesGolden(makeSpec(20, layers, 6), r, c);
      });
    }
  }

  it("with a tiny accumulator space (n-tiles drained in groups, slots reused)", () => {
    const spec = makeSpec(20, [[13, "sigmoid"], [11, "relu"], [3, "sigmoid"]], 5);
    // 2x2 grid: 7 n-tiles of the first layer but only 3 slots of 5 rows; gradients need 13 rows per column tile.
    const c = expectStepMatchesGolden(spec, 2, 2, { accumulatorRows: 16, weightFifoTiles: 2 });
    expect(c.memory.accumulatorRows).toBeLessThanOrEqual(16);
  });

  it("batch larger than the array rows (several b-tiles per gradient) on 4x3 with FIFO depth 1", () => {
    expectStepMatchesGolden(makeSpec(9, [[4, "sigmoid"], [2, "sigmoid"]], 11), 4, 3, { weightFifoTiles: 1 });
  });

  it.each([[3, 5], [8, 8]])("softmax cross-entropy (VSMX + VEC sub), identity logits, on %ix%i", (r, c) => {
    const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [4, "identity"]], 6, { loss: "softmax-cross-entropy", learningRate: 0.5 });
    const compiled = expectStepMatchesGolden(spec, r, c);
    expect(compiled.program.instructions.filter((i) => i.op === "VSMX")).toHaveLength(1);
  });

  it("MNIST-shaped 784-16-16-10, batch 32, on 16x16", () => {
    const spec = makeSpec(784, [[16, "sigmoid"], [16, "sigmoid"], [10, "sigmoid"]], 32);
    const c = expectStepMatchesGolden(spec, 16, 16);
    expect(c.host.inputStride).toBe(785);
  });
});

/**
 * The transposed gradient (gradient-form.ts): G^T = X^T · delta with delta stationary, M_l stored
 * transposed. The golden model sums each weight's B products in batch order; so must this form.
 */
describe("the transposed gradient equals the golden step bit for bit", () => {
  const transposedLayers = (c: CompiledProgram) => c.weights.map((w) => w.transposed === true);
  const SMALL: [number, number][] = [[1, 1], [2, 2], [3, 5], [4, 3], [5, 4], [8, 8], [16, 16], [128, 128]];
  for (const [r, c] of SMALL) {
    it(`every layer, sigmoid/relu 20-7-5-3, batch 6, on ${r}x${c} (the self-loading prefetching step: X0 whole)`, () => {
      const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [3, "sigmoid"]], 6, { learningRate: 0.5 });
      const compiled = expectStepMatchesGolden(spec, r, c, {}, { gradientForm: "transposed", prefetch: { parity: 0, loadOwn: true } });
      expect(transposedLayers(compiled)).toEqual([true, true, true]);
      // X_l^T by VTR, no delta transposes: one VTR per layer.
      expect(compiled.program.instructions.filter((i) => i.op === "VTR")).toHaveLength(3);
    });
  }

  it("batch larger than the rows (several delta k-tiles accumulate) with blocks of X^T rows, FIFO depth 1", () => {
    const spec = makeSpec(70, [[9, "sigmoid"], [4, "identity"]], 11, { learningRate: 0.25 });
    const compiled = expectStepMatchesGolden(spec, 4, 3, { weightFifoTiles: 1 }, { gradientForm: "transposed", prefetch: { parity: 0, loadOwn: true } });
    expect(transposedLayers(compiled)).toEqual([true, true]);
    // Layer 0's 71 rows of X^T in blocks of at least 2(R+C) = 14 rows: more than one VSGD.
    const m0 = compiled.weights[0];
    const vsgds = compiled.program.instructions.filter((i) => i.op === "VSGD" && i.f.wm >= m0.address && i.f.wm < m0.address + m0.rows * m0.cols);
    expect(vsgds.length).toBeGreaterThan(3);
  });

  it("some layers only, softmax cross-entropy, on 8x8", () => {
    const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [4, "identity"]], 6, { loss: "softmax-cross-entropy", learningRate: 0.5 });
    const compiled = expectStepMatchesGolden(spec, 8, 8, {}, { gradientForm: [false, true, false], prefetch: { parity: 0, loadOwn: true } });
    expect(transposedLayers(compiled)).toEqual([false, true, false]);
  });

  it("X0 in k-tile strips keeps layer 0 plain; the others transposed", () => {
    const spec = makeSpec(40, [[7, "sigmoid"], [5, "sigmoid"]], 6);
    const compiled = expectStepMatchesGolden(spec, 8, 8, {}, { gradientForm: "transposed" });
    expect(transposedLayers(compiled)).toEqual([false, true]);
  });

  it("MNIST-shaped 784-16-16-10, batch 32, on 16x16, every layer", () => {
    const spec = makeSpec(784, [[16, "sigmoid"], [16, "sigmoid"], [10, "sigmoid"]], 32);
    const compiled = expectStepMatchesGolden(spec, 16, 16, {}, { gradientForm: "transposed", prefetch: { parity: 0, loadOwn: true } });
    expect(transposedLayers(compiled)).toEqual([true, true, true]);
  });
});

describe("compiled inference", () => {
  it("bf16 outputs equal predictSameNumerics", () => {
    const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [3, "identity"]], 6);
    const c = compileInference(spec, grid(3, 5), undefined, { check: true });
    expect(c.kind).toBe("inference");
    const params = initParameters(spec);
    const images = randomImages(6, 20, 3);
    const got = runCompiled(c, params, images);
    expect(firstDifference(got.outputs, predictSameNumerics(spec, params, images, 6).outputs)).toBeUndefined();
    expect(c.program.instructions.some((i) => i.op === "VSGD" || i.op === "RDWU")).toBe(false);
  });

  it("int8 outputs equal predictInt8 (ACT scales and constant lanes from the plan)", () => {
    const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [3, "identity"]], 6);
    const params = initParameters(spec);
    const images = randomImages(6, 20, 4);
    const plan = quantizeForInference(spec, params, { images, count: 6 });
    const int8 = plan.layers.map((p) => ({ inScale: p.inScale, outScale: p.outScale, biasLane: p.biasInput }));
    const hw = grid(5, 3, { dtype: "int8" });
    const c = compileInference(spec, hw, int8, { check: true });
    const got = runCompiled(c, plan.layers.map((p) => p.qweights), images, undefined, {
      pixel: (x) => toInt8(Math.fround(x * plan.pixelMultiplier)),
      biasLane: plan.layers[0].biasInput,
    });
    const want = predictInt8(spec, plan, images, 6);
    expect(firstDifference(got.outputs, want.outputs)).toBeUndefined();
    expect(new Set(plan.layers.map((p) => p.biasInput)).size).toBeGreaterThan(0);
  });
});

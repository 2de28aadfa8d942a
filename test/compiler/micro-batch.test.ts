/**
 * Batches larger than the buffers (micro-batch.ts, graph.ts, graph-backward.ts, tile.ts): a batch
 * whose activations do not fit the unified buffer runs in micro-batches, and its training step sums
 * the gradients of all micro-batches in the accumulators before one SGD update; vectors that do not
 * fit the accumulators run in blocks. In the independent ISA interpreter every result equals the
 * same-numerics golden model of the WHOLE batch, bit for bit.
 */
import { describe, expect, it } from "vitest";
import { allocate } from "../../src/compiler/allocate.js";
import { buildGraph } from "../../src/compiler/graph.js";
import { compileInference, compileInputGradient, compileTrainingStep, verifyCompiled } from "../../src/compiler/index.js";
import type { CompiledProgram } from "../../src/compiler/index.js";
import { planMicroBatch } from "../../src/compiler/micro-batch.js";
import { tileMatmuls } from "../../src/compiler/tile.js";
import { inputGradientSameNumerics, predictInt8, predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { toInt8 } from "../../src/numerics/int8.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { WorkloadSpec } from "../../src/workloads/types.js";
import { stackSpec } from "./conv-harness.js";
import { firstDifference, grid, makeSpec, randomImages, randomLabels, runCompiled } from "./harness.js";

/** Host rows of a compiled program's output (the unified buffer only holds the last micro-batch). */
function hostBlock(c: CompiledProgram, host: ArrayLike<number>, address: number, stride: number, cols: number): Float32Array {
  const out = new Float32Array(c.batch * cols);
  for (let b = 0; b < c.batch; b++) for (let j = 0; j < cols; j++) out[b * cols + j] = host[address + b * stride + j];
  return out;
}

function expectStepMatchesWholeBatch(spec: WorkloadSpec, overrides: Record<string, unknown>, rows = 4, cols = 4): CompiledProgram {
  const c = compileTrainingStep(spec, grid(rows, cols, overrides), { check: true });
  verifyCompiled(c);
  expect(c.microBatch, "the batch is split").toBeLessThan(spec.batch);
  const params = initParameters(spec);
  const images = randomImages(spec.batch, spec.inputs, 41);
  const labels = randomLabels(spec.batch, spec.layers.at(-1)!.units, 42);
  const got = runCompiled(c, params, images, labels);
  const want = trainStepSameNumerics(spec, params, images, labels);
  const nOut = spec.layers.at(-1)!.units;
  expect(firstDifference(hostBlock(c, got.machine.host, c.host.output, c.host.outputStride, nOut), want.activations.at(-1)!), "outputs").toBeUndefined();
  spec.layers.forEach((_, l) => {
    expect(firstDifference(got.gradients[l], want.gradients[l]), `gradient ${l}`).toBeUndefined();
    expect(firstDifference(got.params[l], want.params[l]), `parameters ${l}`).toBeUndefined();
  });
  expect(firstDifference(got.params[0], params[0]), "the step moved the weights").toBeDefined();
  return c;
}

describe("a training step in micro-batches equals the whole batch's step", () => {
  it("dense 20-7-5-3, batch 23, a unified buffer for a few samples, on 4x4", () => {
    const c = expectStepMatchesWholeBatch(makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 23), { unifiedBufferBytes: 1024 });
    // 23 samples in turns of b: every micro-batch reads its own host rows (in 4-column strips), the last one fewer.
    const inputs = c.program.instructions.filter((i) => i.op === "RHM" && i.comment === "input X0 from host, k-tile strip 1");
    expect(inputs).toHaveLength(Math.ceil(23 / c.microBatch));
    expect(inputs.at(-1)!.f.rows).toBe(23 - (inputs.length - 1) * c.microBatch);
    // One SGD update per weight column tile: only the last micro-batch drains the gradients.
    expect(c.program.instructions.filter((i) => i.op === "VSGD")).toHaveLength(6 + 2 + 2);
  });

  it("softmax cross-entropy (delta scaled by 1/B of the whole batch), on 3x5", () => {
    const spec = makeSpec(12, [[6, "relu"], [4, "identity"]], 17, { loss: "softmax-cross-entropy" });
    expectStepMatchesWholeBatch(spec, { unifiedBufferBytes: 512 }, 3, 5);
  });

  it("two convolutions, then dense: the gradients of every layer, positions included, accumulate across micro-batches", () => {
    const spec = stackSpec(2 * 7 * 7, [
      { type: "conv", kernel: 3, channels: 3, stride: 1, padding: 1, activation: "relu", input: { height: 7, width: 7, channels: 2 } },
      { type: "conv", kernel: 3, channels: 2, stride: 2, padding: 0, activation: "sigmoid" },
      { units: 3, activation: "sigmoid" },
    ], { batch: 5 });
    expectStepMatchesWholeBatch(spec, { unifiedBufferBytes: 12288 });
  });

  it("the micro-batch is the most samples that fit: one more does not", () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 40);
    const hw = grid(4, 4, { unifiedBufferBytes: 2048 });
    const b = planMicroBatch(spec, hw, { kind: "train-step" });
    expect(b).toBeGreaterThan(1);
    expect(b).toBeLessThan(40);
    const placed = (micro: number) => allocate(tileMatmuls(buildGraph(spec, hw, { kind: "train-step", microBatch: micro }), hw), hw);
    expect(() => placed(b)).not.toThrow();
    expect(() => placed(b + 1)).toThrow(/does not fit the unified buffer/);
  });

  it("gradients that cannot stay in the accumulators between micro-batches are a UserInputError", () => {
    const spec = makeSpec(20, [[30, "sigmoid"], [3, "sigmoid"]], 40);
    // 30 units x 6 column tiles of 4 (21 columns) for layer 0, 3 x 8 (31 columns) for layer 1.
    expect(() => compileTrainingStep(spec, grid(4, 4, { unifiedBufferBytes: 4096, accumulatorRows: 160 }))).toThrow(
      /^field accumulatorRows: the batch runs in micro-batches, so the gradients of all layers stay in the accumulators between them: that needs 204 accumulator rows/,
    );
  });
});

describe("inference and input gradients in micro-batches", () => {
  const spec = makeSpec(20, [[7, "relu"], [5, "sigmoid"], [3, "identity"]], 21);
  const images = randomImages(21, 20, 43);

  it("bf16 outputs equal predictSameNumerics", () => {
    const c = compileInference(spec, grid(3, 5, { unifiedBufferBytes: 512 }), undefined, { check: true });
    expect(c.microBatch).toBeLessThan(21);
    const params = initParameters(spec);
    const got = runCompiled(c, params, images);
    expect(firstDifference(got.outputs, predictSameNumerics(spec, params, images, 21).outputs)).toBeUndefined();
  });

  it("int8 outputs equal predictInt8", () => {
    const params = initParameters(spec);
    const plan = quantizeForInference(spec, params, { images, count: 21 });
    const int8 = plan.layers.map((p) => ({ inScale: p.inScale, outScale: p.outScale, biasLane: p.biasInput }));
    const c = compileInference(spec, grid(5, 3, { dtype: "int8", unifiedBufferBytes: 256 }), int8, { check: true });
    expect(c.microBatch).toBeLessThan(21);
    const got = runCompiled(c, plan.layers.map((p) => p.qweights), images, undefined, {
      pixel: (x) => toInt8(Math.fround(x * plan.pixelMultiplier)),
      biasLane: plan.layers[0].biasInput,
    });
    expect(firstDifference(got.outputs, predictInt8(spec, plan, images, 21).outputs)).toBeUndefined();
  });

  it("the input gradient equals inputGradientSameNumerics", () => {
    const c = compileInputGradient(spec, grid(4, 4, { unifiedBufferBytes: 1024 }), { check: true });
    expect(c.microBatch).toBeLessThan(21);
    const params = initParameters(spec);
    const targets = randomLabels(21, 3, 44);
    const got = runCompiled(c, params, images, targets);
    const want = inputGradientSameNumerics(spec, params, images, targets);
    expect(firstDifference(hostBlock(c, got.machine.host, c.host.inputGradient!, c.host.inputGradientStride!, 20), want.inputGradient)).toBeUndefined();
  });
});

describe("vectors that do not fit the accumulators run in blocks", () => {
  it("a batch of 40 with 32 accumulator rows: training step equals the golden model", () => {
    const spec = makeSpec(6, [[5, "sigmoid"], [3, "sigmoid"]], 40);
    const c = compileTrainingStep(spec, grid(2, 2, { accumulatorRows: 32 }), { check: true });
    expect(c.microBatch).toBe(40);
    const params = initParameters(spec);
    const images = randomImages(40, 6, 45);
    const labels = randomLabels(40, 3, 46);
    const got = runCompiled(c, params, images, labels);
    const want = trainStepSameNumerics(spec, params, images, labels);
    spec.layers.forEach((_, l) => {
      expect(firstDifference(got.activations[l], want.activations[l]), `activation ${l}`).toBeUndefined();
      expect(firstDifference(got.params[l], want.params[l]), `parameters ${l}`).toBeUndefined();
    });
  });

  it("a layer of 40 units with 32 accumulator rows: its gradient in blocks of units", () => {
    const spec = makeSpec(4, [[40, "sigmoid"], [3, "sigmoid"]], 3);
    const c = compileTrainingStep(spec, grid(4, 4, { accumulatorRows: 32 }), { check: true });
    const params = initParameters(spec);
    const images = randomImages(3, 4, 47);
    const labels = randomLabels(3, 3, 48);
    const got = runCompiled(c, params, images, labels);
    const want = trainStepSameNumerics(spec, params, images, labels);
    spec.layers.forEach((_, l) => expect(firstDifference(got.params[l], want.params[l]), `parameters ${l}`).toBeUndefined());
  });
});

/**
 * Convolution lowered onto the grid (graph-conv.ts): im2col gathers by DMA, the forward product in
 * row blocks of one image, the strided ACT into the dense layer's input, the gradient over every
 * position. Run in the independent ISA interpreter, a training step and an inference equal the
 * same-numerics golden model bit for bit, for odd kernels, strides 1 and 2, paddings 0 and 1, on
 * grids that divide none of the shapes.
 */
import { describe, expect, it } from "vitest";
import { buildGraph } from "../../src/compiler/graph.js";
import { compileInference, compileTrainingStep, emitAssembly, verifyCompiled } from "../../src/compiler/index.js";
import type { MatmulOp, TileStep } from "../../src/compiler/ir.js";
import { tileMatmuls } from "../../src/compiler/tile.js";
import { predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { initParameters } from "../../src/workloads/init.js";
import { convSpec, type ConvShape } from "./conv-harness.js";
import { firstDifference, grid, randomImages, randomLabels, runCompiled } from "./harness.js";

function expectConvStepMatchesGolden(shape: ConvShape, batch: number, rows: number, cols: number, overrides: Record<string, unknown> = {}) {
  const spec = convSpec(shape, [[3, "sigmoid"]], batch, { learningRate: 0.5 });
  const c = compileTrainingStep(spec, grid(rows, cols, overrides), { check: true });
  verifyCompiled(c);
  const params = initParameters(spec);
  const images = randomImages(batch, spec.inputs, 51);
  const labels = randomLabels(batch, 3, 52);
  const got = runCompiled(c, params, images, labels);
  const want = trainStepSameNumerics(spec, params, images, labels);
  // Not vacuous: the convolution fired somewhere and its weights moved.
  expect(want.activations[0].some((v) => v !== 0)).toBe(true);
  expect(firstDifference(got.params[0], params[0])).toBeDefined();
  for (let l = 0; l < 2; l++) {
    expect(firstDifference(got.activations[l], want.activations[l]), `activation ${l}`).toBeUndefined();
    expect(firstDifference(got.deltas[l], want.deltas[l]), `delta ${l}`).toBeUndefined();
    expect(firstDifference(got.gradients[l], want.gradients[l]), `gradient ${l}`).toBeUndefined();
    expect(firstDifference(got.params[l], want.params[l]), `parameters ${l}`).toBeUndefined();
  }
  return c;
}

const SHAPES: ConvShape[] = [];
for (const kernel of [3, 5]) {
  for (const stride of [1, 2]) {
    for (const padding of [0, 1]) SHAPES.push({ image: 9, kernel, channels: 5, stride, padding, activation: "relu" });
  }
}

describe("a convolution layer's training step equals the golden model bit for bit", () => {
  for (const shape of SHAPES) {
    for (const [r, c] of [[3, 5], [7, 7], [16, 16], [128, 128]] as const) {
      it(`kernel ${shape.kernel}, stride ${shape.stride}, padding ${shape.padding} on 9x9, 5 channels, batch 3, grid ${r}x${c}`, () => {
        expectConvStepMatchesGolden(shape, 3, r, c);
      });
    }
  }

  it("sigmoid convolution, accumulators for only 3 images at once (waves drain while the next computes)", () => {
    const shape: ConvShape = { image: 8, kernel: 3, channels: 4, stride: 1, padding: 1, activation: "sigmoid" };
    const c = expectConvStepMatchesGolden(shape, 7, 4, 3, { accumulatorRows: 6 * 64, weightFifoTiles: 2 });
    expect(c.memory.accumulatorRows).toBeLessThanOrEqual(6 * 64);
  });

  it("too few accumulator rows for two waves: one image at a time", () => {
    const shape: ConvShape = { image: 7, kernel: 3, channels: 7, stride: 1, padding: 0, activation: "relu" };
    expectConvStepMatchesGolden(shape, 3, 3, 3, { accumulatorRows: 60 });
  });

  it("two input channels (pixels interleaved per position): kernel 3, stride 2, padding 1 on 3x5", () => {
    expectConvStepMatchesGolden({ image: 7, kernel: 3, channels: 4, stride: 2, padding: 1, activation: "relu", inputChannels: 2 }, 2, 3, 5);
  });

  it("MNIST-shaped: 28x28, kernel 5, 8 channels, stride 2, batch 4, on 16x16", () => {
    expectConvStepMatchesGolden({ image: 28, kernel: 5, channels: 8, stride: 2, padding: 0, activation: "relu" }, 4, 16, 16);
  });
});

describe("convolution inference", () => {
  it("outputs equal predictSameNumerics", () => {
    const spec = convSpec({ image: 10, kernel: 5, channels: 6, stride: 2, padding: 1, activation: "relu" }, [[4, "relu"], [3, "sigmoid"]], 5);
    const c = compileInference(spec, grid(5, 3), undefined, { check: true });
    const params = initParameters(spec);
    const images = randomImages(5, 100, 8);
    const got = runCompiled(c, params, images);
    expect(firstDifference(got.outputs, predictSameNumerics(spec, params, images, 5).outputs)).toBeUndefined();
    expect(c.program.instructions.some((i) => i.op === "VSGD" || i.op === "VTR")).toBe(false);
  });
});

describe("the lowering", () => {
  const shape: ConvShape = { image: 9, kernel: 3, channels: 5, stride: 2, padding: 1, activation: "relu" };
  const spec = convSpec(shape, [[3, "sigmoid"]], 2);

  it("gathers one RHM per (image, output row, kernel row, run of equally clipped windows)", () => {
    // 9x9, k3, s2, p1: 5x5 outputs; the window of ox = 0 hangs over the left edge (ix -1..1), that of
    // ox = 4 over the right one (ix 7..9), likewise for the rows.
    const ir = buildGraph(spec, grid(4, 4), { kind: "train-step" });
    const fwd = ir.ops.find((o): o is MatmulOp => o.kind === "matmul" && o.layer === 0 && o.role === "forward")!;
    // The forward product carries the gathers, one list per image (its row blocks).
    expect(fwd.blockInputs).toHaveLength(2);
    expect(ir.ops.some((o) => o.kind === "transfer" && o.note.includes("im2col"))).toBe(false);
    const gathers = fwd.blockInputs!.flat();
    // Per image: output rows 0 and 4 have 2 kernel rows inside the image, rows 1..3 have 3; each
    // kernel row splits the 5 positions into runs {0}, {1..3}, {4} (left edge, inside, right edge).
    expect(gathers).toHaveLength(2 * (2 + 3 * 3 + 2) * 3);
    const first = gathers[0];
    if (first.kind !== "transfer") throw new Error("a first convolution gathers from host memory");
    expect(first.host).toEqual({ buffer: "input", row: 0, col: 0, rows: 1, cols: 2, pitch: 2 });
    expect(first.ub).toEqual({ buffer: "X0", row: 0, col: 4, rows: 1, cols: 2 });
    const x0 = ir.buffers.find((b) => b.name === "X0")!;
    expect([x0.rows, x0.cols]).toEqual([2 * 25, 10]);
    expect(ir.ops.some((o) => o.kind === "vector" && o.phase === "input" && o.imm === 0)).toBe(true);
    const dt0 = ir.buffers.find((b) => b.name === "DT0")!;
    expect([dt0.rows, dt0.cols]).toEqual([5, 50]);
  });

  it("tiles the forward product in one-image blocks that reuse the stationary tile", () => {
    const ir = tileMatmuls(buildGraph(convSpec(shape, [[3, "sigmoid"]], 4), grid(16, 16), { kind: "train-step" }), grid(16, 16));
    const fwd = ir.ops.find((o): o is MatmulOp => o.kind === "matmul" && o.layer === 0 && o.role === "forward")!;
    const t = fwd.tiling!;
    expect(t.mTiles).toEqual([0, 25, 50, 75].map((start) => ({ start, size: 25 })));
    const fmt = (s: TileStep) => (s.kind === "pass" ? `m${s.m}s${s.slot}${s.load ? "L" : ""}` : `d${s.m}`);
    // 1024 accumulator rows / 25 = 40 slots: one wave of all 4 images, one tile load.
    expect(t.steps.map(fmt)).toEqual(["m0s0L", "m1s1", "m2s2", "m3s3", "d0", "d1", "d2", "d3"]);
    const hw = grid(16, 16, { accumulatorRows: 100 });
    const small = tileMatmuls(buildGraph(convSpec(shape, [[3, "sigmoid"]], 4), hw, { kind: "train-step" }), hw);
    const t2 = small.ops.find((o): o is MatmulOp => o.kind === "matmul" && o.layer === 0)!.tiling!;
    // 4 slots: waves of 2 images on alternating halves; wave 0's drains interleave with wave 1's passes.
    expect(t2.steps.map(fmt)).toEqual(["m0s0L", "m1s1", "m2s2", "d0", "m3s3", "d1", "d2", "d3"]);
  });

  it("lowers each image's gathers one image ahead of its pass", () => {
    const c = compileTrainingStep(convSpec(shape, [[3, "sigmoid"]], 3), grid(16, 16));
    const seq = c.program.instructions
      .filter((i) => (i.op === "RHM" && i.comment?.includes("im2col")) || (i.op === "MMUL" && i.comment?.startsWith("layer 0 forward")))
      .map((i) => (i.op === "MMUL" ? `P${/image (\d+)/.exec(i.comment!)![1]}` : `G${/image (\d+)/.exec(i.comment!)![1]}`));
    const runs = seq.filter((x, i) => i === 0 || x !== seq[i - 1]);
    expect(runs).toEqual(["G1", "G2", "P1", "G3", "P2", "P3"]);
  });

  it("assembly names the convolution and the image of each pass", () => {
    const text = emitAssembly(compileTrainingStep(spec, grid(4, 4)));
    expect(text).toMatch(/layers conv 3x3x5 stride 2 padding 1 relu, 3 sigmoid/);
    expect(text).toMatch(/image 2\/2/);
    expect(text).toMatch(/RHM .*hstride=0 .*rows=50 cols=1/);
  });
});

/**
 * Convolutions anywhere in a network (graph-conv.ts): a later convolution gathers its patches with
 * VEC copies from the image its predecessor's ACT wrote, and the backward pass carries the gradient
 * through a convolution by the per-position error product and col2im. Run in the independent ISA
 * interpreter, training steps, bf16 and int8 inference and input gradients equal the same-numerics
 * golden models bit for bit.
 */
import { describe, expect, it } from "vitest";
import { buildGraph } from "../../src/compiler/graph.js";
import { compileInference, compileInputGradient, compileTrainingStep, verifyCompiled } from "../../src/compiler/index.js";
import { inputGradientSameNumerics, predictInt8, predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { toInt8 } from "../../src/numerics/int8.js";
import { initParameters } from "../../src/workloads/init.js";
import { quantizeForInference } from "../../src/workloads/quantize.js";
import type { WorkloadSpec } from "../../src/workloads/types.js";
import { stackSpec } from "./conv-harness.js";
import { firstDifference, grid, randomImages, randomLabels, runCompiled } from "./harness.js";

const conv = (kernel: number, channels: number, stride: number, padding: number, activation: string, input?: object) => ({
  type: "conv", kernel, channels, stride, padding, activation, ...(input ? { input } : {}),
});
const NETWORKS: [string, WorkloadSpec][] = [
  ["two convolutions (padding, stride 2), then dense", stackSpec(2 * 9 * 9, [conv(3, 4, 1, 1, "relu", { height: 9, width: 9, channels: 2 }), conv(3, 3, 2, 1, "sigmoid"), { units: 4, activation: "sigmoid" }])],
  ["a convolution after a dense layer", stackSpec(10, [{ units: 32, activation: "relu" }, conv(2, 3, 1, 0, "relu", { height: 4, width: 4, channels: 2 }), { units: 3, activation: "sigmoid" }])],
  ["three convolutions, the last one the output", stackSpec(49, [conv(3, 2, 1, 1, "relu", { height: 7, width: 7, channels: 1 }), conv(3, 3, 2, 0, "relu"), conv(2, 2, 1, 0, "sigmoid")])],
];

function expectStepMatchesGolden(spec: WorkloadSpec, rows: number, cols: number, overrides: Record<string, unknown> = {}) {
  const c = compileTrainingStep(spec, grid(rows, cols, overrides), { check: true });
  verifyCompiled(c);
  const params = initParameters(spec);
  const images = randomImages(spec.batch, spec.inputs, 21);
  const labels = randomLabels(spec.batch, spec.layers.at(-1)!.units, 22);
  const got = runCompiled(c, params, images, labels);
  const want = trainStepSameNumerics(spec, params, images, labels);
  spec.layers.forEach((_, l) => {
    expect(want.deltas[l].some((v) => v !== 0), `delta ${l} is not all zero`).toBe(true);
    expect(firstDifference(got.activations[l], want.activations[l]), `activation ${l}`).toBeUndefined();
    expect(firstDifference(got.deltas[l], want.deltas[l]), `delta ${l}`).toBeUndefined();
    expect(firstDifference(got.gradients[l], want.gradients[l]), `gradient ${l}`).toBeUndefined();
    expect(firstDifference(got.params[l], want.params[l]), `parameters ${l}`).toBeUndefined();
  });
  return c;
}

describe("a training step through convolutions anywhere equals the golden model bit for bit", () => {
  for (const [name, spec] of NETWORKS) {
    for (const [r, c] of [[3, 5], [8, 8], [64, 64]] as const) {
      it(`${name}, batch 3, on ${r}x${c}`, () => {
        expectStepMatchesGolden(spec, r, c);
      });
    }
  }

  it("the later convolution gathers with VEC copies from I1, and its backward pass scatters with VEC adds", () => {
    const c = expectStepMatchesGolden(NETWORKS[0][1], 4, 4);
    const ops = (op: string, text: string) => c.program.instructions.filter((i) => i.op === op && i.comment?.includes(text)).length;
    // Layer 1 (9x9x4 -> 5x5x3, kernel 3, stride 2, padding 1): input row iy = 2 oy + ky - 1, so output
    // rows 0..4 have 2, 3, 3, 3, 2 kernel rows inside the image; each kernel row splits the 5
    // positions into runs {0} (clipped left), {1..3}, {4} (clipped right): 13 x 3 copies per image.
    expect(ops("VEC", "layer 1 im2col gather")).toBe(3 * 13 * 3);
    expect(ops("RHM", "layer 0 im2col gather")).toBeGreaterThan(0);
    // col2im of layer 1: one clear, then per image and (oy, ky) inside the image its 3 taps kx.
    expect(ops("VEC", "E1 = col2im(EP1)")).toBe(1 + 3 * 13 * 3);
  });
});

describe("inference and input gradients through convolutions", () => {
  it("bf16 inference equals predictSameNumerics", () => {
    for (const [, spec] of NETWORKS) {
      const c = compileInference(spec, grid(5, 3), undefined, { check: true });
      const params = initParameters(spec);
      const images = randomImages(3, spec.inputs, 9);
      const got = runCompiled(c, params, images);
      expect(firstDifference(got.outputs, predictSameNumerics(spec, params, images, 3).outputs)).toBeUndefined();
    }
  });

  it("int8 inference equals predictInt8 (each convolution's lane holds its plan's constant)", () => {
    for (const [name, base] of NETWORKS) {
      const spec = { ...base, batch: 4 };
      const params = initParameters(spec);
      const images = randomImages(4, spec.inputs, 10);
      const plan = quantizeForInference(spec, params, { images, count: 4 });
      const int8 = plan.layers.map((p) => ({ inScale: p.inScale, outScale: p.outScale, biasLane: p.biasInput }));
      const c = compileInference(spec, grid(6, 4, { dtype: "int8" }), int8, { check: true });
      const got = runCompiled(c, plan.layers.map((p) => p.qweights), images, undefined, {
        pixel: (x) => toInt8(Math.fround(x * plan.pixelMultiplier)),
        biasLane: plan.layers[0].biasInput,
      });
      const want = predictInt8(spec, plan, images, 4);
      expect(want.outputs.some((v) => v !== 0), name).toBe(true);
      expect(firstDifference(got.outputs, want.outputs), name).toBeUndefined();
    }
  });

  for (const [name, spec] of NETWORKS) {
    it(`the input gradient equals inputGradientSameNumerics: ${name}`, () => {
      const c = compileInputGradient(spec, grid(4, 6), { check: true });
      const params = initParameters(spec);
      const images = randomImages(3, spec.inputs, 12);
      const targets = randomLabels(3, spec.layers.at(-1)!.units, 13);
      const got = runCompiled(c, params, images, targets);
      const want = inputGradientSameNumerics(spec, params, images, targets);
      const e0 = new Float32Array(3 * spec.inputs);
      for (let b = 0; b < 3; b++) e0.set(got.machine.host.subarray(c.host.inputGradient! + b * c.host.inputGradientStride!, c.host.inputGradient! + b * c.host.inputGradientStride! + spec.inputs), b * spec.inputs);
      expect(want.inputGradient.some((v) => v !== 0)).toBe(true);
      expect(firstDifference(e0, want.inputGradient)).toBeUndefined();
      got.params.forEach((p, l) => expect(firstDifference(p, params[l])).toBeUndefined());
    });
  }

  it("a first convolution's input gradient is col2im of its patches' gradient: clear, then one add per tap", () => {
    const spec = NETWORKS[2][1];
    const ir = buildGraph(spec, grid(4, 4), { kind: "input-gradient" });
    const kinds = ir.ops.filter((o) => o.layer === 0 && o.kind !== "transfer").map((o) => (o.kind === "matmul" ? `${o.role}` : o.kind === "vector" ? o.fn : o.kind));
    // forward (with its gathers), the per-position error product, the clear, 3 images x 7 output rows
    // x (kernel rows inside: 2 at the edges, 3 inside) x 3 taps.
    expect(kinds[0]).toBe("copy"); // the padding clear of the patches
    expect(kinds.filter((k) => k === "add")).toHaveLength(3 * (2 * 2 + 5 * 3) * 3);
    expect(kinds.filter((k) => k === "error")).toHaveLength(1);
  });
});

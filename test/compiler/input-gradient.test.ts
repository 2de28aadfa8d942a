/**
 * The input-gradient program (compileInputGradient): forward, loss gradient and the backward pass
 * down to E_0 = dL/dX_0, run in the independent ISA interpreter, equals the same-numerics golden
 * model bit for bit; the weights are left alone.
 */
import { describe, expect, it } from "vitest";
import { buildGraph } from "../../src/compiler/graph.js";
import { compileInputGradient, verifyCompiled } from "../../src/compiler/index.js";
import { inputGradientSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { initParameters } from "../../src/workloads/init.js";
import type { LayerActivation } from "../../src/workloads/types.js";
import { firstDifference, grid, makeSpec, randomImages, randomLabels, runCompiled } from "./harness.js";

function block(src: ArrayLike<number>, address: number, stride: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = src[address + r * stride + c];
  return out;
}

function expectInputGradientMatchesGolden(layers: [number, LayerActivation][], inputs: number, batch: number, rows: number, cols: number, overrides: Record<string, unknown> = {}) {
  const spec = makeSpec(inputs, layers, batch);
  const c = compileInputGradient(spec, grid(rows, cols, overrides), { check: true });
  verifyCompiled(c);
  const params = initParameters(spec);
  const images = randomImages(batch, inputs, 31);
  const targets = randomLabels(batch, layers[layers.length - 1][0], 32);
  const got = runCompiled(c, params, images, targets);
  const want = inputGradientSameNumerics(spec, params, images, targets);
  const e0 = block(got.machine.host, c.host.inputGradient!, c.host.inputGradientStride!, batch, inputs);
  // Not vacuous: the gradient has non-zero entries, and the machine multiplied.
  expect(want.inputGradient.some((v) => v !== 0)).toBe(true);
  expect(got.machine.stats.macs).toBeGreaterThan(0);
  expect(firstDifference(e0, want.inputGradient)).toBeUndefined();
  got.deltas.forEach((d, l) => expect(firstDifference(d, want.deltas[l]), `delta ${l}`).toBeUndefined());
  expect(firstDifference(got.outputs, want.activations[layers.length - 1])).toBeUndefined();
  // No weight update: weight memory holds the parameters it was given.
  got.params.forEach((p, l) => expect(firstDifference(p, params[l])).toBeUndefined());
  return c;
}

describe("compileInputGradient", () => {
  const NETWORKS: [string, [number, LayerActivation][]][] = [
    ["sigmoid 7-5-3", [[7, "sigmoid"], [5, "sigmoid"], [3, "sigmoid"]]],
    ["relu 7-5-3", [[7, "relu"], [5, "relu"], [3, "sigmoid"]]],
    ["one layer", [[4, "sigmoid"]]],
  ];
  for (const [name, layers] of NETWORKS) {
    for (const [r, c] of [[3, 5], [16, 16], [128, 128]] as const) {
      it(`E0 equals the golden model bit for bit: ${name}, inputs 20, batch 6, on ${r}x${c}`, () => {
        expectInputGradientMatchesGolden(layers, 20, 6, r, c);
      });
    }
  }

  it("MNIST-shaped 784-16-16-10, batch 4, on 16x16 with a FIFO of one tile", () => {
    const c = expectInputGradientMatchesGolden([[16, "sigmoid"], [16, "sigmoid"], [10, "sigmoid"]], 784, 4, 16, 16, { weightFifoTiles: 1 });
    expect(c.host.inputGradientStride).toBe(784);
  });

  it("has the forward and error products only: no transposes, gradient products or SGD", () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "identity"]], 6);
    const ir = buildGraph(spec, grid(4, 4), { kind: "input-gradient" });
    const kinds = ir.ops.map((o) => (o.kind === "matmul" ? `${o.role}${o.layer}` : o.kind === "vector" ? o.fn : o.kind));
    expect(kinds).toEqual([
      "forward0", "transfer", "transfer", "transfer", // X0 in k-tile strips with forward0, then Y and the lanes
      "forward1", "forward2", "transfer",
      "sub", "copy",
      "error2", "drelumul", "error1", "dsigmul", "error0", "transfer",
      "halt",
    ]);
    const c = compileInputGradient(spec, grid(4, 4));
    expect(c.kind).toBe("input-gradient");
    expect(c.program.instructions.some((i) => i.op === "VSGD" || i.op === "RDWU" || i.op === "VTR")).toBe(false);
    expect(c.program.instructions.filter((i) => i.op === "WHM")).toHaveLength(2);
  });

  it("needs a bf16 machine", () => {
    const spec = makeSpec(20, [[3, "sigmoid"]], 2);
    expect(() => compileInputGradient(spec, grid(4, 4, { dtype: "int8" }))).toThrow(/an input gradient needs a bf16 machine/);
  });
});

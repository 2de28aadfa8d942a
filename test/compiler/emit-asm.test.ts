import { describe, expect, it } from "vitest";
import { compileInference, compileTrainingStep, emitAssembly } from "../../src/compiler/index.js";
import type { CompiledProgram } from "../../src/compiler/index.js";
import { assemble } from "../../src/isa/assembler.js";
import { grid, makeSpec } from "./harness.js";

function expectRoundTrip(c: CompiledProgram): string {
  const text = emitAssembly(c);
  const back = assemble(text, "compiled.s");
  expect(back.instructions.length).toBe(c.program.instructions.length);
  back.instructions.forEach((ins, pc) => expect({ op: ins.op, f: ins.f }, `pc ${pc}`).toEqual({ op: c.program.instructions[pc].op, f: c.program.instructions[pc].f }));
  expect(back.data).toEqual(c.program.data);
  return text;
}

describe("emit-asm", () => {
  const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6, { learningRate: 0.1 });

  it("re-assembles to the same training-step program on several grids", () => {
    for (const [r, c] of [[3, 5], [16, 16], [64, 96]] as const) expectRoundTrip(compileTrainingStep(spec, grid(r, c)));
  });

  it("re-assembles a step with transposed gradients; the memory map says M_l is stored transposed", () => {
    const c = compileTrainingStep(spec, grid(4, 4), { gradientForm: "transposed", prefetch: { parity: 0, loadOwn: true } });
    const text = expectRoundTrip(c);
    expect(text).toMatch(/\n;   weight memory +\d+ +M1 +8x5 +layer 1 parameters stored transposed \(M1\^T\), bias in row 7\n/);
    expect(text).toMatch(/VTR .*; layer 0 backward: XT0 = X0\^T\n/);
    expect(text).toMatch(/; layer 0 backward: G\^T = X0\^T · delta0, b-tile 1\/2, column tile 1\/2, row block 1\/2\n/);
  });

  it("re-assembles int8 inference with its scales and constant lanes", () => {
    const int8 = [0.01, 0.02, 0.03].map((s, l) => ({ inScale: Math.fround(s), outScale: Math.fround(1 / s), biasLane: 10 + l }));
    expectRoundTrip(compileInference(spec, grid(4, 4, { dtype: "int8" }), int8));
  });

  it("has a header with workload, grid and memory map, and blocks naming the layer and pass", () => {
    const text = expectRoundTrip(compileTrainingStep(spec, grid(3, 5)));
    expect(text).toMatch(/^; tpusim train-step for workload "test-20-7-5-3": 20 inputs, layers 7 sigmoid, 5 relu, 3 sigmoid, batch 6\n/);
    expect(text).toMatch(/\n; grid 3x5 \(R x C\), bf16, weight FIFO 4 tiles, \d+ instructions\n/);
    expect(text).toMatch(/\n;   unified buffer +0 +X0 +6x21 +layer 0 input, constant lane in column 20\n/);
    expect(text).toMatch(/\n;   weight memory +147 +M1 +5x8 /);
    expect(text).toMatch(/\n; layer 1 forward\n/);
    expect(text).toMatch(/MMUL ub=\d+ ustride=8 rows=6 cols=3 acc=\d+ switch accumulate {2}; layer 1 forward: Z = X1 · M1\^T, k-tile 2\/3, n-tile 1\/1\n/);
    expect(text).toMatch(/\n; layer 0 sgd\n {4}VSGD /);
    expect(text).toMatch(/\n\.host \d+\n {4}\.f32 1, 1, 1, 1, 1, 1\n$/);
  });
});

import { describe, expect, it } from "vitest";
import { compileInference, compileTrainingStep } from "../../src/compiler/index.js";
import { UserInputError } from "../../src/errors.js";
import { grid, makeSpec } from "./harness.js";

describe("compiler public API", () => {
  const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6);

  it("returns the program, host layout, weight layout and memory used", () => {
    const c = compileTrainingStep(spec, grid(4, 4), { check: true });
    expect(c).toMatchObject({ kind: "train-step", batch: 6, spec });
    expect(c.weights).toEqual([
      { address: 0, rows: 7, cols: 21 },
      { address: 147, rows: 5, cols: 8 },
      { address: 187, rows: 3, cols: 6 },
    ]);
    expect(c.memory.weightMemoryElements).toBe(205);
    expect(c.host).toEqual({ elements: 6 * 21 + 2 * 6 * 3 + 6, input: 0, inputStride: 21, labels: 126, labelsStride: 3, output: 144, outputStride: 3 });
    expect(c.program.data).toEqual([{ memory: "host", address: 162, values: new Float32Array(6).fill(1) }]);
    expect(c.program.instructions.at(-1)?.op).toBe("HALT");
    expect(c.memory.unifiedBufferElements).toBeGreaterThan(0);
    expect(c.memory.accumulatorRows).toBeGreaterThan(0);
  });

  it("compiles the same program with and without checks", () => {
    expect(compileTrainingStep(spec, grid(3, 5), { check: true }).program).toEqual(compileTrainingStep(spec, grid(3, 5)).program);
  });

  it("inference has no labels in host memory", () => {
    const c = compileInference(spec, grid(4, 4));
    expect(c.host).toMatchObject({ labels: 0, labelsStride: 0, input: 0, output: 126 });
  });

  it("a batch too large for the unified buffer runs in micro-batches; one sample too large is a UserInputError", () => {
    const big = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 600);
    const c = compileTrainingStep(big, grid(4, 4, { unifiedBufferBytes: 1 << 16 }), { check: true });
    expect(c.batch).toBe(600);
    expect(c.microBatch).toBeLessThan(600);
    expect(c.memory.unifiedBufferElements).toBeLessThanOrEqual(c.hw.unifiedBufferElements);
    expect(compileInference(big, grid(4, 4, { unifiedBufferBytes: 1 << 16 })).microBatch).toBe(600);
    expect(() => compileTrainingStep(big, grid(4, 4, { unifiedBufferBytes: 64 }))).toThrow(
      /^field unifiedBufferBytes: one sample does not fit the unified buffer: the train-step needs \d+ elements for it \(X0 1x21, /,
    );
  });

  it("a layer wider than the accumulators hold rows compiles (its gradient runs in blocks of units)", () => {
    const wide = makeSpec(4, [[40, "sigmoid"], [3, "sigmoid"]], 2);
    expect(compileTrainingStep(wide, grid(4, 4, { accumulatorRows: 32 }), { check: true }).program.instructions.length).toBeGreaterThan(0);
  });
});

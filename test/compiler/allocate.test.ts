import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { allocate } from "../../src/compiler/allocate.js";
import { buildGraph } from "../../src/compiler/graph.js";
import type { MatmulOp } from "../../src/compiler/ir.js";
import { tileMatmuls } from "../../src/compiler/tile.js";
import { verify } from "../../src/compiler/verify.js";
import { grid, makeSpec } from "./harness.js";

const placed = (spec: ReturnType<typeof makeSpec>, hw: ReturnType<typeof grid>) =>
  allocate(tileMatmuls(buildGraph(spec, hw, { kind: "train-step" }), hw), hw);

describe("allocate", () => {
  it("packs buffers and weight matrices densely and disjointly, and records the totals", () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [3, "sigmoid"]], 6);
    const hw = grid(4, 4);
    const ir = placed(spec, hw);
    verify(ir, hw);
    const ub = ir.buffers.filter((b) => b.space === "ub");
    expect(ub[0]).toMatchObject({ name: "X0", address: 0 });
    // X0 (6 x 21) arrives in 4-column k-tile strips: 6 blocks of 6 x 4, the last padded (21 -> 24).
    expect(ub[0].blockCols).toBe(4);
    expect(ub[1]).toMatchObject({ name: "X1", address: 6 * 24 });
    expect(ir.layout!.unifiedBufferElements).toBe(6 * 24 + ub.slice(1).reduce((s, b) => s + b.rows * b.cols, 0));
    expect(ir.weights.map((w) => w.address)).toEqual([0, 7 * 21]);
    expect(ir.layout!.weightMemoryElements).toBe(7 * 21 + 3 * 8);
    expect(ir.buffers.find((b) => b.name === "input")!.address).toBe(0);
  });

  it("gives consecutive matmuls different accumulator rows, wrapping to row 0", () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [3, "sigmoid"]], 6);
    const hw = grid(4, 4, { accumulatorRows: 20 });
    const ir = placed(spec, hw);
    verify(ir, hw);
    const bases = ir.ops.filter((o): o is MatmulOp => o.kind === "matmul").map((o) => [o.role, o.accBase]);
    // forward0 takes 2 slots x 6 rows at 0, forward1 6 rows at 12; error1 (12 rows) wraps to 0,
    // gradient0 (2 slots x 7 rows; the output layer's product comes last) does not fit at 12 and
    // wraps again, gradient1 (2 slots x 3 rows) follows at 14.
    expect(bases).toEqual([["forward", 0], ["forward", 12], ["error", 0], ["gradient", 0], ["gradient", 14]]);
    expect(ir.layout!.accumulatorRows).toBeLessThanOrEqual(20);
  });

  it("a batch that does not fit the unified buffer is a UserInputError naming batch, need and capacity", () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [3, "sigmoid"]], 64);
    const hw = grid(4, 4, { unifiedBufferBytes: 4096 });
    let error: unknown;
    try {
      placed(spec, hw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserInputError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/^field batch: batch 64 does not fit the unified buffer: the train-step needs \d+ elements \(X0 64x21, /);
    expect(msg).toMatch(/but it holds 2048 bf16 elements; the largest batch that fits is \d+/);
    const largest = Number(/fits is (\d+)/.exec(msg)![1]);
    expect(() => placed(makeSpec(20, [[7, "sigmoid"], [3, "sigmoid"]], largest), hw)).not.toThrow();
    expect(() => placed(makeSpec(20, [[7, "sigmoid"], [3, "sigmoid"]], largest + 1), hw)).toThrow(UserInputError);
  });

  it("parameters that do not fit weight memory are a UserInputError", () => {
    expect(() => placed(makeSpec(20, [[7, "sigmoid"]], 2), grid(4, 4, { weightMemoryBytes: 64 }))).toThrow(/need 147 fp32 elements/);
  });
});

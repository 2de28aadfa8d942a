import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { buildGraph } from "../../src/compiler/graph.js";
import type { MatmulOp, TileStep } from "../../src/compiler/ir.js";
import { tileMatmuls } from "../../src/compiler/tile.js";
import { grid, makeSpec } from "./harness.js";

function forward0(spec: ReturnType<typeof makeSpec>, hw: ReturnType<typeof grid>): MatmulOp {
  const ir = tileMatmuls(buildGraph(spec, hw, { kind: "train-step" }), hw);
  return ir.ops.find((o): o is MatmulOp => o.kind === "matmul")!;
}

const fmt = (s: TileStep) => (s.kind === "pass" ? `k${s.k}n${s.n}s${s.slot}${s.accumulate ? "+" : ""}` : `d${s.n}s${s.slot}`);

describe("tile", () => {
  it("splits K by R and N by C with true edge sizes, k outer and n inner", () => {
    const op = forward0(makeSpec(6, [[7, "sigmoid"]], 4), grid(3, 5));
    const t = op.tiling!;
    expect(t.kTiles).toEqual([{ start: 0, size: 3 }, { start: 3, size: 3 }, { start: 6, size: 1 }]);
    expect(t.nTiles).toEqual([{ start: 0, size: 5 }, { start: 5, size: 2 }]);
    expect(t.steps.map(fmt)).toEqual(["k0n0s0", "k0n1s1", "k1n0s0+", "k1n1s1+", "k2n0s0+", "k2n1s1+", "d0s0", "d1s1"]);
  });

  it("a grid larger than the layer gives one partial tile", () => {
    const t = forward0(makeSpec(6, [[7, "sigmoid"]], 4), grid(64, 96)).tiling!;
    expect([t.kTiles, t.nTiles]).toEqual([[{ start: 0, size: 7 }], [{ start: 0, size: 7 }]]);
  });

  it("drains n-tiles in groups that alternate between halves of the accumulator slots", () => {
    // 9 n-tiles of 1 column, 4 vectors each, 12 accumulator rows: 3 slots -> groups of 1 on slots 0, 1.
    const t = forward0(makeSpec(2, [[9, "sigmoid"]], 4), grid(2, 1, { accumulatorRows: 12 })).tiling!;
    expect(t.slots).toBe(2);
    expect(t.steps.slice(0, 6).map(fmt)).toEqual(["k0n0s0", "k1n0s0+", "d0s0", "k0n1s1", "k1n1s1+", "d1s1"]);
    const t2 = forward0(makeSpec(2, [[9, "sigmoid"]], 4), grid(2, 1, { accumulatorRows: 16 })).tiling!;
    expect(t2.slots).toBe(4);
    expect(t2.steps.slice(0, 6).map(fmt)).toEqual(["k0n0s0", "k0n1s1", "k1n0s0+", "k1n1s1+", "d0s0", "d1s1"]);
  });

  it("a batch larger than the accumulators is a UserInputError naming the batch and the sizes", () => {
    const spec = makeSpec(2, [[3, "sigmoid"]], 40);
    const hw = grid(2, 2, { accumulatorRows: 32 });
    expect(() => forward0(spec, hw)).toThrow(UserInputError);
    expect(() => forward0(spec, hw)).toThrow(/batch 40 needs 40 accumulator rows .* hold 32 rows; reduce the batch to at most 32/);
  });
});

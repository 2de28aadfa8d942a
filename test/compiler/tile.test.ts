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

  it("interleaves each drain with the last k round, lag = 1 + ceil((R + C - 1) / spacing) passes behind its own", () => {
    // 5 n-tiles on 2x2 with 8 vectors: passes at least max(8, (8+2+2)/2) = 8 apart; pass j (issued at
    // t0) completes at t0 + 8 + 2 + 2 - 1 = t0 + 11, after pass j+1 (t0 + 8) but before pass j+2
    // issues (t0 + 16): lag 1 + ceil(3 / 8) = 2.
    const t = forward0(makeSpec(2, [[9, "sigmoid"]], 8), grid(2, 2)).tiling!;
    expect(t.steps.map(fmt)).toEqual([
      "k0n0s0", "k0n1s1", "k0n2s2", "k0n3s3", "k0n4s4",
      "k1n0s0+", "k1n1s1+", "k1n2s2+", "d0s0", "k1n3s3+", "d1s1", "k1n4s4+", "d2s2", "d3s3", "d4s4",
    ]);
    // 2 vectors: passes max(2, (2+2+2)/2) = 3 apart, lag 1 + ceil(3 / 3) = 2.
    const t2 = forward0(makeSpec(2, [[9, "sigmoid"]], 2), grid(2, 2)).tiling!;
    expect(t2.steps.slice(5).map(fmt)).toEqual(["k1n0s0+", "k1n1s1+", "k1n2s2+", "d0s0", "k1n3s3+", "d1s1", "k1n4s4+", "d2s2", "d3s3", "d4s4"]);
    // 1 vector on 4x4: passes max(1, (1+4+4)/2) = 4 apart, lag 1 + ceil(7 / 4) = 3.
    const t3 = forward0(makeSpec(7, [[18, "sigmoid"]], 1), grid(4, 4)).tiling!;
    expect(t3.steps.slice(5).map(fmt)).toEqual(["k1n0s0+", "k1n1s1+", "k1n2s2+", "k1n3s3+", "d0s0", "k1n4s4+", "d1s1", "d2s2", "d3s3", "d4s4"]);
  });

  it("a batch larger than the accumulators runs in blocks that two waves of every n-tile fit", () => {
    // 40 vectors, 2 n-tiles, 32 accumulator rows: blocks of at most 32 / (2 * 2) = 8 vectors.
    const t = forward0(makeSpec(2, [[3, "sigmoid"]], 40), grid(2, 2, { accumulatorRows: 32 })).tiling!;
    expect(t.mTiles).toEqual([0, 8, 16, 24, 32].map((start) => ({ start, size: 8 })));
    expect(t.slotRows).toBe(8);
    expect(t.slots * t.slotRows).toBeLessThanOrEqual(32);
    // 4 slots hold one block's 2 n-tiles twice: waves of one block on alternating halves, each
    // loading its 2 k-tiles x 2 n-tiles; a wave's drains interleave with the next wave's passes.
    expect(t.steps.filter((s) => s.kind === "pass" && s.load)).toHaveLength(5 * 2 * 2);
    expect(t.steps.slice(0, 6).map(fmt)).toEqual(["k0n0s0", "k0n1s1", "k1n0s0+", "k1n1s1+", "k0n0s2", "k0n1s3"]);
  });

  it("a layer of more units than accumulator rows: its gradient runs in blocks of units", () => {
    const ir = tileMatmuls(buildGraph(makeSpec(4, [[40, "sigmoid"], [3, "sigmoid"]], 2), grid(4, 4, { accumulatorRows: 32 }), { kind: "train-step" }), grid(4, 4, { accumulatorRows: 32 }));
    const g0 = ir.ops.find((o): o is MatmulOp => o.kind === "matmul" && o.role === "gradient" && o.layer === 0)!;
    // 40 units, 2 n-tiles (5 columns over 4): blocks of at most 32 / 4 = 8 units.
    expect(g0.tiling!.mTiles.map((m) => m.size)).toEqual([8, 8, 8, 8, 8]);
  });

  it("a convolution with more positions than accumulator rows is a UserInputError naming the layer", () => {
    const spec = makeSpec(2, [[3, "sigmoid"]], 4);
    const conv = { kernel: 1, channels: 2, stride: 1, padding: 0, inputHeight: 6, inputWidth: 6, inputChannels: 1, outputHeight: 6, outputWidth: 6 };
    const cnn = { ...spec, inputs: 36, layers: [{ units: 72, activation: "relu" as const, conv }, ...spec.layers] };
    expect(() => forward0(cnn, grid(2, 2, { accumulatorRows: 30 }))).toThrow(UserInputError);
    expect(() => forward0(cnn, grid(2, 2, { accumulatorRows: 30 }))).toThrow(/layer 0 has 36 output positions per image, so its pass needs 36 accumulator rows .* hold 30 rows/);
  });
});

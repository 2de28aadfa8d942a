import { describe, expect, it } from "vitest";
import { lowerBackward } from "../../src/compiler/lower-backward.js";
import { grid, makeSpec } from "./harness.js";
import { address, codeOf, placedIr } from "./lowering.js";

describe("lower-backward", () => {
  it("VTR delta, plain RDW tiles of M_l[:, :K], MMUL over n-tiles, ACT identity, VEC with the layer below's derivative", () => {
    // Layer 1: K1 = 3, N1 = 3 on a 2x2 grid: contraction over N1 in 2 tiles, E's 3 columns in 2 tiles.
    const hw = grid(2, 2);
    const ir = lowerBackward(placedIr(makeSpec(2, [[3, "relu"], [3, "sigmoid"]], 4), hw), hw);
    const [D1, DT1, E1, X1, D0] = ["D1", "DT1", "E1", "X1", "D0"].map((n) => address(ir, n));
    const m1 = ir.weights[1].address!;
    const code = codeOf(
      ir,
      (o) => o.layer === 1 && (o.kind === "transpose" || (o.kind === "matmul" && o.role === "error") || (o.kind === "vector" && o.phase === "backward")),
    );
    const acc = (ir.ops.find((o) => o.kind === "matmul" && o.role === "error") as { accBase: number }).accBase;
    expect(code).toEqual([
      { op: "VTR", src: D1, sstride: 3, rows: 4, cols: 3, dst: DT1, dstride: 4 },
      { op: "RDW", wm: m1, wstride: 4, rows: 2, cols: 2, transpose: 0 },
      { op: "MMUL", ub: D1, ustride: 3, rows: 4, cols: 2, acc, switch: 1, accumulate: 0 },
      { op: "RDW", wm: m1 + 2, wstride: 4, rows: 2, cols: 1, transpose: 0 },
      { op: "MMUL", ub: D1, ustride: 3, rows: 4, cols: 2, acc: acc + 4, switch: 1, accumulate: 0 },
      { op: "RDW", wm: m1 + 8, wstride: 4, rows: 1, cols: 2, transpose: 0 },
      { op: "MMUL", ub: D1 + 2, ustride: 3, rows: 4, cols: 1, acc, switch: 1, accumulate: 1 },
      { op: "RDW", wm: m1 + 10, wstride: 4, rows: 1, cols: 1, transpose: 0 },
      { op: "MMUL", ub: D1 + 2, ustride: 3, rows: 4, cols: 1, acc: acc + 4, switch: 1, accumulate: 1 },
      { op: "ACT", acc, rows: 4, cols: 2, ub: E1, ustride: 3, fn: 0, inscale: 1, outscale: 1 },
      { op: "ACT", acc: acc + 4, rows: 4, cols: 1, ub: E1 + 2, ustride: 3, fn: 0, inscale: 1, outscale: 1 },
      { op: "VEC", fn: 5, dst: D0, dstride: 3, a: E1, astride: 3, b: X1, bstride: 4, rows: 4, cols: 3, imm: 1 },
    ]);
    // Layer 0 has no error product, only its transpose; gradients are lower-sgd's.
    expect(codeOf(ir, (o) => o.layer === 0).map((i) => i.op)).toEqual(["VTR"]);
  });
});

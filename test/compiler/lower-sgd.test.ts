import { describe, expect, it } from "vitest";
import { lowerSgd } from "../../src/compiler/lower-sgd.js";
import { grid, makeSpec } from "./harness.js";
import { address, codeOf, placedIr } from "./lowering.js";

describe("lower-sgd", () => {
  it("RDWU tiles of X_l over b-tiles, MMUL of deltaT rows, VSGD per column tile", () => {
    // Layer 0: N0 = 2, X0 is 3 x 4 (B = 3, K0 = 3): contraction over B in 2 b-tiles of R = 2, 4 columns in 2 tiles of C = 2.
    const hw = grid(2, 2);
    const ir = lowerSgd(placedIr(makeSpec(3, [[2, "sigmoid"]], 3, { learningRate: 0.3 }), hw), hw);
    const [X0, DT0] = ["X0", "DT0"].map((n) => address(ir, n));
    const acc = (ir.ops.find((o) => o.kind === "matmul" && o.role === "gradient") as { accBase: number }).accBase;
    expect(codeOf(ir, (o) => o.kind === "matmul" && o.role === "gradient")).toEqual([
      // X0 is column-blocked in R = 2 column strips (3 x 2 each, stride 2): strip 1 starts at X0 + 6.
      { op: "RDWU", ub: X0, ustride: 2, rows: 2, cols: 2, transpose: 0 },
      { op: "MMUL", ub: DT0, ustride: 3, rows: 2, cols: 2, acc, switch: 1, accumulate: 0 },
      { op: "RDWU", ub: X0 + 6, ustride: 2, rows: 2, cols: 2, transpose: 0 },
      { op: "MMUL", ub: DT0, ustride: 3, rows: 2, cols: 2, acc: acc + 2, switch: 1, accumulate: 0 },
      { op: "RDWU", ub: X0 + 4, ustride: 2, rows: 1, cols: 2, transpose: 0 },
      { op: "MMUL", ub: DT0 + 2, ustride: 3, rows: 2, cols: 1, acc, switch: 1, accumulate: 1 },
      { op: "RDWU", ub: X0 + 10, ustride: 2, rows: 1, cols: 2, transpose: 0 },
      { op: "MMUL", ub: DT0 + 2, ustride: 3, rows: 2, cols: 1, acc: acc + 2, switch: 1, accumulate: 1 },
      { op: "VSGD", wm: 0, wstride: 4, acc, rows: 2, cols: 2, lr: Math.fround(0.3) },
      { op: "VSGD", wm: 2, wstride: 4, acc: acc + 2, rows: 2, cols: 2, lr: Math.fround(0.3) },
    ]);
  });
});

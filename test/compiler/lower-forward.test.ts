import { describe, expect, it } from "vitest";
import { lowerForward } from "../../src/compiler/lower-forward.js";
import { grid, makeSpec } from "./harness.js";
import { address, codeOf, placedIr } from "./lowering.js";

describe("lower-forward", () => {
  it("RDW transpose tiles of M_l, MMUL switch over k-tiles with accumulate after the first, ACT per n-tile", () => {
    // K0 + 1 = 4 columns over R = 2 rows: 2 k-tiles; N0 = 3 over C = 2: 2 n-tiles.
    const hw = grid(2, 2);
    const ir = lowerForward(placedIr(makeSpec(3, [[3, "relu"], [2, "sigmoid"]], 5), hw), hw);
    const code = codeOf(ir, (o) => o.kind === "matmul" && o.layer === 0);
    const x1 = address(ir, "X1");
    // X0 (5 x 4) is column-blocked in 2-column strips: strip j at 10 j, stride 2; both strips
    // arrive before the first pass (one k-tile ahead of the passes).
    const input = address(ir, "input");
    expect(code).toEqual([
      { op: "RHM", host: input, hstride: 4, ub: 0, ustride: 2, rows: 5, cols: 2 },
      { op: "RHM", host: input + 2, hstride: 4, ub: 10, ustride: 2, rows: 5, cols: 2 },
      { op: "RDW", wm: 0, wstride: 4, rows: 2, cols: 2, transpose: 1 },
      { op: "MMUL", ub: 0, ustride: 2, rows: 5, cols: 2, acc: 0, switch: 1, accumulate: 0 },
      { op: "RDW", wm: 8, wstride: 4, rows: 2, cols: 1, transpose: 1 },
      { op: "MMUL", ub: 0, ustride: 2, rows: 5, cols: 2, acc: 5, switch: 1, accumulate: 0 },
      { op: "RDW", wm: 2, wstride: 4, rows: 2, cols: 2, transpose: 1 },
      { op: "MMUL", ub: 10, ustride: 2, rows: 5, cols: 2, acc: 0, switch: 1, accumulate: 1 },
      { op: "RDW", wm: 10, wstride: 4, rows: 2, cols: 1, transpose: 1 },
      { op: "MMUL", ub: 10, ustride: 2, rows: 5, cols: 2, acc: 5, switch: 1, accumulate: 1 },
      { op: "ACT", acc: 0, rows: 5, cols: 2, ub: x1, ustride: 4, fn: 1, inscale: 1, outscale: 1 },
      { op: "ACT", acc: 5, rows: 5, cols: 1, ub: x1 + 2, ustride: 4, fn: 1, inscale: 1, outscale: 1 },
    ]);
    expect(ir.ops.filter((o) => o.kind !== "matmul" || o.role !== "forward").every((o) => o.code === undefined)).toBe(true);
    const comments = ir.ops.find((o) => o.kind === "matmul")!.code!.map((i) => i.comment);
    expect(comments[3]).toBe("layer 0 forward: Z = X0 · M0^T, k-tile 1/2, n-tile 1/2");
  });
});

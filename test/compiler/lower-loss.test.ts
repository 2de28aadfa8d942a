import { describe, expect, it } from "vitest";
import { lowerLoss } from "../../src/compiler/lower-loss.js";
import { grid, makeSpec } from "./harness.js";
import { address, codeOf, placedIr } from "./lowering.js";

describe("lower-loss", () => {
  it("e = A - Y, then delta = fround(2/B) * e * sigma'(A)", () => {
    const hw = grid(2, 2);
    const ir = lowerLoss(placedIr(makeSpec(3, [[2, "sigmoid"], [3, "sigmoid"]], 7), hw), hw);
    const [A, Y, e, D] = ["X2", "Y", "e", "D1"].map((n) => address(ir, n));
    expect(codeOf(ir, (o) => o.kind === "vector")).toEqual([
      { op: "VEC", fn: 1, dst: e, dstride: 3, a: A, astride: 3, b: Y, bstride: 3, rows: 7, cols: 3, imm: 1 },
      { op: "VEC", fn: 4, dst: D, dstride: 3, a: e, astride: 3, b: A, bstride: 3, rows: 7, cols: 3, imm: Math.fround(2 / 7) },
    ]);
  });

  it("uses drelumul for a relu output and copy for identity", () => {
    const hw = grid(2, 2);
    for (const [act, fn] of [["relu", 5], ["identity", 3]] as const) {
      const ir = lowerLoss(placedIr(makeSpec(3, [[3, act]], 2), hw), hw);
      expect(codeOf(ir, (o) => o.kind === "vector")[1].fn).toBe(fn);
    }
  });
});

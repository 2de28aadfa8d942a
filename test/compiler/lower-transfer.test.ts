import { describe, expect, it } from "vitest";
import { lowerTransfers } from "../../src/compiler/lower-transfer.js";
import { grid, makeSpec } from "./harness.js";
import { address, codeOf, placedIr } from "./lowering.js";

describe("lower-transfer", () => {
  it("RHM input, labels and constant lanes, WHM the output, HALT", () => {
    const hw = grid(4, 4); // X0's 4 columns are one k-tile: one transfer (no strips)
    const ir = lowerTransfers(placedIr(makeSpec(3, [[2, "sigmoid"], [4, "sigmoid"]], 5), hw), hw);
    const a = (n: string) => address(ir, n);
    expect(codeOf(ir, (o) => o.kind === "transfer" || o.kind === "halt")).toEqual([
      { op: "RHM", host: a("input"), hstride: 4, ub: a("X0"), ustride: 4, rows: 5, cols: 4 },
      { op: "RHM", host: a("labels"), hstride: 4, ub: a("Y"), ustride: 4, rows: 5, cols: 4 },
      { op: "RHM", host: a("lanes"), hstride: 1, ub: a("X1") + 2, ustride: 3, rows: 5, cols: 1 },
      { op: "WHM", ub: a("X2"), ustride: 4, host: a("output"), hstride: 4, rows: 5, cols: 4 },
      { op: "HALT" },
    ]);
    expect(ir.hostData).toEqual([{ buffer: "lanes", values: new Float32Array(5).fill(1) }]);
  });

  it("leaves an input of several k-tiles to the forward op's strips (lower-forward)", () => {
    const hw = grid(2, 2);
    const ir = lowerTransfers(placedIr(makeSpec(3, [[2, "sigmoid"], [4, "sigmoid"]], 5), hw), hw);
    expect(codeOf(ir, (o) => o.kind === "transfer" || o.kind === "halt").map((i) => i.op)).toEqual(["RHM", "RHM", "WHM", "HALT"]);
    expect(ir.ops.some((o) => o.kind === "transfer" && o.ub.buffer === "X0")).toBe(false);
  });
});

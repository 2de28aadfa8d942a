import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { buildGraph } from "../../src/compiler/graph.js";
import type { MatmulOp } from "../../src/compiler/ir.js";
import { matmulShape } from "../../src/compiler/ir.js";
import { grid, makeSpec } from "./harness.js";

const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "identity"]], 6);

describe("graph", () => {
  it("lists a training step's ops in the contract's order", () => {
    const ir = buildGraph(spec, grid(4, 4), { kind: "train-step" });
    const kinds = ir.ops.map((o) => (o.kind === "matmul" ? `${o.role}${o.layer}` : o.kind === "vector" ? `${o.fn}` : o.kind));
    expect(kinds).toEqual([
      "forward0", // X0 (21 columns over 4 rows) arrives in k-tile strips carried by forward0 ...
      "transfer", "transfer", "transfer", // ... then Y and the constant lanes of X1 and X2
      "forward1", "forward2", "transfer", // ... and A to host
      "sub", "copy", // loss: identity output
      "transpose", "error2", "drelumul", // the error chain first (it is the critical path) ...
      "transpose", "error1", "dsigmul",
      "transpose",
      "gradient1", "gradient0", "gradient2", // ... then the gradients, each with its VSGDs, the output layer's last
      "halt",
    ]);
    const f0 = ir.ops[0] as MatmulOp;
    expect(f0.stripInputs?.map((t) => [t.host.col, t.ub.col, t.ub.cols, t.ub.rows])).toEqual([0, 4, 8, 12, 16, 20].map((c) => [c, c, c < 20 ? 4 : 1, 6]));
    expect(ir.buffers.find((b) => b.name === "X0")!.blockCols).toBe(4);
    const d = ir.ops.find((o) => o.kind === "vector" && o.fn === "copy");
    expect(d && d.kind === "vector" && d.imm).toBe(Math.fround(2 / 6));
  });

  it("states each product in the array's terms (M vectors x K contraction x N outputs)", () => {
    const ir = buildGraph(spec, grid(4, 4), { kind: "train-step" });
    const mm = ir.ops.filter((o): o is MatmulOp => o.kind === "matmul");
    const shape = (role: string, layer: number) => matmulShape(mm.find((o) => o.role === role && o.layer === layer)!);
    expect(shape("forward", 0)).toEqual({ m: 6, k: 21, n: 7 });
    expect(shape("error", 1)).toEqual({ m: 6, k: 5, n: 7 });
    expect(shape("gradient", 1)).toEqual({ m: 5, k: 6, n: 8 });
    const x1 = ir.buffers.find((b) => b.name === "X1")!;
    expect([x1.rows, x1.cols]).toEqual([6, 8]);
    expect(ir.buffers.find((b) => b.name === "X3")!.cols).toBe(3);
  });

  it("inference has no labels, loss or backward ops", () => {
    const ir = buildGraph(spec, grid(4, 4), { kind: "inference" });
    expect(ir.ops.some((o) => o.kind === "vector" || o.kind === "transpose" || (o.kind === "matmul" && o.role !== "forward"))).toBe(false);
    expect(ir.buffers.some((b) => b.name === "labels" || b.name === "Y")).toBe(false);
  });

  it("keeps one host column per distinct constant-lane value", () => {
    const hw = grid(4, 4, { dtype: "int8" });
    const int8 = [1, 2, 3].map((i) => ({ inScale: 0.5, outScale: 2, biasLane: i === 3 ? 2 : 9 * i }));
    const ir = buildGraph(spec, hw, { kind: "inference", int8 });
    expect(ir.hostData[0].values.slice(0, 2)).toEqual(new Float32Array([18, 2]));
    const fwd = ir.ops.find((o): o is MatmulOp => o.kind === "matmul");
    expect(fwd?.epilogue.kind === "activate" && [fwd.epilogue.inScale, fwd.epilogue.outScale]).toEqual([0.5, 2]);
  });

  it("rejects training on int8 and mismatched int8 parameters", () => {
    expect(() => buildGraph(spec, grid(4, 4, { dtype: "int8" }), { kind: "train-step" })).toThrow(UserInputError);
    const p = { inScale: 1, outScale: 1, biasLane: 1 };
    expect(() => buildGraph(spec, grid(4, 4, { dtype: "int8" }), { kind: "inference", int8: [p] })).toThrow(/cover 1 layers/);
    expect(() => buildGraph(spec, grid(4, 4), { kind: "inference", int8: [p, p, p] })).toThrow(/bf16 machine/);
  });
});

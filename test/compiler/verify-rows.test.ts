/**
 * verify()'s checks for row-blocked matmuls (convolutions): each fires on a deliberately broken IR.
 * The passing side is every conv program the other tests compile with { check: true }.
 */
import { describe, expect, it } from "vitest";
import { verify, VerifyError } from "../../src/compiler/index.js";
import type { CompilerIr, MatmulOp, Op, TileStep } from "../../src/compiler/ir.js";
import { convSpec } from "./conv-harness.js";
import { grid } from "./harness.js";
import { placedIr } from "./lowering.js";

const hw = grid(4, 4);
const ir = placedIr(convSpec({ image: 6, kernel: 3, channels: 5, stride: 1, padding: 1, activation: "relu" }, [[3, "sigmoid"]], 3), hw);

function check(bad: CompilerIr): string {
  try {
    verify(bad, hw);
  } catch (e) {
    if (e instanceof VerifyError) return e.problems.join("\n");
    throw e;
  }
  return "";
}
const isConv = (op: Op): op is MatmulOp => op.kind === "matmul" && op.role === "forward" && op.layer === 0;
const onConv = (f: (op: MatmulOp) => MatmulOp): CompilerIr => ({ ...ir, ops: ir.ops.map((op) => (isConv(op) ? f(op) : op)) });
const withSteps = (f: (s: readonly TileStep[]) => TileStep[]) => onConv((op) => ({ ...op, tiling: { ...op.tiling!, steps: f(op.tiling!.steps) } }));

describe("verify rejects, for row blocks", () => {
  it("nothing in the program as compiled", () => {
    expect(check(ir)).toBe("");
  });

  it("a pass that reuses a tile it did not load", () => {
    // Two n-tiles (5 channels on 4 columns): the first pass of n-tile 1 must load.
    expect(check(withSteps((s) => s.map((x) => (x.kind === "pass" ? { ...x, load: false } : x))))).toMatch(/reuses a tile it did not load/);
  });

  it("an m-tile that splits a row block, and block inputs that do not match the blocks", () => {
    expect(check(onConv((op) => ({ ...op, tiling: { ...op.tiling!, mTiles: [{ start: 0, size: 10 }, { start: 10, size: 26 }, { start: 36, size: 72 }] } })))).toMatch(
      /m-tile splits a row block/,
    );
    expect(check(onConv((op) => ({ ...op, blockInputs: op.blockInputs!.slice(1) })))).toMatch(/2 lists of block inputs for its row blocks/);
    expect(check(onConv((op) => ({ ...op, blockInputs: op.blockInputs!.map((l) => l.map((t) => (t.kind === "transfer" ? { ...t, ub: { ...t.ub, buffer: "X1" } } : t))) })))).toMatch(
      /a block input must fill X0/,
    );
  });

  it("a segmented view where one strided block is needed, or one that leaves its buffer row", () => {
    const epilogue = ir.ops.find(isConv)!.epilogue;
    if (epilogue.kind !== "activate") throw new Error("the convolution drains by ACT");
    const dst = epilogue.dst;
    expect(dst.segment).toBe(36);
    expect(check({ ...ir, ops: ir.ops.map((op) => (op.kind === "vector" && op.phase === "input" ? { ...op, dst, a: dst, b: dst } : op)) })).toMatch(
      /a segmented view of X1 where one strided block is needed/,
    );
    expect(check(onConv((op) => (op.epilogue.kind === "activate" ? { ...op, epilogue: { ...op.epilogue, dst: { ...op.epilogue.dst, pitch: 6 } } } : op)))).toMatch(
      /pitch 6, segment 36 outside X1/,
    );
  });

  it("a gather outside the host input buffer", () => {
    const gather = ir.ops.find(isConv)!.blockInputs![2].at(-1)!;
    if (gather.kind !== "transfer") throw new Error("a first convolution gathers from host memory");
    const far = { ...gather, host: { ...gather.host, col: 1000 } };
    expect(check(onConv((op) => ({ ...op, blockInputs: [op.blockInputs![0], op.blockInputs![1], [far]] })))).toMatch(/outside input/);
  });
});

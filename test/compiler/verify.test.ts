/** verify() accepts every compiled program and each of its checks fires on a deliberately broken one. */
import { describe, expect, it } from "vitest";
import { compileInference, compileTrainingStep, verify, verifyCompiled, VerifyError } from "../../src/compiler/index.js";
import type { CompiledProgram } from "../../src/compiler/index.js";
import type { CompilerIr, MatmulOp, Op, TileStep } from "../../src/compiler/ir.js";
import { makeInstruction as I, OPCODE_BY_MNEMONIC } from "../../src/isa/opcodes.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { grid, makeSpec } from "./harness.js";
import { placedIr } from "./lowering.js";

const hw = grid(3, 2, { weightFifoTiles: 2, accumulatorRows: 64 });
const spec = makeSpec(5, [[4, "sigmoid"], [3, "relu"]], 4);
const compiled = compileTrainingStep(spec, hw, { check: true });

function problemsOf(run: () => void): string {
  try {
    run();
  } catch (e) {
    if (e instanceof VerifyError) return e.problems.join("\n");
    throw e;
  }
  return "";
}

/** The compiled program with instruction `pc` replaced (or removed when `ins` is null). */
function withInstruction(pc: number, ins: Instruction | null, c: CompiledProgram = compiled): CompiledProgram {
  const list = [...c.program.instructions];
  if (ins) list[pc] = ins;
  else list.splice(pc, 1);
  return { ...c, program: { ...c.program, instructions: list } };
}
const pcOf = (pred: (i: Instruction) => boolean) => compiled.program.instructions.findIndex(pred);
const patch = (pc: number, fields: Record<string, number>): Instruction => {
  const ins = compiled.program.instructions[pc];
  return { ...ins, f: { ...ins.f, ...fields } };
};
const brokenProgram = (pc: number, fields: Record<string, number>) => problemsOf(() => verifyCompiled(withInstruction(pc, patch(pc, fields))));

describe("verify accepts", () => {
  it("every program the compiler emits", () => {
    for (const [r, c] of [[1, 1], [3, 5], [7, 7], [16, 16], [64, 96]] as const) {
      for (const fifo of [1, 4]) {
        const h = grid(r, c, { weightFifoTiles: fifo });
        expect(() => verifyCompiled(compileTrainingStep(spec, h, { check: true }))).not.toThrow();
        expect(() => verifyCompiled(compileInference(spec, h, undefined, { check: true }))).not.toThrow();
      }
    }
  });
});

describe("verify rejects (instruction checks)", () => {
  const mmul = pcOf((i) => i.op === "MMUL");
  const rdw = pcOf((i) => i.op === "RDW");
  const act = pcOf((i) => i.op === "ACT");
  const vsgd = pcOf((i) => i.op === "VSGD");
  const rhm = pcOf((i) => i.op === "RHM");
  it("a VEC source that overlaps its destination without being the same block (the machine faults at issue)", () => {
    const vec = pcOf((i) => i.op === "VEC" && i.comment === "loss: e = A - Y");
    const f = compiled.program.instructions[vec].f;
    expect(brokenProgram(vec, { a: f.dst + 1, astride: f.dstride })).toMatch(/VEC .*: source a overlaps the destination without being the same block/);
    expect(brokenProgram(vec, { b: f.dst, bstride: f.dstride + 1 })).toMatch(/source b overlaps the destination/);
    // In place (the same block) is an elementwise update, and copy never reads b.
    expect(brokenProgram(vec, { a: f.dst, astride: f.dstride })).toBe("");
    expect(brokenProgram(vec, { fn: 3, b: f.dst + 1 })).toBe("");
  });
  it("a field wider than its bits", () => expect(brokenProgram(mmul, { acc: 2 ** 16 })).toMatch(/field acc = 65536 does not fit 16 unsigned bits/));
  it("a negative or fractional field", () => expect(brokenProgram(mmul, { rows: 1.5 })).toMatch(/field rows = 1.5 does not fit/));
  it("an f32 field that is not an fp32 value", () => expect(brokenProgram(vsgd, { lr: 0.1 })).toMatch(/field lr = 0.1 is not a finite fp32 value/));
  it("an enum out of range", () => expect(brokenProgram(act, { fn: 7 })).toMatch(/field fn = 7 is not one of identity, relu, sigmoid/));
  it("an unknown or missing field", () => {
    expect(brokenProgram(act, { bogus: 1 })).toMatch(/unknown field bogus/);
    const { acc: _acc, ...f } = compiled.program.instructions[act].f;
    expect(problemsOf(() => verifyCompiled(withInstruction(act, { op: "ACT", f })))).toMatch(/field acc is missing/);
  });
  it("an instruction that moves nothing", () => expect(brokenProgram(rhm, { rows: 0 })).toMatch(/moves nothing/));
  it("a tile larger than the array", () => expect(brokenProgram(rdw, { rows: 4 })).toMatch(/tile 4x2 exceeds the 3x2 array/));
  it("MMUL vectors longer than R", () => expect(brokenProgram(mmul, { cols: 4 })).toMatch(/vectors of 4 elements exceed the 3 array rows/));
  it("ACT or VSGD wider than C", () => {
    expect(brokenProgram(act, { cols: 3 })).toMatch(/3 columns exceed the 2 accumulator columns/);
    expect(brokenProgram(vsgd, { cols: 3 })).toMatch(/3 columns exceed the 2 accumulator columns/);
  });
  it("addresses outside the unified buffer, accumulators, weight memory or host memory", () => {
    expect(brokenProgram(rhm, { ub: hw.unifiedBufferElements - 1 })).toMatch(/ub range .* outside the unified buffer/);
    expect(brokenProgram(mmul, { acc: 63 })).toMatch(/acc range \[63, 67\) lies outside the accumulators \(size 64\)/);
    expect(brokenProgram(rdw, { wm: hw.weightMemoryElements })).toMatch(/outside the weight memory/);
    expect(brokenProgram(rhm, { host: compiled.host.elements })).toMatch(/outside the host memory/);
  });
});

describe("verify rejects (program checks)", () => {
  const firstMmul = pcOf((i) => i.op === "MMUL");
  it("a switch with no tile loaded before it", () => {
    const noLoads = compiled.program.instructions.filter((i) => i.op !== "RDW" && i.op !== "RDWU");
    expect(problemsOf(() => verifyCompiled({ ...compiled, program: { ...compiled.program, instructions: noLoads } }))).toMatch(
      /switch with no tile loaded before it/,
    );
  });
  it("an MMUL without switch before any tile is active", () => {
    expect(brokenProgram(firstMmul, { switch: 0 })).toMatch(/MMUL without switch before any tile is active/);
  });
  it("more outstanding loads than the FIFO holds", () => {
    const extra = [...Array(3)].map(() => I("RDW", { wm: 0, wstride: 6, rows: 3, cols: 2 }));
    const list = [...extra, ...compiled.program.instructions];
    expect(problemsOf(() => verifyCompiled({ ...compiled, program: { ...compiled.program, instructions: list } }))).toMatch(
      /the weight FIFO would need 3 outstanding loads but holds 2 tiles[\s\S]*never switched to/,
    );
  });
  it("a missing HALT or instructions after it", () => {
    const n = compiled.program.instructions.length;
    expect(problemsOf(() => verifyCompiled(withInstruction(n - 1, null)))).toMatch(/does not end with HALT/);
    expect(problemsOf(() => verifyCompiled(withInstruction(0, I("HALT"))))).toMatch(/instructions follow HALT/);
  });
  it("a data segment overrunning its memory", () => {
    const data = [{ memory: "host" as const, address: compiled.host.elements - 1, values: new Float32Array(2) }];
    expect(problemsOf(() => verifyCompiled({ ...compiled, program: { ...compiled.program, data } }))).toMatch(/overruns its memory/);
  });
});

describe("verify rejects (IR checks between passes)", () => {
  const ir = placedIr(spec, hw);
  const mapOps = (f: (op: Op) => Op): CompilerIr => ({ ...ir, ops: ir.ops.map(f) });
  const onForward0 = (f: (op: MatmulOp) => MatmulOp) =>
    mapOps((op) => (op.kind === "matmul" && op.role === "forward" && op.layer === 0 ? f(op) : op));
  const withSteps = (steps: (s: readonly TileStep[]) => TileStep[]) => onForward0((op) => ({ ...op, tiling: { ...op.tiling!, steps: steps(op.tiling!.steps) } }));
  const check = (x: CompilerIr) => problemsOf(() => verify(x, hw));
  it("passes on the untouched IR", () => expect(check(ir)).toBe(""));
  it("duplicate buffers and views outside their buffer or space", () => {
    expect(check({ ...ir, buffers: [...ir.buffers, ir.buffers[0]] })).toMatch(/buffer input is declared twice/);
    expect(check(onForward0((op) => ({ ...op, input: { ...op.input, rows: 5 } })))).toMatch(/view 5x6 at \(0, 0\) outside X0/);
    expect(check(onForward0((op) => ({ ...op, input: { ...op.input, buffer: "input" } })))).toMatch(/buffer input is in host, expected ub/);
  });
  it("mismatched shapes", () => {
    expect(check(onForward0((op) => ({ ...op, input: { ...op.input, cols: 5 } })))).toMatch(/input has 5 columns but the stationary operand 6 rows/);
    expect(check(mapOps((op) => (op.kind === "transfer" ? { ...op, host: { ...op.host, cols: 1 } } : op)))).toMatch(/shapes .* differ/);
    expect(check(mapOps((op) => (op.kind === "transpose" ? { ...op, dst: op.src } : op)))).toMatch(/not the transposed shape/);
    expect(check(mapOps((op) => (op.kind === "vector" ? { ...op, b: { ...op.b, rows: 1 } } : op)))).toMatch(/shapes .* differ/);
    expect(check(onForward0((op) => (op.epilogue.kind === "activate" ? { ...op, epilogue: { ...op.epilogue, dst: { ...op.epilogue.dst, cols: 3 } } } : op)))).toMatch(
      /result is 4x4 but the epilogue writes 4x3/,
    );
  });
  it("tiles that break the grid or the cover", () => {
    expect(check(onForward0((op) => ({ ...op, tiling: { ...op.tiling!, kTiles: [{ start: 0, size: 6 }] } })))).toMatch(/k-tile 0\+6 breaks the cover of 6 by <= 3/);
    expect(check(onForward0((op) => ({ ...op, tiling: { ...op.tiling!, nTiles: [{ start: 0, size: 2 }] } })))).toMatch(/n-tiles cover 2 of 4/);
  });
  it("passes out of k order, a wrong accumulate flag, early or missing drains, shared or unknown slots", () => {
    expect(check(withSteps((s) => [s[2], s[3], s[0], s[1], ...s.slice(4)]))).toMatch(/out of order/);
    expect(check(withSteps((s) => s.map((x) => (x.kind === "pass" ? { ...x, accumulate: true } : x))))).toMatch(/has accumulate=true/);
    expect(check(withSteps((s) => [s[0], s[s.length - 2], ...s.slice(1, -2), s[s.length - 1]]))).toMatch(/drained before all its passes/);
    expect(check(withSteps((s) => s.filter((x) => x.kind === "pass" || x.n !== 1)))).toMatch(/never drained/);
    expect(check(withSteps((s) => s.map((x) => ({ ...x, slot: 0 }))))).toMatch(/reuses slot 0 while n-tile 0 is live/);
    expect(check(withSteps((s) => s.map((x) => ({ ...x, slot: x.slot + 5 }))))).toMatch(/outside 2 slots/);
  });
  it("placements outside memory or overlapping, and accumulator regions past the end", () => {
    expect(check({ ...ir, buffers: ir.buffers.map((b) => (b.name === "X1" ? { ...b, address: 0 } : b)) })).toMatch(/X1 overlaps X0 in ub|X0 overlaps X1/);
    expect(check({ ...ir, weights: ir.weights.map((w) => ({ ...w, address: hw.weightMemoryElements })) })).toMatch(/M0 .* lies outside weights/);
    expect(check(onForward0((op) => ({ ...op, accBase: 63 })))).toMatch(/accumulator rows \[63, 71\) outside 64/);
  });
  it("bad instructions in lowered ops", () => {
    const bits = OPCODE_BY_MNEMONIC.get("RHM")!.fields.find((f) => f.name === "ub")!.bits;
    const bad = mapOps((op) => (op.kind === "halt" ? { ...op, code: [I("RHM", { rows: 1, cols: 1, ub: 2 ** bits })] } : op));
    expect(check(bad)).toMatch(new RegExp(`field ub = ${2 ** bits} does not fit ${bits} unsigned bits`));
  });
});

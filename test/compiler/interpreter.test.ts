/** The independent ISA interpreter (test/helpers/isa-interpreter.ts) on small hand-computed programs. */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { makeInstruction as I } from "../../src/isa/opcodes.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { InterpreterFault, IsaInterpreter } from "../helpers/isa-interpreter.js";

const small = (rows: number, cols: number, dtype: "bf16" | "int8" = "bf16") =>
  buildHwConfig("small", { rows, cols, dtype, unifiedBufferBytes: 4096, accumulatorRows: 16, weightMemoryBytes: 1024 });

function run(hw: ReturnType<typeof small>, instructions: Instruction[], host: number[] = [], weights: number[] = []) {
  const m = new IsaInterpreter(hw, 64);
  m.host.set(host);
  m.weights.set(weights);
  m.run({ instructions: [...instructions, I("HALT")], data: [] });
  return m;
}

describe("isa interpreter", () => {
  it("RHM, RDW, MMUL, ACT, WHM: a 2x2 product with a sigmoid", () => {
    const hw = small(2, 2);
    // X = [[1, 2], [3, 4]] at host 0; W = [[1, 0.5], [2, -1]] at weight memory 0; Z = X W.
    const m = run(
      hw,
      [
        I("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }),
        I("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
        I("MMUL", { ub: 0, ustride: 2, rows: 2, cols: 2, acc: 0, switch: 1 }),
        I("ACT", { acc: 0, rows: 2, cols: 2, ub: 8, ustride: 2, fn: "identity" }),
        I("ACT", { acc: 0, rows: 2, cols: 2, ub: 12, ustride: 2, fn: "sigmoid" }),
        I("WHM", { ub: 8, ustride: 2, host: 10, hstride: 2, rows: 2, cols: 2 }),
      ],
      [1, 2, 3, 4],
      [1, 0.5, 2, -1],
    );
    expect(Array.from(m.acc.subarray(0, 4))).toEqual([5, -1.5, 11, -2.5]);
    expect(Array.from(m.host.subarray(10, 14))).toEqual([5, -1.5, 11, -2.5]);
    // sigmoid(5) = 0.99330..., in bf16 0.9921875 (8 significant bits).
    expect(m.ub[12]).toBe(0.9921875);
    expect(m.stats.macs).toBe(2 * 2 * 2);
  });

  it("RDW transpose reads tile[r][c] = wm[c*wstride + r]", () => {
    const hw = small(2, 3);
    const m = run(
      hw,
      [
        I("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }),
        I("RDW", { wm: 0, wstride: 2, rows: 2, cols: 3, transpose: 1 }),
        I("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
      ],
      [1, 10],
      // stored 3 x 2: row n = [w(n,0), w(n,1)]; z_n = 1*w(n,0) + 10*w(n,1)
      [1, 2, 3, 4, 5, 6],
    );
    expect(Array.from(m.acc.subarray(0, 3))).toEqual([21, 43, 65]);
  });

  it("accumulates over two k-tiles in order and pads short vectors and tiles with zeros", () => {
    const hw = small(2, 2);
    const m = run(
      hw,
      [
        I("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 1, cols: 3 }),
        I("RDW", { wm: 0, wstride: 1, rows: 2, cols: 1 }),
        I("RDW", { wm: 2, wstride: 1, rows: 1, cols: 1 }),
        I("MMUL", { ub: 0, ustride: 3, rows: 1, cols: 2, acc: 3, switch: 1 }),
        I("MMUL", { ub: 2, ustride: 3, rows: 1, cols: 1, acc: 3, switch: 1, accumulate: 1 }),
      ],
      [1, 2, 3],
      [4, 5, 6],
    );
    expect(m.acc[3 * 2]).toBe(1 * 4 + 2 * 5 + 3 * 6);
    // Column 1 lies outside both tiles: +0 products, stored as +0.
    expect(Object.is(m.acc[3 * 2 + 1], 0)).toBe(true);
  });

  it("rounds the fp32 chain after every addition (bf16 mode)", () => {
    const hw = small(3, 1);
    // 2^24 + 1 + 1: each addition ties back to 2^24 (even), whereas the exact sum 2^24 + 2 is an fp32 value.
    const m = run(
      hw,
      [
        I("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 1, cols: 3 }),
        I("RDW", { wm: 0, wstride: 1, rows: 3, cols: 1 }),
        I("MMUL", { ub: 0, ustride: 3, rows: 1, cols: 3, acc: 0, switch: 1 }),
      ],
      [2 ** 24, 1, 1],
      [1, 1, 1],
    );
    expect(m.acc[0]).toBe(2 ** 24);
  });

  it("converts to bf16 on RHM (round to nearest even)", () => {
    const hw = small(2, 2);
    const m = run(hw, [I("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 })], [1 + 2 ** -8, 1 + 3 * 2 ** -8]);
    expect([m.ub[0], m.ub[1]]).toEqual([1, 1 + 2 ** -6]);
  });

  it("int8: saturating conversion, exact int32 wrap-around sums and requantizing ACT", () => {
    const hw = small(2, 1, "int8");
    const m = run(
      hw,
      [
        I("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }),
        I("RDW", { wm: 0, wstride: 1, rows: 2, cols: 1 }),
        I("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
        I("ACT", { acc: 0, rows: 1, cols: 1, ub: 4, ustride: 1, fn: "relu", inscale: 0.5, outscale: 0.25 }),
      ],
      [300, 2.5], // -> 127, 2 (half to even)
      [-200, 100.4], // -> -128, 100
    );
    expect([m.ub[0], m.ub[1]]).toEqual([127, 2]);
    expect(m.acc[0]).toBe(127 * -128 + 2 * 100);
    expect(m.ub[4]).toBe(0);
    const wrap = new IsaInterpreter(hw, 4);
    wrap.acc[0] = 2 ** 31 - 1;
    wrap.ub.set([1, 1]);
    wrap.weights.set([1, 0]);
    wrap.run({ instructions: [I("RDW", { wm: 0, wstride: 1, rows: 2, cols: 1 }), I("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1, accumulate: 1 })], data: [] });
    expect(wrap.acc[0]).toBe(-(2 ** 31));
  });

  it("VEC, VTR and VSGD", () => {
    const hw = small(2, 2);
    const m = new IsaInterpreter(hw, 8);
    m.ub.set([0.5, 0.25, 1, -1], 0); // a
    m.ub.set([0.5, 0.75, 0, 2], 4); // b
    m.acc.set([1, 2, 3, 4]);
    m.weights.set([1, 1, 1, 1]);
    m.run({
      instructions: [
        I("VEC", { fn: "dsigmul", dst: 8, dstride: 2, a: 0, astride: 2, b: 4, bstride: 2, rows: 2, cols: 2, imm: 2 }),
        I("VEC", { fn: "drelumul", dst: 12, dstride: 2, a: 0, astride: 2, b: 4, bstride: 2, rows: 2, cols: 2, imm: 1 }),
        I("VTR", { src: 0, sstride: 2, rows: 2, cols: 2, dst: 16, dstride: 2 }),
        I("VSGD", { wm: 0, wstride: 2, acc: 0, rows: 2, cols: 2, lr: 0.5 }),
        I("HALT"),
      ],
      data: [],
    });
    // 2 * a * b * (1 - b)
    expect(Array.from(m.ub.subarray(8, 12))).toEqual([0.25, 0.09375, 0, 4]);
    expect(Array.from(m.ub.subarray(12, 16))).toEqual([0.5, 0.25, 0, -1]);
    expect(Array.from(m.ub.subarray(16, 20))).toEqual([0.5, 1, 0.25, -1]);
    expect(Array.from(m.weights.subarray(0, 4))).toEqual([0.5, 0, -0.5, -1]);
  });

  it("WHMA copies accumulator rows to host memory unrounded", () => {
    const hw = small(2, 3);
    const m = new IsaInterpreter(hw, 8);
    m.acc.set([1.5, 2 ** -20, 3, 4, 5, 6]);
    m.run({ instructions: [I("WHMA", { acc: 0, rows: 2, cols: 2, host: 1, hstride: 3 }), I("HALT")], data: [] });
    expect(Array.from(m.host)).toEqual([0, 1.5, 2 ** -20, 0, 4, 5, 0, 0]);
  });

  it("RDWU loads a stationary tile from the unified buffer, in FIFO order", () => {
    const hw = small(2, 2);
    const m = new IsaInterpreter(hw, 4);
    m.ub.set([1, 2, 3, 4, 1, 1]);
    m.run({
      instructions: [
        I("RDWU", { ub: 0, ustride: 2, rows: 2, cols: 2 }),
        I("RDWU", { ub: 0, ustride: 2, rows: 2, cols: 2, transpose: 1 }),
        I("MMUL", { ub: 4, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
        I("MMUL", { ub: 4, ustride: 2, rows: 1, cols: 2, acc: 1, switch: 1 }),
        I("MMUL", { ub: 4, ustride: 2, rows: 1, cols: 2, acc: 2 }),
        I("HALT"),
      ],
      data: [],
    });
    expect(Array.from(m.acc.subarray(0, 6))).toEqual([4, 6, 3, 7, 3, 7]);
  });

  it("faults on a switch with no tile, an out-of-range address and a non-finite bf16 write", () => {
    const hw = small(2, 2);
    expect(() => run(hw, [I("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 })])).toThrow(InterpreterFault);
    expect(() => run(hw, [I("RHM", { host: 0, hstride: 2, ub: 5000, ustride: 2, rows: 1, cols: 2 })])).toThrow(/unified buffer address/);
    expect(() => run(hw, [I("RHM", { host: 0, hstride: 1, ub: 0, ustride: 1, rows: 1, cols: 1 })], [Infinity])).toThrow(/non-finite/);
  });
});

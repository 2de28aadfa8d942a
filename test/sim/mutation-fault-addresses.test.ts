/**
 * Where and when fast mode's held faults fire (src/sim/issue.ts: `blockAddress`, the transposed
 * RDW's weight address, the activation row a fault is held for, VSMX's address), against detailed
 * mode, whose units latch the fault as they write (docs/ARCHITECTURE.md "Faults"), and against the
 * address computed here by hand. Every earlier fault test put its bad value at block element 0 or
 * in row 0, where a wrong row or stride term gives the same address (docs/MUTATION.md, issue.ts).
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { ins, program, faultOf as runToFault } from "../helpers/programs.js";

const hw = buildHwConfig("small", { rows: 2, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 256 });

const faultOf = (prog: Program, mode: SimMode, setup?: (s: Simulator) => void) => runToFault(hw, prog, mode, setup);

/** Both modes fault alike; returns the fault. */
function bothModes(prog: Program, setup?: (s: Simulator) => void): { cycle: number; unit: string; detail: string } {
  const d = faultOf(prog, "detailed", setup);
  expect(faultOf(prog, "fast", setup)).toEqual(d);
  return d;
}

describe("fault addresses and cycles beyond row 0", () => {
  it("VEC: the first overflowing result at block (1, 2) of a strided destination", () => {
    // 2^127 + 2^127 = 2^128 overflows; only a[1][2] is 2^127, b is the same block.
    const a = new Float32Array(6).fill(1);
    a[5] = 2 ** 127;
    const prog = program([
      ins("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 2, cols: 3 }),
      ins("VEC", { fn: "add", dst: 100, dstride: 5, a: 0, astride: 3, b: 0, bstride: 3, rows: 2, cols: 3 }),
      ins("HALT"),
    ], [{ memory: "host", address: 0, values: a }]);
    const f = bothModes(prog);
    // Block element (1, 2) of a block at 100 with stride 5: 100 + 1 * 5 + 2.
    expect([f.unit, f.detail]).toEqual(["vector", "non-finite value written to unified buffer address 107"]);
  });

  it("VSMX: a NaN in source row 1 makes destination row 1 NaN, named at its first element", () => {
    // Softmax of a row holding NaN is NaN everywhere (the sum is NaN). Only initial contents can hold
    // a NaN in bf16 (every write of one faults), so the test puts it there.
    const prog = program([ins("VSMX", { src: 0, sstride: 4, dst: 50, dstride: 6, rows: 2, cols: 3 }), ins("HALT")]);
    const f = bothModes(prog, (s) => s.dp.ub.set([1, 2, 3, 0, 4, NaN, 5], 0));
    // Destination row 1 starts at 50 + 6; its element 0 is the first written.
    expect([f.unit, f.detail]).toEqual(["vector", "non-finite value written to unified buffer address 56"]);
    // And in row 0: block element 0 is named at the destination itself, 50.
    const g = bothModes(prog, (s) => s.dp.ub.set([NaN, 2, 3], 0));
    expect(g.detail).toBe("non-finite value written to unified buffer address 50");
  });

  it("transposed RDW: tile element (1, 1) comes from weight memory address 0 + 1 * 2 + 1", () => {
    // transpose: tile (r, c) = wm[addr + c * stride + r]; only address 3 is bad, i.e. tile (1, 1).
    const prog = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2, transpose: 1 }), ins("HALT")], [
      { memory: "weights", address: 0, values: new Float32Array([1, 2, 3, NaN]) },
    ]);
    const f = bothModes(prog);
    expect([f.unit, f.detail]).toEqual(["weights", "non-finite weight at weight memory address 3"]);
  });

  it("ACT: an overflow in row 1 faults when row 1 is written, one cycle after row 0", () => {
    // acc rows 2 and 3; only acc[3][1] = 1 overflows: 1 * 2^70 * 2^70 = 2^140.
    const prog = program([ins("ACT", { acc: 2, rows: 2, cols: 2, ub: 10, ustride: 3, fn: "identity", inscale: 2 ** 70, outscale: 2 ** 70 }), ins("HALT")]);
    const f = bothModes(prog, (s) => (s.dp.acc.data[3 * hw.cols + 1] = 1));
    expect(f.unit).toBe("activation");
    // Block element (1, 1) at 10 + 1 * 3 + 1; row i is written in step L + i, the ACT issued at 0.
    expect(f.detail).toBe("non-finite value written to unified buffer address 14");
    expect(f.cycle).toBe(hw.activationLatency + 1);
  });

  it("VEC: an overflow at unified buffer address 0 is a fault like any other address", () => {
    const prog = program([
      ins("RHM", { host: 0, hstride: 2, ub: 4, ustride: 2, rows: 1, cols: 2 }),
      ins("VEC", { fn: "add", dst: 0, dstride: 2, a: 4, astride: 2, b: 4, bstride: 2, rows: 1, cols: 2 }),
      ins("HALT"),
    ], [{ memory: "host", address: 0, values: new Float32Array([2 ** 127, 1]) }]);
    expect(bothModes(prog).detail).toBe("non-finite value written to unified buffer address 0");
  });

  it("two passes whose first bad results land in the same cycle: the lower column is named", () => {
    // R = 2, C = 4. W = [[1, 1, B, 1], [1, B, 1, 1]], B = 2^127; pass 1 multiplies [B, 0] (only
    // column 2 overflows: B * B), pass 2 [0, B] (only column 1). RHM at 0 (8 bytes), RDW at 1 (16
    // bytes, lands in cycle 1), shift from 2, bank ready at 2 + R - 1 = 3: pass 1 issues at 3, pass
    // 2 at 4. Result (b, c) is written at t0 + b + R + c + 1: pass 1's (0, 2) at 3 + 0 + 2 + 2 + 1 = 8,
    // pass 2's (0, 1) at 4 + 0 + 2 + 1 + 1 = 8.
    const B = 2 ** 127;
    const prog = program([
      ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }),
      ins("RDW", { wm: 0, wstride: 4, rows: 2, cols: 4 }),
      ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
      ins("MMUL", { ub: 2, ustride: 2, rows: 1, cols: 2, acc: 1 }),
      ins("HALT"),
    ], [
      { memory: "host", address: 0, values: new Float32Array([B, 0, 0, B]) },
      { memory: "weights", address: 0, values: new Float32Array([1, 1, B, 1, 1, B, 1, 1]) },
    ]);
    const f = bothModes(prog);
    expect(f).toEqual({ cycle: 8, unit: "matrix", detail: "non-finite value written to accumulator row 1, column 1" });
  });
});

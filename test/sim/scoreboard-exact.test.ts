/**
 * The scoreboard compares strided blocks element by element (docs/ARCHITECTURE.md "Controller"):
 * blocksShare against the set of addresses each block covers, enumerated.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeInstruction } from "../../src/isa/opcodes.js";
import { Simulator } from "../../src/sim/controller.js";
import { blocksShare, conflicts, decodeOp, type Access } from "../../src/sim/decode.js";
import { NULL_SINK, type TraceSink } from "../../src/sim/trace.js";
import { naiveHw } from "../helpers/naive-programs.js";
import { life, runNaive } from "../helpers/naive/self-run.js";

const block = (lo: number, stride: number, rows: number, cols: number): Access => ({
  mem: 0, lo, hi: lo + (rows - 1) * stride + cols, write: true, stride, rows, cols,
});

function elements(a: Access): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < a.rows; i++) for (let c = 0; c < a.cols; c++) s.add(a.lo + i * a.stride + c);
  return s;
}

const enumerated = (p: Access, q: Access) => {
  const e = elements(p);
  for (const x of elements(q)) if (e.has(x)) return true;
  return false;
};

const arbBlock = fc
  .record({ lo: fc.integer({ min: 0, max: 60 }), stride: fc.integer({ min: 0, max: 14 }), rows: fc.integer({ min: 1, max: 7 }), cols: fc.integer({ min: 1, max: 12 }) })
  .map((b) => block(b.lo, b.stride, b.rows, b.cols));

describe("element-exact scoreboard", () => {
  it("blocksShare equals the enumerated intersection (seeded)", () => {
    fc.assert(fc.property(arbBlock, arbBlock, (p, q) => blocksShare(p, q) === enumerated(p, q)), { numRuns: 20000, seed: 15_2026 });
  });

  it("column tiles of one matrix do not conflict; a tile and a block over its columns do", () => {
    // W is 256 x 785 in weight memory: VSGD of column tile 1 (cols 128..255) against the forward's
    // transposed loads of column tile 0 (rows 0..127) and of column tile 1.
    const sgd = decodeOp({ op: "VSGD", f: { wm: 128, wstride: 785, acc: 0, rows: 256, cols: 128, lr: 0.1 } }, 0);
    const load0 = decodeOp({ op: "RDW", f: { wm: 0, wstride: 785, rows: 128, cols: 128, transpose: 1 } }, 1);
    const load1 = decodeOp({ op: "RDW", f: { wm: 128 + 128 * 785, wstride: 785, rows: 128, cols: 128, transpose: 1 } }, 2);
    expect(sgd.accesses[1].lo < load0.accesses[0].hi).toBe(true); // the bounding ranges intersect
    expect(conflicts(load0, sgd)).toBe(false);
    expect(conflicts(load1, sgd)).toBe(true);
  });
});

describe("element-exact scoreboard in the controller and the naive model", () => {
  // RDWU 4 x 2 reads buffer columns 0..1 of rows 0..3 (stride 4) in cycles 0..3. The RHM writes
  // columns 2..3 of the same rows: inside the RDWU's bounding range [0, 14), sharing no element, so
  // it issues at 1 (its 16 bytes at H = 16: one cycle). The WHM reads element 1, which the RDWU
  // reads too (no conflict) and writes host memory the RHM reads ([20, 22) vs the RHM's [0, 14)):
  // it issues at 2 behind the RHM (the DMA unit), without waiting for the RDWU either.
  const hwOver = { rows: 4, cols: 2, hostBytesPerCycle: 16 };
  const list = [
    makeInstruction("RDWU", { ub: 0, ustride: 4, rows: 4, cols: 2 }),
    makeInstruction("RHM", { host: 0, hstride: 4, ub: 2, ustride: 4, rows: 4, cols: 2 }),
    makeInstruction("WHM", { ub: 1, ustride: 1, host: 20, hstride: 1, rows: 1, cols: 1 }),
    makeInstruction("HALT"),
  ];

  it("an instruction inside another's bounding range but sharing no element does not wait", () => {
    const naive = runNaive(hwOver, list);
    expect([life(naive, 0), life(naive, 1), life(naive, 2)]).toEqual([[0, 3], [1, 1], [2, 2]]);
    for (const mode of ["detailed", "fast"] as const) {
      const lives = new Map<number, [number, number]>();
      const sink: TraceSink = {
        from: NULL_SINK.from, to: NULL_SINK.to, every: 1, wantsPe: false, peRegion: NULL_SINK.peRegion, needsFlush: false,
        cycle: () => {}, pe: () => {}, flush: async () => {}, close: async () => {},
        instruction: (_u, pc, _t, issue, complete) => void lives.set(pc, [issue, complete]),
      };
      const sim = new Simulator(naiveHw(hwOver), { mode });
      sim.load({ instructions: list, data: [] });
      sim.run({ sink });
      expect([lives.get(0), lives.get(1), lives.get(2)], mode).toEqual([[0, 3], [1, 1], [2, 2]]);
      expect(sim.stats.cycles, mode).toBe(naive.records.length);
    }
  });
});

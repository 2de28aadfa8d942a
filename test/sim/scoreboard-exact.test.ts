/**
 * The scoreboard compares strided blocks element by element (docs/ARCHITECTURE.md "Controller"):
 * blocksShare against the set of addresses each block covers, enumerated.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { blocksShare, conflicts, decodeOp, type Access } from "../../src/sim/decode.js";

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

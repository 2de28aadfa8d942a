/**
 * Fast mode's closed-form event counts (src/sim/timing.ts) against brute-force enumeration of the
 * events listed in docs/ARCHITECTURE.md "MatrixMultiply": vector b is read at t0 + b, column c reads
 * its psum input at t0 + b + 1 + c and writes result (b, c) at t0 + b + R + c + 1, PE(r, c) computes
 * vector b at t0 + b + 1 + r + c (a useful MAC when r < tile rows and c < tile cols), and the last
 * result is the completion. The gated shift's step k moves bank rows 0..k. Every event is generated
 * one by one here and counted in [from, to); nothing is shared with the formulas. Added because
 * mutation testing (docs/MUTATION.md) showed the equivalence tests reach few interval boundaries.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { macsIn, passCompleteCycle, psumReadsIn, resultWritesIn, shiftRowsMoved, vectorsReadIn } from "../../src/sim/timing.js";

interface Pass {
  t0: number;
  B: number;
  R: number;
  C: number;
  tileRows: number;
  tileCols: number;
}

/** Every event of one pass, by kind, as a list of cycles. */
function events(p: Pass): { read: number[]; psum: number[]; write: number[]; mac: number[] } {
  const read: number[] = [];
  const psum: number[] = [];
  const write: number[] = [];
  const mac: number[] = [];
  for (let b = 0; b < p.B; b++) {
    read.push(p.t0 + b);
    for (let c = 0; c < p.C; c++) {
      psum.push(p.t0 + b + 1 + c);
      write.push(p.t0 + b + p.R + c + 1);
    }
    for (let r = 0; r < p.tileRows; r++) for (let c = 0; c < p.tileCols; c++) mac.push(p.t0 + b + 1 + r + c);
  }
  return { read, psum, write, mac };
}

const inRange = (cycles: number[], from: number, to: number) => cycles.filter((t) => t >= from && t < to).length;

const pass: fc.Arbitrary<Pass> = fc
  .record({ t0: fc.integer({ min: 0, max: 20 }), B: fc.integer({ min: 1, max: 12 }), R: fc.integer({ min: 1, max: 7 }), C: fc.integer({ min: 1, max: 7 }) })
  .chain((p) => fc.record({
    t0: fc.constant(p.t0), B: fc.constant(p.B), R: fc.constant(p.R), C: fc.constant(p.C),
    tileRows: fc.integer({ min: 1, max: p.R }), tileCols: fc.integer({ min: 1, max: p.C }),
  }));

describe("closed-form pass event counts equal the enumerated events", () => {
  it("over every range [from, to) around a pass (seeded)", () => {
    const seed = 20251201;
    let ranges = 0;
    fc.assert(
      fc.property(pass, (p) => {
        const e = events(p);
        const end = p.t0 + p.B + p.R + p.C + 2;
        const wrong: string[] = [];
        const check = (what: string, got: number, want: number, from: number, to: number) => {
          if (got !== want && wrong.length < 3) wrong.push(`${what} [${from}, ${to}): ${got}, enumerated ${want}`);
        };
        for (let from = p.t0 - 2; from <= end; from++) {
          for (let to = from; to <= end + 1; to++) {
            check("vectors read", vectorsReadIn(from, to, p.t0, p.B), inRange(e.read, from, to), from, to);
            check("psum reads", psumReadsIn(from, to, p.t0, p.B, p.C), inRange(e.psum, from, to), from, to);
            check("result writes", resultWritesIn(from, to, p.t0, p.B, p.R, p.C), inRange(e.write, from, to), from, to);
            check("MACs", macsIn(from, to, p.t0, p.B, p.tileRows, p.tileCols), inRange(e.mac, from, to), from, to);
            ranges++;
          }
        }
        expect(wrong, JSON.stringify(p)).toEqual([]);
        expect(passCompleteCycle(p.R, p.C, p.t0, p.B)).toBe(Math.max(...e.write));
      }),
      { numRuns: 60, seed },
    );
    expect(ranges).toBeGreaterThan(1000);
  });

  it("a long pass (B = 5000) counts every MAC once: B * tileRows * tileCols", () => {
    const p: Pass = { t0: 7, B: 5000, R: 6, C: 5, tileRows: 4, tileCols: 3 };
    const e = events(p);
    const end = passCompleteCycle(p.R, p.C, p.t0, p.B) + 1;
    expect(macsIn(0, end, p.t0, p.B, p.tileRows, p.tileCols)).toBe(5000 * 4 * 3);
    for (const cut of [p.t0 + 3, p.t0 + 100, p.t0 + 4999, p.t0 + 5004]) {
      expect(macsIn(0, cut, p.t0, p.B, p.tileRows, p.tileCols) + macsIn(cut, end, p.t0, p.B, p.tileRows, p.tileCols)).toBe(5000 * 4 * 3);
      expect(macsIn(cut, cut + 3, p.t0, p.B, p.tileRows, p.tileCols)).toBe(inRange(e.mac, cut, cut + 3));
    }
  });

  it("the gated shift: steps [lo, hi) move the sum of k + 1 rows", () => {
    for (let lo = 0; lo <= 9; lo++) {
      for (let hi = lo; hi <= 9; hi++) {
        let rows = 0;
        for (let k = lo; k < hi; k++) rows += k + 1;
        expect(shiftRowsMoved(lo, hi), `[${lo}, ${hi})`).toBe(rows);
      }
    }
  });
});

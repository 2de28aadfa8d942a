/**
 * The systolic array driven by hand (src/hw/systolic-array.ts; docs/ARCHITECTURE.md "MatrixMultiply",
 * "Weight shift"): a vector latched at cycle t enters row r at t+1+r and moves right one PE per cycle;
 * partial sums move down one row per cycle; the gated weight shift leaves tile row r in bank row r
 * after R cycles. Each test compares whole per-cycle snapshots.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { SystolicArray, type PeSample } from "../../src/hw/systolic-array.js";

const R = 3;
const C = 4;

function makeArray(dtype: DType = "bf16", rows = R, cols = C): SystolicArray {
  return new SystolicArray(buildHwConfig("small", { rows, cols, dtype }));
}

/** W[r][c] = 10 r + c + 1 (distinct, exact in bf16 and int8). */
function tile(rows = R, cols = C, scale = 1): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => scale * (10 * Math.floor(i / cols) + (i % cols) + 1));
}

/** One clock: drive the input vector (or a bubble), evaluate against `top`, commit. */
function clock(a: SystolicArray, t: number, vector: number[] | null, bank: number, top: Float32Array | Int32Array): void {
  a.inVector.fill(0);
  if (vector) a.inVector.set(vector);
  a.inTag = vector ? bank + 1 : 0;
  a.evaluate(t, top);
  a.commit(t);
}

interface PeView {
  bank: number;
  act: number;
}

/** What every PE holds during cycle t (read before evaluating t). */
function peGrid(a: SystolicArray, t: number, top: Float32Array | Int32Array): PeView[][] {
  const s: PeSample = { actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };
  return Array.from({ length: a.R }, (_, r) =>
    Array.from({ length: a.C }, (_, c) => {
      a.peInputs(t, r, c, top, s);
      return { bank: s.bank, act: s.actIn };
    }),
  );
}

describe("SystolicArray data movement", () => {
  it("a vector latched at t0 is in PE(r,c) exactly during cycle t0 + 1 + r + c", () => {
    const a = makeArray();
    a.loadBankDirect(0, tile(), 0, R, C);
    const top = new Float32Array(C);
    const t0 = 7;
    const v = [2, 3, 5];
    const seen: PeView[][][] = [];
    const want: PeView[][][] = [];
    for (let t = t0; t <= t0 + R + C + 2; t++) {
      if (t > t0) seen.push(peGrid(a, t, top));
      if (t > t0) {
        want.push(
          Array.from({ length: R }, (_, r) =>
            Array.from({ length: C }, (_, c) => (t === t0 + 1 + r + c ? { bank: 1, act: v[r] } : { bank: 0, act: 0 })),
          ),
        );
      }
      clock(a, t, t === t0 ? v : null, 0, top);
    }
    expect(seen).toEqual(want);
  });

  it("partial sums run down each column: PE(r,c) outputs sum_{i<=r} x[i] W[i][c]; the bottom leaves at t0 + R + 1 + c", () => {
    const a = makeArray();
    const w = tile();
    a.loadBankDirect(1, w, 0, R, C);
    const top = Float32Array.from([100, 200, 300, 400]); // an accumulating pass's psum-in
    const t0 = 3;
    const x = [1, -2, 4];
    const psumOut: number[][] = Array.from({ length: R }, () => Array(C).fill(NaN));
    const bottomAt = new Map<number, number[]>();
    for (let t = t0; t <= t0 + R + C + 2; t++) {
      bottomAt.set(t, Array.from({ length: C }, (_, c) => a.bottom(t, c)));
      const inputs = peGrid(a, t, top);
      a.inVector.fill(0);
      if (t === t0) a.inVector.set(x);
      a.inTag = t === t0 ? 2 : 0;
      const psumIn: number[][] = [];
      const s: PeSample = { actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };
      for (let r = 0; r < R; r++) {
        psumIn.push([]);
        for (let c = 0; c < C; c++) {
          a.peInputs(t, r, c, top, s);
          psumIn[r].push(s.psumIn);
        }
      }
      a.evaluate(t, top);
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          if (inputs[r][c].bank !== 0) {
            expect(t).toBe(t0 + 1 + r + c);
            // Its input is what the PE above produced one cycle earlier (or the top input).
            expect(psumIn[r][c]).toBe(r === 0 ? top[c] : psumOut[r - 1][c]);
            psumOut[r][c] = a.psumOut(t, r, c, psumIn[r][c]);
          }
        }
      }
      a.commit(t);
    }
    const chain = (r: number, c: number) => {
      let s = top[c];
      for (let i = 0; i <= r; i++) s += x[i] * w[i * C + c];
      return s;
    };
    expect(psumOut).toEqual(Array.from({ length: R }, (_, r) => Array.from({ length: C }, (_, c) => chain(r, c))));
    for (let c = 0; c < C; c++) expect(bottomAt.get(t0 + R + 1 + c)![c], `column ${c}`).toBe(chain(R - 1, c));
  });

  it("back-to-back vectors on alternating banks use their own bank; bubbles do no MACs", () => {
    const a = makeArray("int8");
    const w0 = tile();
    const w1 = tile(R, C, -1);
    a.loadBankDirect(0, w0, 0, R, C);
    a.loadBankDirect(1, w1, 0, 2, 3); // a 2 x 3 tile in bank 1: MACs count only inside it
    const top = new Int32Array(C);
    const vectors: [number[], number][] = [[[1, 2, 3], 0], [[4, 5, 6], 1], [[7, 8, 9], 0]];
    const macs: number[] = [];
    const bottoms: number[][] = [];
    for (let t = 0; t < 20; t++) {
      bottoms.push(Array.from({ length: C }, (_, c) => a.bottom(t, c)));
      const v = t < vectors.length ? vectors[t] : null;
      clock(a, t, v ? v[0] : null, v ? v[1] : 0, top);
      macs.push(a.macs);
    }
    const expectBottom = (b: number, c: number) => {
      const [x, bank] = vectors[b];
      const w = bank === 0 ? w0 : w1;
      const inTile = (r: number) => bank === 0 || (r < 2 && c < 3);
      let s = 0;
      for (let r = 0; r < R; r++) if (inTile(r)) s += x[r] * w[r * C + c];
      return s;
    };
    for (let b = 0; b < 3; b++) for (let c = 0; c < C; c++) expect(bottoms[b + R + 1 + c][c], `vector ${b} column ${c}`).toBe(expectBottom(b, c));
    // MACs per cycle: PE(r,c) works on vector b at b + 1 + r + c and counts inside its tile.
    const wantMacs = macs.map((_, t) => {
      let n = 0;
      for (let b = 0; b < 3; b++) {
        for (let r = 0; r < R; r++) {
          for (let c = 0; c < C; c++) {
            const inTile = vectors[b][1] === 0 || (r < 2 && c < 3);
            if (t === b + 1 + r + c && inTile) n++;
          }
        }
      }
      return n;
    });
    expect(macs).toEqual(wantMacs);
    expect(macs.reduce((x, y) => x + y, 0)).toBe(2 * R * C + 2 * 3);
  });

  it("int8 partial sums wrap around in the array (two's complement)", () => {
    const a = makeArray("int8", 2, 1);
    a.loadBankDirect(0, Float32Array.from([127, 127]), 0, 2, 1);
    const top = Int32Array.from([2 ** 31 - 1]); // an accumulating pass's psum-in
    const out: number[] = [];
    for (let t = 0; t < 5; t++) {
      out.push(a.bottom(t, 0));
      clock(a, t, t === 0 ? [127, 127] : null, 0, top);
    }
    // The bottom of column 0 leaves at R + 1 = 3.
    expect(out[3]).toBe(2 ** 31 - 1 + 2 * 127 * 127 - 2 ** 32);
  });
});

describe("the gated weight shift", () => {
  it("step k writes bank rows 0..k; after R steps bank row r holds tile row r; the other bank is untouched", () => {
    const a = makeArray();
    const old = tile(R, C, 100);
    a.loadBankDirect(0, old, 0, R, C);
    const other = tile(R, C, -7);
    a.loadBankDirect(1, other, 0, R, C);
    const fresh = tile();
    const s = 5;
    a.startShift(0, fresh, 0, R, C);
    const bank = (i: number) => Array.from(a.weights.subarray((i + 1) * R * C, (i + 2) * R * C));
    const snapshots: number[][] = [];
    const shifting: boolean[] = [];
    for (let t = s; t < s + R + 2; t++) {
      a.inTag = 0;
      a.evaluate(t, new Float32Array(C));
      a.commit(t);
      snapshots.push(bank(0));
      shifting.push(a.shifting);
      expect(bank(1)).toEqual(Array.from(other));
    }
    // After step k (commit of s + k): row j <= k holds tile row R-1-k+j, rows below keep the old tile.
    const expected = snapshots.map((_, i) => {
      const k = Math.min(i, R - 1);
      return Array.from({ length: R * C }, (_, n) => {
        const j = Math.floor(n / C);
        const c = n % C;
        return j <= k ? fresh[(R - 1 - k + j) * C + c] : old[j * C + c];
      });
    });
    expect(snapshots).toEqual(expected);
    expect(snapshots[R - 1]).toEqual(Array.from(fresh));
    expect(shifting).toEqual(Array.from({ length: R + 2 }, (_, i) => i < R - 1));
  });

  it("bank row r is first written at s + r, so a vector that used PE(r, c) at s + r - 1 or earlier saw the old weight", () => {
    const a = makeArray();
    a.loadBankDirect(0, tile(R, C, 2), 0, R, C);
    const s = 4;
    a.startShift(0, tile(R, C, 3), 0, R, C);
    const firstChange = Array(R).fill(-1);
    let prev = Array.from(a.weights.subarray(R * C, 2 * R * C));
    for (let t = s; t < s + R; t++) {
      a.inTag = 0;
      a.evaluate(t, new Float32Array(C));
      a.commit(t);
      const now = Array.from(a.weights.subarray(R * C, 2 * R * C));
      for (let r = 0; r < R; r++) {
        if (firstChange[r] < 0 && now.slice(r * C, r * C + C).join() !== prev.slice(r * C, r * C + C).join()) firstChange[r] = t;
      }
      prev = now;
    }
    expect(firstChange).toEqual(Array.from({ length: R }, (_, r) => s + r));
  });

  it("a partial tile shifts zero padding and counts MACs only inside its rows x cols", () => {
    const a = makeArray();
    const w = new Float32Array(R * C);
    w.set([1, 2], 0); // a 1 x 2 tile, zero padded
    a.startShift(1, w, 0, 1, 2);
    for (let t = 0; t < R; t++) clock(a, t, null, 0, new Float32Array(C));
    expect(Array.from(a.weights.subarray(2 * R * C))).toEqual(Array.from(w));
    let macs = 0;
    for (let t = R; t < R + 12; t++) {
      clock(a, t, t === R ? [1, 1, 1] : null, 1, new Float32Array(C));
      macs += a.macs;
    }
    expect(macs).toBe(2);
  });
});

/**
 * The systolic array's whole-window paths driven by hand (src/hw/systolic-array.ts `evaluate`,
 * `loadBankDirect`, `clockSteps`, the bf16 exactness checks; docs/MUTATION.md, docs/mutation/systolic-array.md).
 * An array of whole 4-column groups keeps its registers in the SIMD kernel's memory; evaluate runs
 * the kernel on a window of one live bank only when the top input is the array's own (`topInput`,
 * where the accumulators compute it) and, for bf16, every product in the window is exact in fp32.
 * The references here are written from docs/ARCHITECTURE.md "MatrixMultiply": the vector latched at
 * x leaves column c at the bottom during cycle x + R + 1 + c with top[c] + sum over rows r of
 * lane r x W[r][c], each step rounded as the PE does (bf16: Math.fround of the float64 sum, the
 * product exact in float64; int8: 32-bit wrap-around), and PE(r, c) does a useful MAC during cycle t
 * when it holds a valid vector (latched at t-1-r-c) inside its bank's tile.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { SystolicArray } from "../../src/hw/systolic-array.js";

const R = 3;
const C = 4;

interface Latch {
  lanes: number[];
  bank: number;
}

interface Tile {
  rows: number;
  cols: number;
  /** W[r][c] inside the tile (zero outside). */
  w: (r: number, c: number) => number;
}

/** Clock cycles from..T-1: bottom rows (read before evaluate) and MACs of every cycle. */
function drive(a: SystolicArray, top: Float32Array | Int32Array, latched: Map<number, Latch>, T: number, from = 0) {
  const bottoms: number[][] = [];
  const macs: number[] = [];
  for (let t = from; t < T; t++) {
    bottoms.push(Array.from({ length: a.C }, (_, c) => a.bottom(t, c)));
    const v = latched.get(t);
    a.inVector.fill(0);
    if (v) a.inVector.set(v.lanes);
    a.inTag = v ? v.bank + 1 : 0;
    a.evaluate(t, top);
    a.commit(t);
    macs.push(a.macs);
  }
  return { bottoms, macs };
}

/** One PE step as docs/ARCHITECTURE.md "Numerics" defines it. */
const step = (dtype: DType, psum: number, a: number, w: number) => (dtype === "int8" ? (psum + Math.imul(a, w)) | 0 : Math.fround(psum + a * w));

/** Expected bottom value of column c for vector v (top constant over the run). */
function chain(dtype: DType, top: number, v: Latch, tiles: Tile[], c: number): number {
  const tile = tiles[v.bank];
  let s = top;
  for (let r = 0; r < R; r++) s = step(dtype, s, v.lanes[r], r < tile.rows && c < tile.cols ? tile.w(r, c) : 0);
  return s;
}

function load(a: SystolicArray, bank: number, tile: Tile): void {
  const flat = new Float32Array(R * C);
  for (let r = 0; r < tile.rows; r++) for (let c = 0; c < tile.cols; c++) flat[r * C + c] = tile.w(r, c);
  a.loadBankDirect(bank, flat, 0, tile.rows, tile.cols);
}

/** Every bottom value that belongs to a latched vector, against the chain, and every cycle's MACs. */
function check(dtype: DType, got: ReturnType<typeof drive>, top: ArrayLike<number>, latched: Map<number, Latch>, tiles: Tile[], T: number, where: string): void {
  let compared = 0;
  for (const [x, v] of latched) {
    for (let c = 0; c < C; c++) {
      const t = x + R + 1 + c;
      if (t >= T) continue;
      expect(got.bottoms[t][c], `${where}: vector ${x}, column ${c}`).toBe(chain(dtype, top[c], v, tiles, c));
      compared++;
    }
  }
  expect(compared).toBe(latched.size * C);
  const wantMacs = got.macs.map((_, t) => {
    let n = 0;
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        const v = latched.get(t - 1 - r - c);
        if (v && r < tiles[v.bank].rows && c < tiles[v.bank].cols) n++;
      }
    }
    return n;
  });
  expect(got.macs, `${where}: MACs per cycle`).toEqual(wantMacs);
}

describe.each(["bf16", "int8"] as DType[])("whole-window evaluate (%s, 3 x 4: registers in SIMD memory)", (dtype) => {
  // Bank 0 a full tile, bank 1 a 2 x 3 tile (MACs count inside it only). Long runs of one bank (many
  // windows hold one live run: the whole-window path), a bank switch without a bubble, bubbles.
  const tiles: Tile[] = [
    { rows: R, cols: C, w: (r, c) => 10 * r + c + 1 },
    { rows: 2, cols: 3, w: (r, c) => -(5 * r + c + 2) },
  ];
  const latched = new Map<number, Latch>();
  const lanes = (x: number) => [(x % 7) - 3, 2 * (x % 5) - 4, (x % 3) + 1];
  for (let x = 0; x < 15; x++) latched.set(x, { lanes: lanes(x), bank: 0 });
  for (let x = 20; x < 35; x++) latched.set(x, { lanes: lanes(x), bank: 1 });
  for (let x = 35; x < 43; x++) latched.set(x, { lanes: lanes(x), bank: 0 });
  const T = 52;
  // int8: columns 0 and 1 wrap around 2^31 (two's complement) within the chain.
  const topValues = dtype === "int8" ? [2 ** 31 - 40, -(2 ** 31) + 30, 7, -8] : [0.5, -3, 100, 7];

  it("with its own top buffer: JavaScript, from that buffer (not the SIMD kernel's), MACs from each bank's tile", () => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype }));
    expect(a.topInput, "registers in SIMD memory").not.toBeNull();
    tiles.forEach((tile, b) => load(a, b, tile));
    const top = dtype === "int8" ? Int32Array.from(topValues) : Float32Array.from(topValues);
    check(dtype, drive(a, top, latched, T), top, latched, tiles, T, "own top");
    expect(a.simdCycles, "cycles in the SIMD kernel").toBe(0);
  });

  it("with the array's top input: the SIMD kernel on whole windows, the same numbers and MACs", () => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype }));
    tiles.forEach((tile, b) => load(a, b, tile));
    const top = a.topInput!;
    top.set(topValues);
    check(dtype, drive(a, top, latched, T), top, latched, tiles, T, "top input");
    // Windows of one live run (t - R - C .. t - 1 all of one bank: t = 7..15, 27..35, 42..43).
    expect(a.simdCycles, "cycles in the SIMD kernel").toBeGreaterThan(0);
  });
});

describe("bf16: a window whose products fp32 would round runs in JavaScript", () => {
  // a x w with a = 1 + 2^-7 and w = 1 + 2^-20 (or the reverse) is 1 + 2^-7 + 2^-20 + 2^-27: exact in
  // float64, not in fp32. Added to -1 in one rounding (JavaScript) it is 2^-7 + 2^-20 + 2^-27; the
  // kernel rounds the product first (to 1 + 2^-7 + 2^-20) and gives 2^-7 + 2^-20.
  const A = 1 + 2 ** -7;
  const W = 1 + 2 ** -20;
  const T = 40;

  function runWith(tile: Tile, lanes: number[], top: number[]) {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype: "bf16" }));
    load(a, 0, tile);
    const latched = new Map<number, Latch>();
    for (let x = 0; x < 25; x++) latched.set(x, { lanes, bank: 0 });
    a.topInput!.set(top);
    check("bf16", drive(a, a.topInput!, latched, T), top, latched, [tile], T, "bf16");
    return a.simdCycles;
  }

  it("weights that are not bf16 (checked when a tile is loaded)", () => {
    // Row 0: top -1 + A x W in every column.
    const tile: Tile = { rows: R, cols: C, w: (r) => (r === 0 ? W : 1) };
    expect(runWith(tile, [A, 0, 0], [-1, -1, -1, -1]), "cycles in the SIMD kernel").toBe(0);
  });

  it("a lane past the first that is not bf16 (every latched lane is checked)", () => {
    // Row 0 gives -1 (1 x -1); row 1 adds W x A.
    const tile: Tile = { rows: R, cols: C, w: (r) => (r === 0 ? -1 : r === 1 ? A : 1) };
    expect(runWith(tile, [1, W, 0], [0, 0, 0, 0]), "cycles in the SIMD kernel").toBe(0);
  });

  it("the same windows with exact factors run in the kernel (the two tests above are not vacuous)", () => {
    const tile: Tile = { rows: R, cols: C, w: (r) => (r === 0 ? -1 : r === 1 ? A : 1) };
    expect(runWith(tile, [1, A, 0], [0, 0, 0, 0]), "cycles in the SIMD kernel").toBeGreaterThan(0);
  });
});

describe.each(["bf16", "int8"] as DType[])("clockSteps (%s): a batch of cycles in the SIMD kernel, on either bank", (dtype) => {
  // Bank 0 and bank 1 hold different tiles; the batch must read the weights of its own tag's slot.
  const tiles: Tile[] = [
    { rows: R, cols: C, w: (r, c) => 10 * r + c + 1 },
    { rows: R, cols: C, w: (r, c) => -(3 * r + 2 * c + 1) },
  ];
  const lanes = (x: number) => [(x % 5) - 2, (x % 3) + 1, 3 - (x % 4)];

  for (const bank of [0, 1]) {
    it(`bank ${bank}: the bottom row of every batched cycle and the MACs, as cycle-by-cycle clocking gives them`, () => {
      const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype }));
      tiles.forEach((tile, b) => load(a, b, tile));
      const g = bank + 1;
      const latched = new Map<number, Latch>();
      for (let x = 0; x < 40; x++) latched.set(x, { lanes: lanes(x), bank });
      const top = a.topInput!; // zero: no accumulating vector
      // Cycles 0..t0-1 one by one, until the whole window holds vectors of this tag.
      const t0 = R + C + 2;
      const stepped = drive(a, top, new Map([...latched].filter(([x]) => x < t0)), t0);
      expect(a.stepCycles(t0, g), "cycles a batch may run").toBeGreaterThan(0);
      const k = 20;
      const input = a.stepInputBits!;
      const staged = new Float32Array(input.buffer, input.byteOffset, input.length);
      const ints = a.stepInput as Int32Array;
      for (let i = 0; i < k; i++) for (let r = 0; r < R; r++) (dtype === "int8" ? ints : staged)[i * R + r] = latched.get(t0 + i)!.lanes[r];
      input.fill(0, k * R, (k * R + 3) & ~3);
      expect(a.clockSteps(t0, k, g), "cycles clocked").toBe(k);
      expect(a.macs, "MACs of a batched cycle").toBe(R * C);
      const out = a.stepOutput!;
      const bottoms = [...stepped.bottoms, ...Array.from({ length: k }, (_, i) => Array.from(out.subarray(i * C, i * C + C)))];
      // Then one by one again: the rest of the vectors, then bubbles until the last one leaves.
      const after = drive(a, top, latched, 40 + R + C + 1, t0 + k);
      bottoms.push(...after.bottoms);
      const T = bottoms.length;
      let compared = 0;
      for (const [x, v] of latched) {
        for (let c = 0; c < C; c++) {
          const t = x + R + 1 + c;
          if (t >= T) continue;
          expect(bottoms[t][c], `vector ${x}, column ${c}`).toBe(chain(dtype, 0, v, tiles, c));
          compared++;
        }
      }
      expect(compared).toBe(40 * C);
    });
  }
});

describe.each(["bf16", "int8"] as DType[])("loadBankDirect (%s): a smaller tile over a larger one in the same bank", (dtype) => {
  it("leaves zeros outside the new tile: the chains are the small tile's alone", () => {
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype }));
    load(a, 0, { rows: R, cols: C, w: (r, c) => 7 * r + c + 2 });
    const small: Tile = { rows: 1, cols: 2, w: (_r, c) => c - 3 };
    load(a, 0, small);
    const latched = new Map<number, Latch>();
    for (let x = 0; x < 6; x++) latched.set(x, { lanes: [x + 1, 2 - x, 3], bank: 0 });
    const T = 6 + R + C + 1;
    const top = new Float32Array(C);
    check(dtype, drive(a, top, latched, T), top, latched, [small, small], T, "after the smaller tile");
  });
});

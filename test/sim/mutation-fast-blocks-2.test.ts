/**
 * Fast mode's whole-instruction data movers (src/sim/fast-blocks.ts) against detailed mode's clocked
 * units, which move the same values element by element (docs/ARCHITECTURE.md "Fast mode"), on small
 * programs aimed at the corners the random equivalence programs rarely reach: overlapping rows
 * (a stride below the width), a fault at memory address 0, two faults in one block, a tile that ends
 * where the next FIFO slot begins, buffer values no program leaves (set as initial contents).
 * docs/mutation/fast-blocks.md lists the mutants they kill.
 * Each case also checks by hand what detailed mode did (the address a fault names, the values
 * written), so that a case that no longer reaches its corner fails.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { RuntimeFault } from "../../src/errors.js";
import { Simulator } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { ins, program } from "../helpers/programs.js";

const machine = (dtype: DType): HwConfig =>
  buildHwConfig("small", { rows: 2, cols: 4, dtype, unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 256, weightFifoTiles: 2 });

type Setup = (s: Simulator) => void;

interface Outcome {
  sim: Simulator;
  fault: { cycle: number; unit: string; detail: string } | null;
}

function runMode(hw: HwConfig, prog: Program, mode: "fast" | "detailed", setup?: Setup): Outcome {
  const sim = new Simulator(hw, { mode });
  sim.load(prog);
  setup?.(sim);
  try {
    expect(sim.run({ maxCycles: 10_000 }), `${mode}: halted`).toBe(true);
    return { sim, fault: null };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { sim, fault: { cycle: e.cycle, unit: e.unit, detail: e.detail } };
  }
}

/**
 * Runs `prog` in both modes: the same fault (or none) and statistics; without a fault, the same cycle
 * count, memories and weight FIFO tiles, bit for bit. Returns detailed mode's run for the hand-derived checks.
 */
function sameInBothModes(hw: HwConfig, prog: Program, setup?: Setup): Outcome {
  const d = runMode(hw, prog, "detailed", setup);
  const f = runMode(hw, prog, "fast", setup);
  expect(f.fault, "fault").toEqual(d.fault);
  expect(f.sim.stats, "statistics").toEqual(d.sim.stats);
  // After a fault the memories may differ: fast mode moved whole blocks at issue (equivalence.test.ts).
  if (d.fault) return d;
  expect(f.sim.now, "cycles").toBe(d.sim.now);
  expectSameBits(f.sim.dp.ub, d.sim.dp.ub, "unified buffer");
  expectSameBits(f.sim.dp.acc.data, d.sim.dp.acc.data, "accumulators");
  expectSameBits(f.sim.dp.wm, d.sim.dp.wm, "weight memory");
  expectSameBits(f.sim.dp.host, d.sim.dp.host, "host memory");
  expectSameBits(f.sim.dp.fifo.tiles, d.sim.dp.fifo.tiles, "weight FIFO tiles");
  return d;
}

const host = (values: number[]) => ({ memory: "host" as const, address: 0, values: new Float32Array(values) });

describe("RHM (hostToUnifiedBuffer)", () => {
  it("bf16 rows written over each other (unified buffer stride 0) with no bad value: no fault", () => {
    // Row r goes to 0 + r * 0: all three rows land on addresses 0..1, the last one wins. A row with no
    // bad value must not look like a fault at block index r * cols - 1 - 0 >= 0.
    const prog = program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 0, rows: 3, cols: 2 }), ins("HALT")], [host([1, 2, 3, 4, 5, 6])]);
    const d = sameInBothModes(machine("bf16"), prog);
    expect(d.fault).toBeNull();
    expect(Array.from(d.sim.dp.ub.subarray(0, 3))).toEqual([5, 6, 0]);
  });

  it("bf16: a bad value at unified buffer address 0 and another two rows later: address 0 is named", () => {
    // 3.4e38 is a finite fp32 that rounds to bf16 infinity: a fault, like an infinity.
    const prog = program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 3, cols: 2 }), ins("HALT")], [host([3.4e38, 1, 2, 3, 4, Infinity])]);
    const d = sameInBothModes(machine("bf16"), prog);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["dma", "non-finite value written to unified buffer address 0"]);
  });

  it("bf16: the first bad value at block (1, 2), another in row 2: the address is 10 + 1 * 5 + 2", () => {
    // Host rows at 1, 1 + 4, 1 + 8 (stride 4), unified buffer rows at 10, 15, 20 (stride 5), 3 columns.
    const values = new Array(13).fill(1);
    values[1 + 4 + 2] = -Infinity;
    values[1 + 8 + 0] = NaN;
    const prog = program([ins("RHM", { host: 1, hstride: 4, ub: 10, ustride: 5, rows: 3, cols: 3 }), ins("HALT")], [host(values)]);
    const d = sameInBothModes(machine("bf16"), prog);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["dma", "non-finite value written to unified buffer address 17"]);
  });
});

const weights = (values: number[]) => ({ memory: "weights" as const, address: 0, values: new Float32Array(values) });

describe("RDW (readTile)", () => {
  it("bf16: bad weights at tile (0, 0) of FIFO slot 0 and in tile row 1: weight memory address 0 is named", () => {
    const prog = program([ins("RDW", { wm: 0, wstride: 4, rows: 2, cols: 3 }), ins("HALT")], [weights([Infinity, 1, 2, 9, 3, NaN, 4])]);
    const d = sameInBothModes(machine("bf16"), prog);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["weights", "non-finite weight at weight memory address 0"]);
  });
});

describe("RDWU (readTile)", () => {
  it("bf16: the tile is the buffer's values as they are: neither rounded to bf16 nor checked", () => {
    // docs/ARCHITECTURE.md "Faults": only RDW's weights are checked on the way into the FIFO. A program
    // only ever leaves rounded, finite values in the buffer, so the test puts others there.
    const odd = 1 + 2 ** -10; // not a bf16 value (7 fraction bits): rounding would give 1
    const prog = program([ins("RDWU", { ub: 4, ustride: 3, rows: 2, cols: 3 }), ins("HALT")]);
    const d = sameInBothModes(machine("bf16"), prog, (s) => s.dp.ub.set([odd, Infinity, 2, 3, 4, 5], 4));
    expect(d.fault).toBeNull();
    // Slot 0, rows of C = 4: tile row 0 = buffer 4..6, row 1 = 7..9, zero padding.
    expect(Array.from(d.sim.dp.fifo.tiles.subarray(0, 8))).toEqual([odd, Infinity, 2, 0, 3, 4, 5, 0]);
  });

  // A full R x C RDW tile in slot 0 ends where slot 1 begins: its conversion must stop at its own
  // last element and leave slot 1's RDWU tile as the buffer gave it.
  for (const [dtype, odd] of [["int8", [2.5, -3.5, 100.75, 7]], ["bf16", [1 + 2 ** -10, -3, 1 - 2 ** -12, 7]]] as const) {
    it(`${dtype}: an R x C RDW tile into slot 0 leaves slot 1's RDWU tile unconverted`, () => {
      // 2 slots. RDWU -> slot 0; RDWU of the odd values -> slot 1; the MMUL shifts slot 0 out and
      // frees it; the RDW (rows 2 = R, cols 4 = C) reuses slot 0, tile elements 0..7, next to slot 1's 8..15.
      const prog = program([
        ins("RDWU", { ub: 0, ustride: 4, rows: 2, cols: 4 }),
        ins("RDWU", { ub: 20, ustride: 4, rows: 1, cols: 4 }),
        ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
        ins("RDW", { wm: 0, wstride: 4, rows: 2, cols: 4 }),
        ins("HALT"),
      ], [weights([0.5, 1, 2, 3, 4, 5, 6, 7])]);
      const d = sameInBothModes(machine(dtype), prog, (s) => s.dp.ub.set(odd, 20));
      expect(d.fault).toBeNull();
      const tiles = d.sim.dp.fifo.tiles;
      expect(Array.from(tiles.subarray(8, 12)), "slot 1").toEqual(odd.map(Math.fround));
      // Slot 0: the RDW's weights in the data type (int8: 0.5 rounds half to even, to 0).
      expect(Array.from(tiles.subarray(0, 8)), "slot 0").toEqual(dtype === "int8" ? [0, 1, 2, 3, 4, 5, 6, 7] : [0.5, 1, 2, 3, 4, 5, 6, 7]);
    });
  }
});

describe("VEC (vectorElementwise)", () => {
  it("bf16: overflows at block (0, 0) and (1, 1): the destination's first address is named", () => {
    // 2^127 + 2^127 overflows; dst rows at 40, 45.
    const B = 2 ** 127;
    const prog = program([
      ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }),
      ins("VEC", { fn: "add", dst: 40, dstride: 5, a: 0, astride: 2, b: 0, bstride: 2, rows: 2, cols: 2 }),
      ins("HALT"),
    ], [host([B, 1, 1, B])]);
    const d = sameInBothModes(machine("bf16"), prog);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["vector", "non-finite value written to unified buffer address 40"]);
  });
});

describe("VSGD (vectorSgd)", () => {
  // acc row 3 holds the gradient; wm rows at 2, 2 + 5.
  const sgd = (dtype: DType, grads: number[], lr: number) => {
    const hw = machine(dtype);
    const prog = program([ins("VSGD", { wm: 2, wstride: 5, acc: 3, rows: 2, cols: 2, lr }), ins("HALT")], [weights(new Array(10).fill(1))]);
    return sameInBothModes(hw, prog, (s) => {
      // Gradient (r, c) at accumulator row 3 + r, column c.
      grads.forEach((g, i) => (s.dp.acc.data[(3 + (i >> 1)) * hw.cols + (i & 1)] = g));
    });
  };

  it("bf16: bad weights at block (0, 0) and (1, 1): weight memory address 2 is named", () => {
    const d = sgd("bf16", [-Infinity, 0, 0, -Infinity], 1);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["vector", "non-finite weight written to weight memory address 2"]);
  });

  it("bf16: a finite fp32 weight that rounds to bf16 infinity at block (1, 1) is a fault at 2 + 5 + 1", () => {
    // 1 - (-3.4e38) = 3.4e38 in fp32, above the largest bf16 (about 3.39e38).
    const d = sgd("bf16", [0, 0, 0, -3.4e38], 1);
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["vector", "non-finite weight written to weight memory address 8"]);
  });

  it("int8: an fp32 master weight that overflows to -infinity is no fault (only bf16 checks weights)", () => {
    // lr * g = 2^100 * 2^30 overflows fp32: w = 1 - inf = -inf, stored as is.
    const d = sgd("int8", [0, 2 ** 30, 0, 0], 2 ** 100);
    expect(d.fault).toBeNull();
    expect(Array.from(d.sim.dp.wm.subarray(2, 4))).toEqual([1, -Infinity]);
  });
});

describe("VSMX (vectorSoftmax)", () => {
  it("bf16: NaN rows 0 and 1 (initial contents): the destination's first address is named", () => {
    const prog = program([ins("VSMX", { src: 0, sstride: 3, dst: 50, dstride: 4, rows: 2, cols: 3 }), ins("HALT")]);
    const d = sameInBothModes(machine("bf16"), prog, (s) => s.dp.ub.set([1, NaN, 2, NaN, 3, 4], 0));
    expect([d.fault?.unit, d.fault?.detail]).toEqual(["vector", "non-finite value written to unified buffer address 50"]);
  });
});

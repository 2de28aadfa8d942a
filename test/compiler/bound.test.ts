/**
 * The lower bound's terms, derived by hand from docs/BOUND.md and docs/ARCHITECTURE.md for small
 * programs (arithmetic written out below), and its tightness where one resource obviously dominates:
 * there the bound equals the simulated cycles or comes within a percent.
 */
import { describe, expect, it } from "vitest";
import { programBound, type ProgramBound } from "../../src/compiler/bound.js";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { Simulator } from "../../src/sim/controller.js";
import { ins, program } from "../helpers/programs.js";

/** "small": 8x8 bf16 (2-byte elements), W = H = 16 B/cycle, 8 lanes, activation and vector latency 2, FIFO 4. */
const small = (overrides: Record<string, unknown> = {}): HwConfig => buildHwConfig("small", overrides);

function run(hw: HwConfig, list: Instruction[]): { cycles: number; bound: ProgramBound; term: (name: string) => number } {
  const p = program([...list, ins("HALT")]);
  const sim = new Simulator(hw, { mode: "fast" });
  sim.load(p);
  sim.run();
  const bound = programBound(p, hw);
  const term = (name: string) => {
    const t = bound.terms.find((x) => x.name === name);
    if (!t) throw new Error(`no term ${name}`);
    return t.cycles;
  };
  expect(bound.cycles, "the bound never exceeds the simulated cycles").toBeLessThanOrEqual(sim.stats.cycles);
  return { cycles: sim.stats.cycles, bound, term };
}

describe("hand-derived terms", () => {
  it("critical path of a dependent chain RHM -> MMUL -> ACT -> VEC -> WHM, with the tile's load and shift", () => {
    const r = run(small(), [
      ins("RHM", { host: 0, hstride: 8, ub: 0, ustride: 8, rows: 4, cols: 8 }),
      ins("RDW", { wm: 0, wstride: 8, rows: 8, cols: 8 }),
      ins("MMUL", { ub: 0, ustride: 8, rows: 4, cols: 8, acc: 0, switch: 1 }),
      ins("ACT", { acc: 0, rows: 4, cols: 8, ub: 64, ustride: 8, fn: "relu" }),
      ins("VEC", { fn: "add", dst: 96, dstride: 8, a: 64, astride: 8, b: 0, bstride: 8, rows: 4, cols: 8 }),
      ins("WHM", { ub: 96, ustride: 8, host: 100, hstride: 8, rows: 4, cols: 8 }),
    ]);
    const rhmDone = 0 + Math.ceil((4 * 8 * 2) / 16) - 1; // 3
    const rdwDone = 0 + Math.ceil((8 * 8 * 2) / 16) - 1; // 7
    const mmul = Math.max(rhmDone + 1, rdwDone + 1 + 8 - 1); // shift from tc + 1, bank ready R - 1 later: 15
    const mmulDone = mmul + 4 + 8 + 8 - 1; // 34
    const actDone = mmulDone + 1 + 4 - 1 + 2; // 40
    const vecDone = actDone + 1 + 4 * Math.ceil(8 / 8) + 2 - 1; // 46
    const whmDone = vecDone + 1 + Math.ceil((4 * 8 * 2) / 16) - 1; // 50
    expect(r.term("critical path")).toBe(whmDone + 2); // HALT issues at >= 51: 52 cycles
    expect(r.term("issue")).toBe(7);
    // One tile: the weight path ends where the path does, and of equal terms the shift rule is named.
    expect(r.term("shift rule")).toBe(r.term("critical path"));
    expect(r.bound.binding).toBe("shift rule");
  });

  it("weight-memory channel: an RDW and an independent VSGD share W", () => {
    const r = run(small(), [
      ins("RDW", { wm: 0, wstride: 8, rows: 8, cols: 8 }),
      ins("VSGD", { wm: 200, wstride: 8, acc: 10, rows: 2, cols: 8, lr: 0.5 }),
    ]);
    const rdw = 8 * 8 * 2; // 128 bytes of the bf16 copy
    const vsgd = 2 * 8 * (8 + 2); // master read, master and copy written: 160 bytes
    expect(r.term("weight-memory channel")).toBe(Math.ceil((rdw + vsgd) / 16) + 1); // 19
    expect(r.term("weight loader")).toBe(rdw / 16 + 1); // 9
    expect(r.term("vector unit")).toBe(vsgd / Math.min(16, 8 * (8 + 2)) + 1); // 11
    // The loader is first on the channel; VSGD takes what is left: 8 + 10 cycles, then HALT.
    expect(r.cycles).toBe(19);
    expect(r.bound.binding).toBe("weight-memory channel");
  });

  it("unified-buffer writes over one write port; activation and vector units alone", () => {
    const r = run(small({ unifiedBufferWritePorts: 1 }), [
      ins("ACT", { acc: 0, rows: 6, cols: 8, ub: 0, ustride: 8, fn: "identity" }),
      ins("VEC", { fn: "copy", dst: 200, dstride: 8, a: 100, astride: 8, rows: 6, cols: 8 }),
    ]);
    expect(r.term("unified-buffer writes")).toBe(Math.ceil((6 + 6) / 1) + 1); // 13
    expect(r.term("activation unit")).toBe(6 + 2 + 1); // rows + L, then HALT
    expect(r.term("vector unit")).toBe(6 * 1 + 2 + 1); // S + Lv, then HALT
    expect(r.term("unified-buffer reads")).toBe(Math.ceil(6 / 2) + 1); // the copy's 6 source rows on 2 ports
    expect(r.term("accumulator reads")).toBe(Math.ceil(6 / 2) + 1);
  });

  it("host link and DMA: transfers in issue order", () => {
    const r = run(small({ hostBytesPerCycle: 3 }), [
      ins("RHM", { host: 0, hstride: 5, ub: 0, ustride: 5, rows: 2, cols: 5 }),
      ins("WHMA", { acc: 4, rows: 3, cols: 2, host: 100, hstride: 2 }),
    ]);
    expect(r.term("host DMA")).toBe(Math.ceil(20 / 3) + Math.ceil(24 / 3) + 1); // 7 + 8 + 1
    expect(r.term("host link")).toBe(Math.ceil(44 / 3) + 1);
    expect(r.cycles).toBe(r.term("host DMA"));
  });

  it("shift rule: short passes on alternating banks cost B + R + C - 2 per two tiles", () => {
    const R = 4;
    const C = 12;
    const B = 2;
    const hw = small({ rows: R, cols: C, weightBytesPerCycle: R * C * 2 }); // a load takes one cycle
    const list: Instruction[] = [];
    const tiles = 20;
    for (let k = 0; k < tiles; k++) {
      list.push(ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }));
      list.push(ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 0, switch: 1 }));
    }
    const r = run(hw, list);
    // Tile 0: loaded at 0, shifted 1..R, first pass at 1 + R - 1; tile 1: shift waits for the shifter
    // (1 + R), pass at 1 + 2R - 1; tile k >= 2 reuses tile k-2's bank, free C - 1 after that tile's
    // last vector: t0_k = t0_{k-2} + B + R + C - 2.
    const t0 = [1 + R - 1, 1 + 2 * R - 1];
    for (let k = 2; k < tiles; k++) t0.push(Math.max(t0[k - 1] + B, t0[k - 2] + B + R + C - 2));
    expect(r.term("shift rule")).toBe(t0[tiles - 1] + B + R + C - 1 + 2);
    // The passes' heads are floored by the weight path, so the last pass's issue slots end where the
    // shift rule says: the matrix unit's term equals it (and the later term names the binding one).
    expect(r.term("matrix unit")).toBe(r.term("shift rule"));
    expect(r.bound.binding).toBe("shift rule");
    expect(r.cycles / r.bound.cycles).toBeLessThan(1.02);
  });

  it("heads after the weight path: an ACT behind shift-bound passes starts after the last one", () => {
    const R = 8;
    const C = 8;
    const B = 2;
    const L = 2;
    const hw = small({ rows: R, cols: C, weightBytesPerCycle: R * C * 2, activationLatency: L });
    const list: Instruction[] = [];
    const tiles = 12;
    for (let k = 0; k < tiles; k++) {
      list.push(ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }));
      list.push(ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 0, switch: 1 }));
    }
    list.push(ins("ACT", { acc: 0, rows: B, cols: C, ub: 64, ustride: C, fn: 0, inscale: 1, outscale: 1 }));
    const r = run(hw, list);
    // Passes as in the test above; the ACT reads what the last pass writes: head = its tc + 1 =
    // t0 + B + R + C, duration B + L, then HALT 2 cycles after its completion.
    const t0 = [1 + R - 1, 1 + 2 * R - 1];
    for (let k = 2; k < tiles; k++) t0.push(Math.max(t0[k - 1] + B, t0[k - 2] + B + R + C - 2));
    const last = t0[tiles - 1];
    expect(r.term("critical path")).toBe(last + B + R + C + (B + L) - 1 + 2);
    expect(r.term("activation unit")).toBe(last + B + R + C + (B + L) - 1 + 2);
    expect(r.cycles).toBeGreaterThanOrEqual(r.bound.cycles);
  });
});

describe("tight where one resource dominates", () => {
  it("one long pass: the bound is the simulated cycles", () => {
    const r = run(small(), [ins("RDW", { wm: 0, wstride: 8, rows: 8, cols: 8 }), ins("MMUL", { ub: 0, ustride: 8, rows: 1000, cols: 8, acc: 0, switch: 1 })]);
    expect(r.bound.cycles).toBe(7 + 8 + 1000 + 8 + 8 - 1 + 2); // load tc 7, pass at 15, completes B + R + C - 1 later
    expect(r.cycles).toBe(r.bound.cycles);
  });

  it("a long RDW stream on a slow channel: within 1 % (weight loader)", () => {
    // Each load one ahead of the pass that switches to the tile before it, so the loader never waits.
    const list: Instruction[] = [ins("RDW", { wm: 0, wstride: 8, rows: 8, cols: 8 })];
    for (let k = 1; k <= 50; k++) {
      if (k < 50) list.push(ins("RDW", { wm: 64 * (k % 3), wstride: 8, rows: 8, cols: 8 }));
      list.push(ins("MMUL", { ub: 0, ustride: 8, rows: 1, cols: 8, acc: 0, switch: 1 }));
    }
    const r = run(small({ weightBytesPerCycle: 1 }), list);
    // The last load completes at >= 50*128 - 1; its tile then shifts (R) and its pass runs (B + R + C - 1).
    expect(r.term("weight loader")).toBe(50 * 128 - 1 + 8 + (1 + 8 + 8 - 1) + 2);
    expect(r.cycles / r.bound.cycles).toBeLessThan(1.01);
  });

  it("VSGDs on the channel: the bound is the simulated cycles", () => {
    const list: Instruction[] = [];
    for (let k = 0; k < 12; k++) list.push(ins("VSGD", { wm: 64 * k, wstride: 8, acc: 8 * (k % 4), rows: 8, cols: 8, lr: 0.25 }));
    const r = run(small({ weightBytesPerCycle: 7 }), list);
    expect(r.term("vector unit")).toBe(12 * Math.ceil((64 * 10) / 7) + 1);
    expect(r.cycles).toBe(r.bound.cycles);
  });
});

/**
 * Mutation gaps in sim/replay.ts (docs/mutation/replay.md): the memo's counts of runs recorded and
 * replayed, and the rule that only runs starting from an idle machine are recorded or replayed.
 */
import { describe, expect, it } from "vitest";
import type { HwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator } from "../../src/sim/controller.js";
import { ReplayMemo } from "../../src/sim/replay.js";
import { ins, program } from "../helpers/programs.js";
import { expectSameMachine, matmul, randomHw, runOn } from "../helpers/replay-chips.js";

describe("replay memo bookkeeping", () => {
  it("a fresh chip replays what another fresh chip of the same configuration recorded: one run recorded, one replayed", () => {
    const hw = randomHw(71, "int8");
    const prog = matmul(hw, 5, 7, 6, 71);
    const memo = new ReplayMemo();
    const [a, b] = [new Simulator(hw, { mode: "fast", replay: memo }), new Simulator(hw, { mode: "fast", replay: memo })];
    const plain = new Simulator(hw, { mode: "fast", replay: false });
    const p = a.prepare(prog);
    expect(runOn(a, p, prog)).toEqual({ halted: true, fault: null });
    expect([memo.recorded, memo.hits]).toEqual([1, 0]);
    // Both chips start at cycle 0 with nothing loaded: equal start states.
    expect(runOn(b, p, prog)).toEqual({ halted: true, fault: null });
    expect([memo.recorded, memo.hits]).toEqual([1, 1]);
    runOn(plain, p, prog);
    expectSameMachine(b, plain, "replayed run");
  });

  /**
   * Start `prog` on both chips, stop it after `stopAfter` cycles, start it again and run it to HALT,
   * three times over: the restarts begin on a busy machine, so the memo neither records nor replays
   * them, and the chip with the memo ends every round as the one without.
   */
  function restartsOverStoppedRuns(hw: HwConfig, setup: Program | null, prog: Program, stopAfter: number, busy: (s: Simulator) => void): void {
    const memo = new ReplayMemo();
    const sims = [new Simulator(hw, { mode: "fast", replay: memo }), new Simulator(hw, { mode: "fast", replay: false })];
    if (setup !== null) sims.forEach((s) => runOn(s, s.prepare(setup), setup));
    const before = [memo.recorded, memo.hits];
    const ps = sims.map((s) => s.prepare(prog));
    for (let round = 0; round < 3; round++) {
      sims.forEach((s, k) => {
        s.start(ps[k]);
        expect(s.run({ sliceCycles: stopAfter })).toBe(false);
      });
      busy(sims[0]);
      sims.forEach((s, k) => expect(runOn(s, ps[k], prog)).toEqual({ halted: true, fault: null }));
      expect([memo.recorded, memo.hits], `round ${round}`).toEqual(before);
      expectSameMachine(sims[0], sims[1], `round ${round}`);
    }
  }

  it("a program started again over a run stopped mid-way (a host read in flight) is simulated, neither recorded nor replayed", () => {
    const hw = randomHw(72, "bf16", { hostBytesPerCycle: 1 });
    const cols = Math.min(4, hw.cols);
    // A slow host read (1 byte per cycle) and a vector op on what it read.
    const prog = program(
      [
        ins("RHM", { host: 0, hstride: cols, ub: 0, ustride: cols, rows: 6, cols }),
        ins("VEC", { fn: 0, dst: 64, dstride: cols, a: 0, astride: cols, b: 0, bstride: cols, rows: 6, cols, imm: 1 }),
        ins("HALT"),
      ],
      [{ memory: "host", address: 0, values: Float32Array.from({ length: 6 * cols }, (_, i) => i - 7.5) }],
    );
    // Stopped after 5 cycles: the read (6 * cols * 2 bytes at 1 a cycle) is still going.
    restartsOverStoppedRuns(hw, null, prog, 5, (s) => expect(s.inflight.length).toBeGreaterThan(0));
  });

  it("… or with a pass still writing its results after the matrix unit freed (only the pass in flight says busy)", () => {
    const hw = randomHw(73, "int8");
    const { rows: R, cols: C } = hw;
    // A tile in a bank, then a program of one pass of B vectors on it.
    const setup = program(
      [ins("RDW", { wm: 0, wstride: C, rows: R, cols: C, transpose: 0 }), ins("MMUL", { ub: 0, ustride: R, rows: 1, cols: R, acc: 0, switch: 1, accumulate: 0 }), ins("HALT")],
      [{ memory: "weights", address: 0, values: Float32Array.from({ length: R * C }, (_, i) => (i % 7) - 3) }],
    );
    const B = 3;
    const prog = program([ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 8, switch: 0, accumulate: 0 }), ins("HALT")]);
    // The pass issues at the start s and streams until s + B; its last result is written at
    // s + B + R + C - 1 (ARCHITECTURE "MatrixMultiply"). Stopped at s + B + 1: the unit is free, no
    // other unit works, the pass is still in flight.
    expect(R + C - 1).toBeGreaterThan(1);
    restartsOverStoppedRuns(hw, setup, prog, B + 1, (s) => {
      expect(s.inflight.length).toBe(1);
      expect(s.mmFreeAt).toBeLessThanOrEqual(s.now);
      expect(s.unitOp.every((x) => x === null)).toBe(true);
    });
  });
});

describe("the replayed end state", () => {
  it("on a wide grid (C = 40), a new program after a replay runs as it does without the memo", () => {
    // A bank is free C - 1 cycles after its last read (ARCHITECTURE "Weight shift"): with C = 40
    // that reaches 39 cycles back, so a state restored after a replay must keep its registers up to
    // R + C cycles back exactly (replay.ts keeps them to 2(R + C) + 16), or the next RDW's tile (its
    // 160 bytes read in 3 cycles) waits for a bank that is long free.
    const hw = randomHw(74, "int8", { rows: 4, cols: 40, vectorLanes: 8, weightBytesPerCycle: 64 });
    const { rows: R, cols: C } = hw;
    const weights = { memory: "weights" as const, address: 0, values: Float32Array.from({ length: 2 * R * C }, (_, i) => (i % 5) - 2) };
    const pass = (wm: number, vectors: number, acc: number) => [
      ins("RDW", { wm, wstride: C, rows: R, cols: C, transpose: 0 }),
      ins("MMUL", { ub: 0, ustride: R, rows: vectors, cols: R, acc, switch: 1, accumulate: 0 }),
    ];
    const p = program([...pass(0, 3, 0), ins("HALT")], [weights]);
    const q = program([...pass(R * C, 2, 8), ...pass(0, 1, 16), ins("HALT")], [weights]);
    const memo = new ReplayMemo();
    const sims = [new Simulator(hw, { mode: "fast", replay: memo }), new Simulator(hw, { mode: "fast", replay: false })];
    const ps = sims.map((s) => ({ p: s.prepare(p), q: s.prepare(q) }));
    ["p", "p", "p", "p", "p", "p", "q", "p", "q"].forEach((name, step) => {
      sims.forEach((s, k) => expect(runOn(s, ps[k][name as "p" | "q"], name === "p" ? p : q)).toEqual({ halted: true, fault: null }));
      expectSameMachine(sims[0], sims[1], `run ${step} (${name})`);
    });
    expect(memo.hits).toBeGreaterThan(0);
  });
});

/**
 * Mutation gaps in sim/replay.ts (docs/mutation/replay.md): the memo's counts of runs recorded and
 * replayed, and the rule that only runs starting from an idle machine are recorded or replayed.
 */
import { describe, expect, it } from "vitest";
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

  it("a program started again over a run stopped mid-way (not idle) is simulated, neither recorded nor replayed", () => {
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
    const memo = new ReplayMemo();
    const sims = [new Simulator(hw, { mode: "fast", replay: memo }), new Simulator(hw, { mode: "fast", replay: false })];
    const ps = sims.map((s) => s.prepare(prog));
    for (let round = 0; round < 3; round++) {
      sims.forEach((s, k) => {
        // A run stopped after 5 cycles: the host read is still in flight.
        s.start(ps[k]);
        expect(s.run({ sliceCycles: 5 })).toBe(false);
      });
      expect(sims[0].inflight.length).toBeGreaterThan(0);
      const before = [memo.recorded, memo.hits];
      sims.forEach((s, k) => expect(runOn(s, ps[k], prog)).toEqual({ halted: true, fault: null }));
      expect([memo.recorded, memo.hits], `round ${round}`).toEqual(before);
      expectSameMachine(sims[0], sims[1], `round ${round}`);
    }
    expect(memo.recorded + memo.hits).toBe(0);
  });
});

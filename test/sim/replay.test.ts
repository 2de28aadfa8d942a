/**
 * Fast mode's replay of recorded runs (sim/replay.ts): a program run again from an equal idle state
 * only moves its data and takes the recorded timing. Checked against fast mode without the memo and
 * against detailed mode, run after run, with other data each time, from changing start states,
 * across machine configurations sharing one memo, and with data that raise a fault.
 */
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { ReplayMemo } from "../../src/sim/replay.js";
import { initParameters } from "../../src/workloads/init.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";
import { ins, program } from "../helpers/programs.js";
import { expectSameMachine, matmul, randomHw, runOn, threeChips, type Outcome } from "../helpers/replay-chips.js";

describe("replayed runs", () => {
  it("equal fast mode without the memo and detailed mode, run after run, with other data and another program between", () => {
    let hits = 0;
    for (const seed of [21, 22, 23, 24]) {
      const hw = randomHw(seed, seed % 2 ? "int8" : "bf16");
      const data = [1, 2, 3].map((d) => matmul(hw, 7, 9, 5, seed * 10 + d));
      // Another program leaves a tile in a bank: the next matmul starts from another state (its
      // first pass uses that tile, and a bank less is free).
      const other = program([ins("RDW", { wm: 0, wstride: hw.cols, rows: hw.rows, cols: hw.cols, transpose: 0 }), ins("HALT")], []);
      const sims = threeChips(hw);
      const prepared = Object.fromEntries(Object.entries(sims).map(([k, s]) => [k, { p: s.prepare(data[0]), q: s.prepare(other) }]));
      const order = [0, 1, 2, 0, 1, -1, 2, 0, 1, 2, 0, 1];
      order.forEach((d, step) => {
        const out: Record<string, Outcome> = {};
        for (const [k, s] of Object.entries(sims)) out[k] = d < 0 ? runOn(s, prepared[k].q, other) : runOn(s, prepared[k].p, data[d]);
        const what = `seed ${seed}, run ${step}`;
        expect(out.replay, what).toEqual({ halted: true, fault: null });
        expectSameMachine(sims.replay, sims.plain, `${what}, memo against none`);
        expectSameMachine(sims.replay, sims.detailed, `${what}, memo against detailed mode`);
      });
      hits += sims.replay.replay!.hits;
    }
    // The memo did replay (runs after the first from each start state; 48 runs in all).
    expect(hits).toBeGreaterThanOrEqual(10);
  });

  it("training steps with prefetching programs: replayed steps equal detailed mode's, weights and statistics", async () => {
    const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6, { learningRate: 0.5 });
    const steps = 8;
    const images = randomImages(steps * spec.batch, spec.inputs, 31);
    const labels = Uint8Array.from(randomLabels(steps * spec.batch, 3, 32));
    const nets = (["fast", "detailed"] as SimMode[]).map((mode) => {
      const net = new NetworkOnChip(spec, grid(4, 4, { dtype: "bf16" }), mode, "train-step");
      net.setParams(initParameters(spec));
      return net;
    });
    for (let s = 0; s < steps; s++) {
      const next = s + 1 < steps ? { order: null, first: (s + 1) * spec.batch, count: spec.batch } : undefined;
      for (const net of nets) await net.step(images, labels, null, s * spec.batch, spec.batch, {}, next);
      expectSameMachine(nets[0].sim, nets[1].sim, `step ${s}`);
    }
    expect(nets[0].sim.replay!.hits).toBeGreaterThan(3);
  });

  it("a memo shared by chips of different configurations keys on the configuration", () => {
    const hwA = randomHw(33, "int8");
    // The same machine with narrower links: other cycles.
    const hwB = randomHw(33, "int8", { hostBytesPerCycle: 1, weightBytesPerCycle: 1 });
    const program = matmul(hwA, 6, 9, 7, 5);
    const memo = new ReplayMemo();
    const a = new Simulator(hwA, { mode: "fast", replay: memo });
    const b = new Simulator(hwB, { mode: "fast", replay: memo });
    const plainB = new Simulator(hwB, { mode: "fast", replay: false });
    const p = a.prepare(program);
    for (let i = 0; i < 6; i++) {
      runOn(a, p, program);
      runOn(b, p, program);
      runOn(plainB, p, program);
      expectSameMachine(b, plainB, `run ${i}`);
    }
    expect(b.now).not.toBe(a.now);
    expect(memo.hits).toBeGreaterThan(3);
  });

  it("data that raise a fault in a replayed run: the same fault, cycle, statistics and memories as without the memo", () => {
    let faulted = 0;
    for (const seed of [41, 42, 43, 44, 45, 46]) {
      const hw = randomHw(seed, "bf16");
      const good = matmul(hw, 7, 9, 13, seed);
      const bad = matmul(hw, 7, 9, 13, seed + 1, true);
      const sims = threeChips(hw);
      const list = [sims.replay, sims.plain, sims.detailed];
      const ps = list.map((s) => s.prepare(good));
      for (let i = 0; i < 5; i++) list.forEach((s, k) => runOn(s, ps[k], good));
      const [got, want, wantDetailed] = list.map((s, k) => runOn(s, ps[k], bad));
      expect(got.fault, `seed ${seed}`).toMatch(/non-finite/);
      expect(got, `seed ${seed}`).toEqual(want);
      expect(got.fault, `seed ${seed}`).toBe(wantDetailed.fault);
      expectSameMachine(sims.replay, sims.plain, `seed ${seed}`);
      faulted += sims.replay.replay!.faulted;
    }
    // Most of these faults were found by replays (then simulated), not by first runs from a new state.
    expect(faulted).toBeGreaterThanOrEqual(4);
  });

  it("a fault found by a replay after an in-place update: the update is not applied twice", () => {
    // Each run doubles unified-buffer row 0 in place, then reads host rows into another block; the
    // last run's host rows hold infinities, which the replay finds after it has doubled row 0.
    const hw = randomHw(61, "bf16");
    const cols = Math.min(4, hw.cols);
    const step = (hostRows: Float32Array) =>
      program(
        [
          ins("VEC", { fn: 0, dst: 0, dstride: cols, a: 0, astride: cols, b: 0, bstride: cols, rows: 2, cols, imm: 1 }),
          ins("RHM", { host: 0, hstride: cols, ub: 64, ustride: cols, rows: 2, cols }),
          ins("HALT"),
        ],
        [{ memory: "host", address: 0, values: hostRows }],
      );
    const good = step(Float32Array.from({ length: 2 * cols }, (_, i) => i + 1));
    const bad = step(Float32Array.from({ length: 2 * cols }, (_, i) => (i === cols + 1 ? Infinity : i)));
    const sims = threeChips(hw);
    const list = [sims.replay, sims.plain, sims.detailed];
    const ps = list.map((s) => s.prepare(good));
    for (const s of list) s.dp.ub.set([1.5, -2, 3, 0.25, 5, 6, -7, 8].slice(0, 2 * cols));
    for (let i = 0; i < 4; i++) list.forEach((s, k) => runOn(s, ps[k], good));
    const [got, want, wantDetailed] = list.map((s, k) => runOn(s, ps[k], bad));
    expect(got.fault).toMatch(/non-finite value written to unified buffer address 6[4-9]/);
    expect(got).toEqual(want);
    expect(got.fault).toBe(wantDetailed.fault);
    expect(sims.replay.replay!.faulted).toBe(1);
    expectSameMachine(sims.replay, sims.plain, "after the fault");
    // The undone replay leaves fast mode's held-fault count as the simulated run alone sets it.
    expect(sims.replay.fast.heldFaults).toBe(sims.plain.fast.heldFaults);
    expect(sims.replay.dp.ub[0]).toBe(1.5 * 2 ** 5);
  });

  it("a run the watchdog stops is simulated, and stops where it would without the memo", () => {
    const hw = randomHw(51, "int8");
    const program = matmul(hw, 5, 5, 5, 51);
    const sims = [new Simulator(hw, { mode: "fast" }), new Simulator(hw, { mode: "fast", replay: false })];
    const outs = sims.map((s) => {
      const p = s.prepare(program);
      for (let i = 0; i < 3; i++) runOn(s, p, program);
      s.start(p);
      try {
        s.run({ maxCycles: s.now + 5 });
        return "halted";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(outs[0]).toMatch(/watchdog/);
    expect(outs[0]).toBe(outs[1]);
    expectSameMachine(sims[0], sims[1], "after the watchdog");
  });
});

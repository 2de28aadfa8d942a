/**
 * The host queue (src/sim/host-queue.ts): the host appending instructions behind a running chip, as
 * `gemm-run` does. Only test/jobs reached it, and `npm run mutate` runs test/sim and test/hw, so
 * every mutant of the file was uncovered (docs/MUTATION.md). These tests pin it against independent
 * references: a program fed in pieces must run cycle for cycle like the same program loaded whole;
 * `queuedCycles` is hand arithmetic over the queued passes; `hasCompleted` must agree with the
 * completions the trace sink recorded.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import type { DataSegment } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { appendInstructions, hasCompleted, nextLabel, queuedCycles } from "../../src/sim/host-queue.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { ints } from "../helpers/timing.js";

const MODES: readonly SimMode[] = ["detailed", "fast"];
const hw = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16" });

/** RHM, a 2x2 tile, three passes, an activation and a write back: every unit works, passes queue. */
const BODY: Instruction[] = [
  ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 6, cols: 2 }),
  ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
  ins("MMUL", { ub: 0, ustride: 2, rows: 3, cols: 2, acc: 0, switch: 1 }),
  ins("MMUL", { ub: 6, ustride: 2, rows: 2, cols: 2, acc: 3 }),
  ins("VEC", { fn: "add", dst: 40, dstride: 2, a: 0, astride: 2, b: 4, bstride: 2, rows: 2, cols: 2 }),
  ins("MMUL", { ub: 2, ustride: 2, rows: 4, cols: 2, acc: 5 }),
  ins("ACT", { acc: 0, rows: 9, cols: 2, ub: 20, ustride: 2, fn: "relu" }),
  ins("WHM", { ub: 20, ustride: 2, host: 100, hstride: 2, rows: 9, cols: 2 }),
];
const DATA: DataSegment[] = [
  { memory: "host", address: 0, values: ints(12, 1) },
  { memory: "weights", address: 0, values: ints(4, 3) },
  // Host memory grows to what the *loaded* program touches: reserve the write-back's range.
  { memory: "host", address: 100, values: new Float32Array(18) },
];

/** Runs BODY + HALT loaded whole. */
function whole(mode: SimMode): { sim: Simulator; sink: RecordingSink } {
  const sim = new Simulator(hw, { mode });
  const sink = new RecordingSink();
  sim.load(program([...BODY, ins("HALT")], DATA));
  expect(sim.run({ sink, maxCycles: 10_000 })).toBe(true);
  return { sim, sink };
}

describe.each(MODES)("%s mode", (mode) => {
  it("a program fed in pieces, one cycle apart, runs cycle for cycle like the program loaded whole", () => {
    const ref = whole(mode);
    const sim = new Simulator(hw, { mode });
    const sink = new RecordingSink();
    sim.load(program(BODY.slice(0, 1), DATA));
    let queued = 1;
    const checks: string[] = [];
    // One instruction per one-cycle slice: the controller never runs out before the next arrives
    // (it issues at most one instruction a cycle), so nothing may differ from the whole program.
    for (let slices = 0; !sim.run({ sink, maxCycles: 10_000, sliceCycles: 1 }); slices++) {
      expect(slices).toBeLessThan(1000);
      // hasCompleted against the sink: a label completed iff its unit reported it before `now`
      // (no NOP or SYNC in BODY: every instruction but HALT goes through a unit).
      for (let label = 0; label < queued; label++) {
        const done = sink.instructions.some((r) => r.pc === label && r.complete < sim.now);
        if (hasCompleted(sim, label, queued) !== done) checks.push(`cycle ${sim.now}: label ${label} completed ${!done}, sink says ${done}`);
      }
      if (queued <= BODY.length) {
        const next = queued < BODY.length ? [BODY[queued]] : [ins("HALT")];
        appendInstructions(sim, next, queued);
        queued++;
      }
    }
    expect(checks).toEqual([]);
    expect(sink.instructions).toEqual(ref.sink.instructions);
    expect(sink.rows).toEqual(ref.sink.rows);
    expect(sim.stats).toEqual(ref.sim.stats);
    // First differing element (-1: none); a deep equality over the whole unified buffer is slow.
    const firstDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.prototype.findIndex.call(a, (v: number, i: number) => !Object.is(v, b[i]));
    expect(sim.dp.host.length).toBe(ref.sim.dp.host.length);
    expect(firstDiff(sim.dp.host, ref.sim.dp.host)).toBe(-1);
    expect(firstDiff(sim.dp.ub, ref.sim.dp.ub)).toBe(-1);
    expect(Array.from(sim.dp.host.subarray(100, 118))).toEqual(Array.from(ref.sim.dp.host.subarray(100, 118)));
    expect(ref.sim.dp.host.subarray(100, 118).some((v) => v !== 0)).toBe(true);
    expect(nextLabel(sim, queued)).toBe(queued);
  });

  it("instructions appended to a drained controller, while a transfer is still in flight, issue in the next cycle", () => {
    // The RHM moves 16 x 16 bf16 elements, 512 bytes at 16 bytes a cycle: 32 cycles (far beyond 6).
    const bigHw = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16", hostBytesPerCycle: 16 });
    const sim = new Simulator(bigHw, { mode });
    const sink = new RecordingSink();
    sim.load(program([ins("RHM", { host: 0, hstride: 16, ub: 0, ustride: 16, rows: 16, cols: 16 })], [{ memory: "host", address: 0, values: ints(256, 1) }]));
    // From cycle 1 nothing is left to issue (detailed mode holds the quiet state from there on).
    expect(sim.run({ sink, maxCycles: 10_000, sliceCycles: 6 })).toBe(false);
    expect(sim.now).toBe(6);
    expect(nextLabel(sim, 1)).toBe(1);
    expect(hasCompleted(sim, 0, 1)).toBe(false);
    const copy = (dst: number) => ins("VEC", { fn: "copy", dst, dstride: 2, a: 400, astride: 2, rows: 1, cols: 2 });
    appendInstructions(sim, [copy(300), copy(310), ins("HALT")], 1);
    expect(sim.run({ sink, maxCycles: 10_000 })).toBe(true);
    // The vector unit is idle and the VECs share no address with the RHM: the first issues at 6,
    // the second when the vector unit is free again; labels continue from 1.
    expect(sink.life(1).issue).toBe(6);
    expect(sink.life(2).issue).toBe(sink.life(1).complete + 1);
    expect(sink.instructions.map((r) => r.pc).sort()).toEqual([0, 1, 2]);
    expect(sink.life(0).complete).toBeGreaterThan(6);
    expect([0, 1, 2].map((label) => hasCompleted(sim, label, 4))).toEqual([true, true, true]);
  });

  it("whatever cycle the host appends in while a transfer is in flight or just completed, the instruction issues in that cycle", () => {
    // The slice ends at s (1 <= s <= c + 1, the RHM completing at the end of cycle c); detailed mode
    // may hold a quiet state from before the completion, which the append must end.
    const rhm = ins("RHM", { host: 0, hstride: 16, ub: 0, ustride: 16, rows: 4, cols: 16 });
    const data = [{ memory: "host" as const, address: 0, values: ints(64, 1) }];
    const probe = new Simulator(hw, { mode });
    const probeSink = new RecordingSink();
    probe.load(program([rhm, ins("HALT")], data));
    probe.run({ sink: probeSink, maxCycles: 10_000 });
    const c = probeSink.life(0).complete;
    expect(c).toBeGreaterThan(2);
    for (let s = 1; s <= c + 1; s++) {
      const sim = new Simulator(hw, { mode });
      const sink = new RecordingSink();
      sim.load(program([rhm], data));
      expect(sim.run({ sink, maxCycles: 10_000, sliceCycles: s })).toBe(false);
      appendInstructions(sim, [ins("VEC", { fn: "copy", dst: 300, dstride: 2, a: 400, astride: 2, rows: 1, cols: 2 }), ins("HALT")], 1);
      expect(sim.run({ sink, maxCycles: 10_000 })).toBe(true);
      expect([s, sink.life(1).issue]).toEqual([s, s]);
    }
  });

  it("a halted chip runs instructions appended after its HALT", () => {
    const sim = new Simulator(hw, { mode });
    const sink = new RecordingSink();
    sim.load(program([ins("HALT")], [{ memory: "host", address: 0, values: ints(4, 1) }]));
    expect(sim.run({ sink })).toBe(true);
    appendInstructions(sim, [ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }), ins("HALT")], 1);
    expect(sim.run({ sink, maxCycles: 10_000 })).toBe(true);
    expect(sink.life(1).issue).toBe(1);
    expect(Array.from(sim.dp.ub.subarray(0, 4))).toEqual(Array.from(ints(4, 1)));
  });
});

describe("queuedCycles: the passes still queued, each at least its rows after the one before", () => {
  const mm = (rows: number, sw = 0) => ins("MMUL", { ub: 0, ustride: 2, rows, cols: 2, acc: 0, switch: sw });
  const nop = ins("NOP");
  const cases: [string, Instruction[], number, number][] = [
    // rows 3, 5, 2 queued from pc 0: the last pass issues at least 3 + 5 cycles after the first.
    ["three passes between other instructions", [nop, mm(3), nop, mm(5), nop, mm(2), nop], 0, 3 + 5],
    ["the same queue from pc 2: the first pass has issued", [nop, mm(3), nop, mm(5), nop, mm(2), nop], 2, 5],
    ["one pass", [nop, mm(7), nop], 0, 0],
    ["no pass", [nop, nop], 0, 0],
    ["four passes, the last one longest", [mm(1), mm(2), mm(4), mm(100)], 0, 1 + 2 + 4],
  ];
  it.each(cases)("%s", (_name, instructions, pc, want) => {
    const sim = new Simulator(hw, { mode: "fast" });
    appendInstructions(sim, instructions, 0);
    sim.pc = pc;
    expect(queuedCycles(sim)).toBe(want);
  });

  it("a slice of queuedCycles cycles ends before the last queued pass can issue", () => {
    // RDW at 0, its shift from 1 for R = 2 steps: the first pass issues at 1 + R - 1 = 2, the
    // second at 2 + 3, the third at 2 + 3 + 5 = 10. From cycle 0, a slice of 8 cycles ends at 8.
    for (const mode of MODES) {
      const sim = new Simulator(hw, { mode });
      const sink = new RecordingSink();
      sim.load(program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), mm(3, 1), mm(5), mm(2), ins("HALT")], [{ memory: "weights", address: 0, values: ints(4, 1) }]));
      const slice = queuedCycles(sim);
      expect(slice).toBe(8);
      sim.run({ sink, sliceCycles: slice });
      expect(sim.pc).toBe(3);
      sim.run({ sink, maxCycles: 10_000 });
      expect([1, 2, 3].map((pc) => sink.life(pc).issue)).toEqual([2, 2 + 3, 2 + 3 + 5]);
    }
  });
});

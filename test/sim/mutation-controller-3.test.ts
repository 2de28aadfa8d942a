/**
 * The controller's run loop and replayed runs (src/sim/controller.ts `start`, `run`, `replayRun`):
 * where a slice or the watchdog stops a run, which path the trace window takes in fast mode, and
 * which runs may be replayed (docs/mutation/controller-3.md, controller-1.md).
 */
import { describe, expect, it } from "vitest";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type PreparedProgram, type SimMode } from "../../src/sim/controller.js";
import { ReplayMemo } from "../../src/sim/replay.js";
import type { RunStats } from "../../src/sim/stats.js";
import type { TraceRow } from "../../src/sim/trace.js";
import { rhmHalt, slowHostHw } from "../helpers/controller-programs.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith } from "../helpers/timing.js";

const MODES = ["detailed", "fast"] as const;

/** A fast chip with or without the replay memo, and the prepared RHM of 30 rows + HALT (121 cycles a run). */
function rhmChip(memo: boolean): { sim: Simulator; p: PreparedProgram } {
  const sim = new Simulator(slowHostHw, memo ? { mode: "fast" } : { mode: "fast", replay: false });
  return { sim, p: sim.prepare(rhmHalt(30)) };
}

/** Start `p` and run it to its HALT, n times. */
function runWhole(sim: Simulator, p: PreparedProgram, n: number): void {
  for (let i = 0; i < n; i++) {
    sim.start(p);
    expect(sim.run()).toBe(true);
  }
}

describe("start() on a chip whose last run stopped at a slice's end", () => {
  for (const mode of MODES) {
    it(`${mode}: the new program issues at once; nothing of the old head's wait carries over`, () => {
      // The RHM of 520 rows is busy 0..2079 (4 bytes a row, 1 a cycle); its HALT waits from 1.
      const sim = new Simulator(slowHostHw, { mode });
      sim.load(rhmHalt(520));
      expect(sim.run({ sliceCycles: 100 })).toBe(false);
      expect(sim.now).toBe(100);
      // The NOPs issue at 100 and 101; the HALT waits for the RHM still in flight and issues at 2080.
      sim.load(program([ins("NOP"), ins("NOP"), ins("HALT")]));
      const sink = new RecordingSink();
      expect(sim.run({ sink })).toBe(true);
      expect(sim.now).toBe(2081);
      expect(sink.rows[1].headPc).toBe(1);
      expect(sink.rows[2].headPc).toBe(2);
      // Cycle 0: the RHM (host_transfer); 1..99 and 102..2080 wait (drain); 100, 101 the NOPs.
      expect(sim.stats.stalls).toMatchObject({ host_transfer: 1, non_matrix: 2, drain: 99 + (2080 - 102 + 1) });
      expect(sim.stats.cycles).toBe(2081);
    });
  }
});

// Wide links: the 2 x 2 tile loads at 0, four input rows at 1, the switching pass issues at 2 and
// streams its 300 vectors (all UB row 0) at 2..301. Result (b, c) is written at
// t0 + b + R + c + 1 = b + c + 5 (docs/ARCHITECTURE.md "MatrixMultiply"), the last (299, 1) at
// 305; the HALT issues at 306.
const wideHw = hwWith(2, 2, { hostBytesPerCycle: 64, weightBytesPerCycle: 64 });
const longPass = program([
  ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
  ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 4, cols: 2 }),
  ins("MMUL", { ub: 0, ustride: 0, rows: 300, cols: 2, acc: 0, switch: 1 }),
  ins("HALT"),
]);

/** Results (b, c) of the pass written before cycle `end`: b + c + 5 < end. */
function resultsBefore(end: number): number {
  let n = 0;
  for (let b = 0; b < 300; b++) for (let c = 0; c < 2; c++) if (b + c + 5 < end) n++;
  return n;
}

describe("a slice or the watchdog ending inside a matrix pass (detailed mode's burst, fast mode's jump)", () => {
  it("each slice returns exactly at its end; the statistics there are the same in both modes", () => {
    const at: Record<string, { now: number; halted: boolean; stats: RunStats }[]> = {};
    for (const mode of MODES) {
      for (const traced of [false, true]) {
        const sim = new Simulator(wideHw, { mode });
        sim.load(longPass);
        const sink = traced ? new RecordingSink() : undefined;
        const ends: { now: number; halted: boolean; stats: RunStats }[] = [];
        for (let i = 0; i < 10 && !ends.at(-1)?.halted; i++) {
          const halted = sim.run({ sliceCycles: 100, sink });
          ends.push({ now: sim.now, halted, stats: structuredClone(sim.stats) });
        }
        expect(ends.map((e) => [e.now, e.halted]), `${mode}${traced ? ", traced" : ""}`).toEqual([[100, false], [200, false], [300, false], [307, true]]);
        at[`${mode}${traced ? ", traced" : ""}`] = ends;
      }
    }
    for (const k of Object.keys(at)) expect(at[k], k).toEqual(at.detailed);
    // At 100: vectors 0..97 read (2..99, 4 bytes each); results written before 100, 4 bytes each.
    expect(at.detailed[0].stats.bytes.unifiedBufferRead).toBe(98 * 4);
    expect(at.detailed[0].stats.bytes.accumulatorWritten).toBe(resultsBefore(100) * 4);
    expect(at.detailed[0].stats.matrixBusyCycles).toBe(98);
    expect(at.detailed[1].stats.bytes.accumulatorWritten).toBe(resultsBefore(200) * 4);
  });

  for (const mode of MODES) {
    it(`${mode}: the watchdog stops the run at its cycle, not at the end of the pass`, () => {
      const sim = new Simulator(wideHw, { mode });
      sim.load(longPass);
      let fault: RuntimeFault | null = null;
      try {
        sim.run({ maxCycles: 150 });
      } catch (e) {
        if (!(e instanceof RuntimeFault)) throw e;
        fault = e;
      }
      expect(fault?.detail).toMatch(/^watchdog/);
      expect(fault?.cycle).toBe(150);
      expect(fault?.instruction).toBe("pc 3: HALT");
      expect(sim.stats.cycles).toBe(150);
      expect(sim.stats.bytes.accumulatorWritten).toBe(resultsBefore(150) * 4);
    });
  }
});

/** Keeps every run the simulator hands over, besides the rows of the window. */
class RunSink extends RecordingSink {
  readonly runs: [number, number][] = [];
  override cycle(row: Readonly<TraceRow>, count: number): void {
    this.runs.push([row.cycle, count]);
    super.cycle(row, count);
  }
}

describe("a trace window in fast mode", () => {
  // The pass above with a second RHM (ub 8, 100 rows: issued at 3, done at 9) beside it.
  const prog: Program = program([...longPass.instructions.slice(0, 3), ins("RHM", { host: 0, hstride: 2, ub: 8, ustride: 2, rows: 100, cols: 2 }), ins("HALT")]);
  const full = new RecordingSink();
  const reference = new Simulator(wideHw, { mode: "detailed" });
  reference.load(prog);
  reference.run({ sink: full });

  // [0, 4]: ends the cycle after the RHM's issue at 3 (a stepped cycle); [50, 150] inside the pass;
  // [200, 400] past the HALT; [310, 320] after it.
  for (const [from, to] of [[0, 4], [50, 150], [200, 400], [310, 320]]) {
    it(`window ${from}..${to}: the rows of an untraced detailed run's window, and no run wholly outside it`, () => {
      expect(full.instructions.map((x) => [x.pc, x.issue, x.complete])).toEqual([[0, 0, 0], [1, 1, 1], [3, 3, 9], [2, 2, 305]]);
      const sim = new Simulator(wideHw, { mode: "fast" });
      sim.load(prog);
      const sink = new RunSink(from, to);
      expect(sim.run({ sink })).toBe(true);
      expect(sink.rows).toEqual(full.rows.filter((r) => r.cycle >= from && r.cycle <= to));
      // TraceSink: "rows outside are not produced" (a run may reach over an edge of the window).
      expect(sink.runs.filter(([c, n]) => c + n - 1 < from || c > to)).toEqual([]);
      expect(sim.stats).toEqual(reference.stats);
    });
  }
});

describe("replayed runs: only whole, untraced runs from an idle chip", () => {
  it("a traced run and a sliced run of a replayable program are simulated: rows, slice ends", () => {
    // RHM of 30 rows: busy 120 cycles, HALT at +120, 121 cycles a run.
    const outcome: Record<string, unknown> = {};
    for (const memo of [true, false]) {
      const { sim, p } = rhmChip(memo);
      runWhole(sim, p, 3);
      sim.start(p);
      const sink = new RecordingSink();
      expect(sim.run({ sink })).toBe(true);
      runWhole(sim, p, 2);
      sim.start(p);
      const ends: [number, boolean][] = [];
      for (let i = 0; i < 10 && !ends.at(-1)?.[1]; i++) {
        const halted = sim.run({ sliceCycles: 50 });
        ends.push([sim.now, halted]);
      }
      // Run 4 covers 363..483; run 7 starts at 726: slices end at 776, 826, then the HALT (846).
      expect(sink.rows.map((r) => r.cycle)).toEqual(Array.from({ length: 121 }, (_, i) => 363 + i));
      expect(ends).toEqual([[776, false], [826, false], [847, true]]);
      outcome[String(memo)] = { stats: sim.stats, rows: sink.rows };
      // The memo did replay runs 3 and 6 (so the traced and sliced runs could have been).
      if (memo) expect(sim.replay!.hits).toBe(2);
    }
    expect(outcome.true).toEqual(outcome.false);
  });

  it("a run started while the chip still works (a slice ended before the HALT) is not replayed", () => {
    // Two chips share a memo: the second would find the first's run of `b` from the same busy state.
    const memo = new ReplayMemo();
    const a = new Simulator(slowHostHw).prepare(rhmHalt(30));
    const b = new Simulator(slowHostHw).prepare(program([ins("RHM", { host: 0, hstride: 2, ub: 100, ustride: 2, rows: 5, cols: 2 }), ins("HALT")]));
    const chips = [memo, memo, false as const].map((replay) => new Simulator(slowHostHw, { mode: "fast", replay }));
    for (const sim of chips) {
      sim.start(a);
      expect(sim.run({ sliceCycles: 50 })).toBe(false);
      // b's RHM waits for a's (busy 0..119): 120..139, its HALT at 140.
      sim.start(b);
      expect(sim.run()).toBe(true);
      expect(sim.now).toBe(141);
      // Then `a` twice from idle, the second traced (simulated).
      sim.start(a);
      expect(sim.run()).toBe(true);
      sim.start(a);
      expect(sim.run({ sink: new RecordingSink() })).toBe(true);
      expect(sim.now).toBe(141 + 2 * 121);
      expect(sim.inflight).toEqual([]);
    }
    expect(chips[1].stats).toEqual(chips[2].stats);
  });
});

/** A sink that fails (a full disk, say) when handed a run that reaches cycle `failAt`. */
class FailingSink extends RecordingSink {
  readonly error = new Error("disk full");
  constructor(readonly failAt: number) {
    super();
  }
  override cycle(row: Readonly<TraceRow>, count: number): void {
    if (row.cycle + count > this.failAt) throw this.error;
    super.cycle(row, count);
  }
}

describe("an error that is not a fault of the program (the trace sink fails)", () => {
  for (const mode of MODES) {
    it(`${mode}: propagates unchanged; the statistics stay whole numbers, no more than the cycles traced`, () => {
      const sim = new Simulator(slowHostHw, { mode });
      sim.load(rhmHalt(30));
      const sink = new FailingSink(50);
      let error: unknown = null;
      try {
        sim.run({ sink });
      } catch (e) {
        error = e;
      }
      expect(error).toBe(sink.error);
      expect(sink.rows.map((r) => r.cycle)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(Number.isInteger(sim.stats.cycles)).toBe(true);
      expect(sim.stats.cycles).toBeGreaterThanOrEqual(0);
      expect(sim.stats.cycles).toBeLessThanOrEqual(50);
      // Detailed mode steps every cycle: the failing one (50) is not counted.
      if (mode === "detailed") expect(sim.stats.cycles).toBe(50);
    });
  }
});

describe("a pass fault that a replay finds", () => {
  it("the same fault as without the memo, and fast mode's held-fault count as the simulated run alone sets it", () => {
    // C = A B, 3 x 2 x 2 on a 2 x 2 chip; the bad B has 2^127 in row 1, column 0: A's 2 (row 0,
    // column 1) times it is 2^128, an infinity in accumulator row 0, column 0.
    const hw = hwWith(2, 2);
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const good = compileMatmul(a, 3, 2, Float32Array.from([1, -1, 0.5, 2]), 2, hw).program;
    const bad = compileMatmul(a, 3, 2, Float32Array.from([1, -1, 2 ** 127, 2]), 2, hw).program;
    const chips = [new Simulator(hw, { mode: "fast" }), new Simulator(hw, { mode: "fast", replay: false })];
    const outcomes = chips.map((sim) => {
      const p = sim.prepare(good);
      const runWith = (data: Program): string => {
        sim.start(p);
        for (const seg of data.data) (seg.memory === "host" ? sim.dp.host : sim.dp.wm).set(seg.values, seg.address);
        try {
          return String(sim.run());
        } catch (e) {
          if (!(e instanceof RuntimeFault)) throw e;
          return `${e.message}`;
        }
      };
      // Each run switches banks and takes the next FIFO slot: the start states repeat every 8 runs.
      const results = [...Array.from({ length: 9 }, () => runWith(good)), runWith(bad)];
      return { results, stats: sim.stats, heldFaults: sim.fast.heldFaults, heldPassFaults: sim.heldPassFaults };
    });
    expect(chips[0].replay!.faulted).toBe(1);
    expect(outcomes[0].results.at(-1)).toMatch(/non-finite value written to accumulator row 0, column 0/);
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});

describe("the watchdog and a replayable run", () => {
  it("a run the watchdog would stop is simulated and stops at maxCycles; one that fits exactly halts", () => {
    // RHM of 30 rows and HALT: 121 cycles a run (busy 120 cycles, HALT at +120).
    const outcome: Record<string, unknown> = {};
    for (const memo of [true, false]) {
      const { sim, p } = rhmChip(memo);
      runWhole(sim, p, 3);
      expect(sim.now).toBe(363);
      // Cycles 363..483 fit below 484: the HALT issues at 483.
      sim.start(p);
      expect(sim.run({ maxCycles: 363 + 121 })).toBe(true);
      expect(sim.now).toBe(484);
      sim.start(p);
      let fault: RuntimeFault | null = null;
      try {
        sim.run({ maxCycles: 484 + 100 });
      } catch (e) {
        if (!(e instanceof RuntimeFault)) throw e;
        fault = e;
      }
      expect(fault?.detail).toMatch(/^watchdog/);
      expect(fault?.cycle).toBe(584);
      expect(sim.stats.cycles).toBe(584);
      // The memo replayed run 3, from the state runs 4 and 5 start in too (so they could have been).
      if (memo) expect(sim.replay!.hits).toBeGreaterThanOrEqual(1);
      outcome[String(memo)] = sim.stats;
    }
    expect(outcome.true).toEqual(outcome.false);
  });
});

describe("a replayed run ends halted, as a simulated one", () => {
  it("halted is true, and run() again returns at once without a cycle", () => {
    const out: Record<string, unknown> = {};
    for (const memo of [true, false]) {
      const { sim, p } = rhmChip(memo);
      for (let i = 0; i < 3; i++) {
        sim.start(p);
        expect(sim.run()).toBe(true);
        expect(sim.halted).toBe(true);
      }
      // Run 3 was replayed (see above); a second run() after HALT does nothing.
      if (memo) expect(sim.replay!.hits).toBe(1);
      expect(sim.run()).toBe(true);
      expect(sim.now).toBe(363);
      out[String(memo)] = sim.stats;
    }
    expect(out.true).toEqual(out.false);
  });
});

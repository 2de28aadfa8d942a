/**
 * The controller's run loop (src/sim/controller.ts `run`): a sliced run also returns when the
 * sink asks to be flushed (fast mode at once, detailed mode every 1024 cycles), an unsliced run
 * never does, and the slices add up to the same run (docs/mutation/controller-1.md).
 */
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import type { PeTraceRow, TraceRow, TraceSink, TraceUnit } from "../../src/sim/trace.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { rhmHalt, slowHostHw } from "../helpers/controller-programs.js";

/** A recording sink whose buffer is always full: it asks for a flush after every row. */
class FullSink implements TraceSink {
  readonly inner = new RecordingSink();
  readonly from = 0;
  readonly to = Number.POSITIVE_INFINITY;
  readonly every = 1;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  readonly needsFlush = true;
  flushes = 0;
  cycle(row: Readonly<TraceRow>, count: number): void {
    this.inner.cycle(row, count);
  }
  pe(row: Readonly<PeTraceRow>): void {
    this.inner.pe(row);
  }
  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void {
    this.inner.instruction(unit, pc, text, issue, complete);
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
  async close(): Promise<void> {}
}

// 1 host byte a cycle: an RHM of `rows` rows of 2 bf16 values moves 4 bytes a row, one a cycle.
const hw = slowHostHw;

function reference(prog: Program, mode: SimMode): { rows: unknown[]; cycles: number; now: number } {
  const sim = new Simulator(hw, { mode });
  const sink = new RecordingSink();
  sim.load(prog);
  expect(sim.run({ sink, maxCycles: 100_000 })).toBe(true);
  return { rows: sink.rows, cycles: sim.stats.cycles, now: sim.now };
}

/** Run in slices of `slice` cycles into a full sink; the cycle each slice returned at. */
function sliced(prog: Program, mode: SimMode, slice: number): { ends: number[]; sink: FullSink; sim: Simulator } {
  const sim = new Simulator(hw, { mode });
  const sink = new FullSink();
  sim.load(prog);
  const ends: number[] = [];
  for (let i = 0; i < 200; i++) {
    const halted = sim.run({ sink, sliceCycles: slice, maxCycles: 100_000 });
    ends.push(sim.now);
    if (halted) return { ends, sink, sim };
  }
  throw new Error(`no halt after 200 slices (ends ${ends.slice(0, 5).join(",")}…)`);
}

describe("a sliced run into a sink that needs a flush", () => {
  it("detailed mode returns at every multiple of 1024 cycles, not before, and the slices add up", () => {
    // RHM of 520 rows: 2,080 bytes at 1 a cycle, issued at 0, busy 0..2079; HALT issues at 2080.
    const prog = rhmHalt(520);
    const ref = reference(prog, "detailed");
    expect(ref.now).toBe(2081);
    const { ends, sink, sim } = sliced(prog, "detailed", 1_000_000);
    expect(ends).toEqual([1024, 2048, 2081]);
    expect(sink.inner.rows).toEqual(ref.rows);
    expect(sim.stats.cycles).toBe(ref.cycles);
  });

  it("fast mode returns after the first stretch of every slice, and the slices add up", () => {
    // RHM of 20 rows: 80 bytes, busy 0..79; HALT issues at 80.
    const prog = rhmHalt(20);
    const ref = reference(prog, "fast");
    expect(ref.now).toBe(81);
    const { ends, sink, sim } = sliced(prog, "fast", 1_000_000);
    // Every slice makes progress and returns before the end: more than one slice, none empty.
    expect(ends.length).toBeGreaterThan(1);
    expect(ends[0]).toBeLessThan(81);
    for (let i = 1; i < ends.length; i++) expect(ends[i]).toBeGreaterThan(ends[i - 1]);
    expect(ends[ends.length - 1]).toBe(81);
    expect(sink.inner.rows).toEqual(ref.rows);
    expect(sim.stats.cycles).toBe(ref.cycles);
  });

  for (const mode of ["detailed", "fast"] as const) {
    it(`${mode}: an unsliced run ignores the flush request and runs to HALT`, () => {
      const prog = rhmHalt(520);
      const sim = new Simulator(hw, { mode });
      const sink = new FullSink();
      sim.load(prog);
      expect(sim.run({ sink, maxCycles: 100_000 })).toBe(true);
      expect(sim.now).toBe(2081);
      expect(sink.inner.rows).toEqual(reference(prog, mode).rows);
    });
  }
});

function watchdogOf(prog: Program, mode: SimMode, maxCycles: number): { cycle: number; unit: string; instruction: string; watchdog: boolean } {
  const sim = new Simulator(hw, { mode });
  sim.load(prog);
  try {
    sim.run({ maxCycles });
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { cycle: e.cycle, unit: e.unit, instruction: e.instruction, watchdog: /^watchdog/.test(e.detail) };
  }
  throw new Error(`${mode}: expected a watchdog fault`);
}

describe("the watchdog names the head instruction, or none when the program has issued to its end", () => {
  for (const mode of ["detailed", "fast"] as const) {
    it(`${mode}: a HALT waiting behind a long RHM, and an RHM with nothing after it`, () => {
      // The RHM is busy 0..2079; the watchdog stops the run at cycle 100 either way.
      const withHead = watchdogOf(rhmHalt(520), mode, 100);
      expect(withHead).toEqual({ cycle: 100, unit: "controller", instruction: "pc 1: HALT", watchdog: true });
      const noHead = watchdogOf(program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 520, cols: 2 })]), mode, 100);
      expect(noHead).toEqual({ cycle: 100, unit: "controller", instruction: "", watchdog: true });
    });
  }
});

describe("a Simulator built without options", () => {
  it("runs in fast mode and says so", () => {
    const sim = new Simulator(hw);
    expect(sim.mode).toBe("fast");
    expect(sim.detailed).toBe(false);
    expect(sim.replay).not.toBeNull();
    expect(new Simulator(hw, { mode: "detailed" }).mode).toBe("detailed");
  });

  for (const mode of ["detailed", "fast"] as const) {
    it(`${mode}: before any program it is halted, and run() returns at once`, () => {
      const sim = new Simulator(hw, { mode });
      expect(sim.halted).toBe(true);
      expect(sim.run()).toBe(true);
      expect(sim.now).toBe(0);
      expect(sim.stats.cycles).toBe(0);
    });
  }
});

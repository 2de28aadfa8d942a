/**
 * A machine that can never move again (src/sim/events.ts `nextEvent`): both modes step the first
 * cycle in which nothing can happen, charge it, give it its trace row, and fault there
 * (docs/ARCHITECTURE.md "Faults"). Fast mode, which jumps from event to event, used to see the
 * machine stuck one cycle early and fault without that cycle's trace row; a slice that ends before
 * that cycle returns instead, and the host may still append (src/sim/host-queue.ts). Detailed mode,
 * which steps every cycle, is the reference, and the cycles are derived by hand below
 * (docs/mutation/events.md).
 */
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { appendInstructions } from "../../src/sim/host-queue.js";
import { type CycleRecord, RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith } from "../helpers/timing.js";

// 2 host bytes a cycle: an RHM of 4 bf16 values moves 8 bytes in cycles 0..3.
const hw = hwWith(2, 2, { hostBytesPerCycle: 2 });
const rhm = ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 });

interface Outcome {
  fault: { cycle: number; unit: string; detail: string } | null;
  rows: CycleRecord[];
  stalls: Record<string, number>;
  cycles: number;
}

function runOnce(prog: Program, mode: SimMode, traced: boolean): Outcome {
  const sim = new Simulator(hw, { mode });
  const sink = new RecordingSink();
  sim.load(prog);
  let fault: Outcome["fault"] = null;
  try {
    sim.run({ maxCycles: 1000, sink: traced ? sink : undefined });
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeFault);
    const f = e as RuntimeFault;
    fault = { cycle: f.cycle, unit: f.unit, detail: f.detail };
  }
  return { fault, rows: sink.rows, stalls: { ...sim.stats.stalls }, cycles: sim.stats.cycles };
}

describe("a machine that can never move again", () => {
  const cases: [string, Program, number, RegExp, Record<string, number>][] = [
    // The NOP issues at 0 (a change in a stepped cycle); at 1 nothing is left: drain, fault at 1.
    ["NOP without HALT", program([ins("NOP")]), 1, /the program ended without HALT/, { non_matrix: 1, drain: 1 }],
    // RHM at 0, the NOP at 1, drain at 2 and 3 while the RHM moves its last bytes; it completes at 3
    // (inside one of fast mode's jumps); at 4 nothing is left: drain, fault at 4.
    ["RHM; NOP without HALT", program([rhm, ins("NOP")]), 4, /the program ended without HALT/, { host_transfer: 1, non_matrix: 1, drain: 3 }],
    // RHM at 0 (host_transfer). The MMUL switches to a tile that is neither loaded nor loading, which
    // the controller checks before the scoreboard: weight_load at 1..3 while the RHM it reads from
    // still moves, and at 4, the first cycle with nothing in flight: fault at 4.
    ["RHM; MMUL switch without a tile", program([rhm, ins("MMUL", { ub: 0, ustride: 4, rows: 1, cols: 2, acc: 0, switch: 1 })]), 4,
      /weight FIFO underflow/, { host_transfer: 1, weight_load: 4 }],
  ];
  for (const [name, prog, cycle, detail, stalls] of cases) {
    it(`${name}: the stuck cycle is stepped, charged and traced in both modes, and faults`, () => {
      const reference = runOnce(prog, "detailed", true);
      expect(reference.fault?.cycle).toBe(cycle);
      expect(reference.fault?.detail).toMatch(detail);
      expect(reference.rows.map((r) => r.cycle)).toEqual(Array.from({ length: cycle + 1 }, (_, i) => i));
      const charged = Object.fromEntries(Object.entries(reference.stalls).filter(([, n]) => n > 0));
      expect(charged).toEqual(stalls);
      // A deadlock stops the run before its cycle does any work: `cycles` does not count it.
      expect(reference.cycles).toBe(cycle);
      for (const [mode, traced] of [["fast", true], ["fast", false], ["detailed", false]] as const) {
        const got = runOnce(prog, mode, traced);
        const what = `${mode} ${traced ? "traced" : "untraced"}`;
        expect(got.fault, what).toEqual(reference.fault);
        expect(got.stalls, what).toEqual(reference.stalls);
        expect(got.cycles, what).toBe(reference.cycles);
        if (traced) expect(got.rows, what).toEqual(reference.rows);
      }
    });
  }

  it("a slice that ends before the stuck cycle returns; one that contains it faults there", () => {
    for (const mode of ["detailed", "fast"] as const) {
      for (const traced of [false, true]) {
        const what = `${mode} ${traced ? "traced" : "untraced"}`;
        // NOP at 0; the slice [0, 1) ends before the stuck cycle 1: the run returns, and HALT,
        // appended there, issues at 1 (charged to drain), so the program takes 2 cycles.
        const sim = new Simulator(hw, { mode });
        const sink = traced ? new RecordingSink() : undefined;
        sim.load(program([ins("NOP")]));
        expect(sim.run({ maxCycles: 1000, sliceCycles: 1, sink }), what).toBe(false);
        expect(sim.now, what).toBe(1);
        appendInstructions(sim, [ins("HALT")], 1);
        expect(sim.run({ maxCycles: 1000, sink }), what).toBe(true);
        expect([sim.now, sim.stats.cycles, sim.stats.stalls.non_matrix, sim.stats.stalls.drain], what).toEqual([2, 2, 1, 1]);
        // The slice [0, 2) contains the stuck cycle 1: the run faults there.
        const stuck = new Simulator(hw, { mode });
        stuck.load(program([ins("NOP")]));
        let fault: unknown = null;
        try {
          stuck.run({ maxCycles: 1000, sliceCycles: 2, sink: traced ? new RecordingSink() : undefined });
        } catch (e) {
          fault = e;
        }
        expect(fault, what).toBeInstanceOf(RuntimeFault);
        expect((fault as RuntimeFault).cycle, what).toBe(1);
        expect((fault as RuntimeFault).detail, what).toMatch(/without HALT/);
      }
    }
  });
});

/**
 * A run sliced exactly where the machine would otherwise be stuck (the last instruction completed,
 * nothing left to issue) returns at the slice's end instead of faulting: the host may still append
 * there (src/sim/host-queue.ts). Fast mode found the deadlock one event early, inside the slice,
 * once its traced path jumped between events; detailed mode steps that cycle only in the next run.
 * Reference: detailed mode, and the appended instruction issuing where the slice ended (or, as it
 * reads what the transfer wrote, the cycle after the transfer completes).
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { appendInstructions } from "../../src/sim/host-queue.js";
import { NULL_SINK } from "../../src/sim/trace.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { ints } from "../helpers/timing.js";

const hw = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16" });
const rhm = ins("RHM", { host: 0, hstride: 16, ub: 0, ustride: 16, rows: 4, cols: 16 });
const copy = ins("VEC", { fn: "copy", dst: 300, dstride: 2, a: 0, astride: 2, rows: 1, cols: 2 });
const data = [{ memory: "host" as const, address: 0, values: ints(64, 1) }];

/** RHM alone for `slice` cycles, then the host appends a VEC and HALT; the rest runs to the end. */
function sliced(mode: SimMode, slice: number, traced: boolean): { cycles: number; issue: number; ub: number[] } {
  const sim = new Simulator(hw, { mode });
  const sink = traced ? new RecordingSink() : NULL_SINK;
  sim.load(program([rhm], data));
  expect(sim.run({ sink, maxCycles: 10_000, sliceCycles: slice })).toBe(false);
  expect(sim.now).toBe(slice);
  appendInstructions(sim, [copy, ins("HALT")], 1);
  expect(sim.run({ sink, maxCycles: 10_000 })).toBe(true);
  const issue = sink instanceof RecordingSink ? sink.life(1).issue : -1;
  return { cycles: sim.stats.cycles, issue, ub: Array.from(sim.dp.ub.subarray(300, 304)) };
}

describe("a slice that ends where nothing is left to issue", () => {
  it("returns there in both modes, traced or not, and the appended instruction issues as soon as it can", () => {
    const probe = new Simulator(hw, { mode: "detailed" });
    const sink = new RecordingSink();
    probe.load(program([rhm, ins("HALT")], data));
    probe.run({ sink, maxCycles: 10_000 });
    const complete = sink.life(0).complete;
    // A slice ending later than complete + 1 steps a cycle with nothing to do: that is a deadlock
    // in both modes (the host must append before the machine runs dry).
    for (const slice of [complete - 1, complete, complete + 1]) {
      const reference = sliced("detailed", slice, true);
      // The VEC reads what the RHM wrote: it issues at the slice's end, or after the RHM completes.
      const issue = Math.max(slice, complete + 1);
      expect(reference.issue, `slice ${slice}`).toBe(issue);
      for (const [mode, traced] of [["fast", true], ["fast", false], ["detailed", false]] as const) {
        const got = sliced(mode, slice, traced);
        expect(got.cycles, `${mode} ${traced ? "traced" : "untraced"}, slice ${slice}`).toBe(reference.cycles);
        expect(got.ub, `${mode}, slice ${slice}`).toEqual(reference.ub);
        if (traced) expect(got.issue).toBe(issue);
      }
    }
  });
});

/**
 * The controller's matrix burst, shifter and bank rules (src/sim/controller.ts `matrixBurst` ..
 * `oldestLoadedBank`): gaps found by mutation testing (docs/mutation/controller-4.md).
 */
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/sim/controller.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith, ints } from "../helpers/timing.js";

describe("detailed mode's matrix burst and the trace window", () => {
  it("a window opening at any cycle records the rows a full trace has there", () => {
    // One long pass: from its issue t0 the controller is quiet and only the matrix unit works, so
    // untraced cycles are clocked in bursts; a burst must stop before the window's first cycle,
    // also when the cycle before the window was stepped (from = t0 + 2: t0 issues, t0 + 1 sets the hold).
    const R = 3;
    const C = 2;
    const B = 8;
    const hw = hwWith(R, C, { weightBytesPerCycle: 64 });
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
        ins("MMUL", { ub: 0, ustride: R, rows: B, cols: R, acc: 0, switch: 1 }),
        ins("HALT"),
      ],
      [{ memory: "weights", address: 0, values: ints(R * C, 3) }],
    );
    const run = (sink: RecordingSink) => {
      const sim = new Simulator(hw, { mode: "detailed" });
      sim.load(prog);
      sim.dp.ub.set(ints(B * R, 1));
      expect(sim.run({ sink, maxCycles: 1000 })).toBe(true);
      return sim;
    };
    const region = { r0: 0, r1: R, c0: 0, c1: C };
    const full = new RecordingSink(0, Number.POSITIVE_INFINITY, region);
    const want = run(full);
    // RDW issues at 0 and fills the slot in cycle 0; the shift runs 1 .. R, bank ready at R (s + R - 1): t0 = R.
    const t0 = R;
    expect(full.life(1).issue).toBe(t0);
    const cycles = want.stats.cycles;
    expect(cycles).toBe(t0 + B + R + C - 1 + 2); // completion tc = t0 + B + R + C - 1, HALT at tc + 1
    for (let from = 1; from < cycles; from++) {
      const window = new RecordingSink(from, from + 2, region);
      const got = run(window);
      expect(got.stats, `window from ${from}: statistics`).toEqual(want.stats);
      expect(window.rows, `window from ${from}: rows`).toEqual(full.rows.filter((r) => r.cycle >= from && r.cycle <= from + 2));
      expect(window.pes, `window from ${from}: PE rows`).toEqual(full.pes.filter((p) => p.cycle >= from && p.cycle <= from + 2));
    }
  });
});

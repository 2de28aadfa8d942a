/**
 * The controller's stepping loop (src/sim/controller.ts `stepCycle` .. `charge`): gaps found by
 * mutation testing (docs/mutation/controller-2.md).
 */
import { describe, expect, it } from "vitest";
import { RecordingSink, loadMachine, randomMachine } from "../helpers/programs.js";

describe("trace sampling (`every`) in detailed mode", () => {
  it("PE rows come only for the sampled cycles: those of an unsampled run at from + k * every", () => {
    // A sink's window and sampling are for the simulator to honour (src/sim/trace.ts TraceSink);
    // RecordingSink drops unsampled cycle rows itself but keeps every PE row it is given.
    const m = randomMachine({ rows: 4, cols: 3, dtype: "int8", seed: 11, length: 35 });
    const region = { r0: 0, r1: 4, c0: 0, c1: 3 };
    const all = new RecordingSink(0, Number.POSITIVE_INFINITY, region);
    expect(loadMachine(m, "detailed").run({ sink: all })).toBe(true);
    const from = 1;
    const every = 3;
    const sampled = new RecordingSink(from, Number.POSITIVE_INFINITY, region, every);
    expect(loadMachine(m, "detailed").run({ sink: sampled })).toBe(true);
    const expected = all.pes.filter((p) => p.cycle >= from && (p.cycle - from) % every === 0);
    expect(expected.length).toBeGreaterThan(0);
    expect(sampled.pes).toEqual(expected);
    expect(sampled.rows).toEqual(all.rows.filter((r) => r.cycle >= from && (r.cycle - from) % every === 0));
  });
});

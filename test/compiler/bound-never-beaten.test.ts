/**
 * No simulated run beats its program's lower bound (docs/BOUND.md): random valid programs on random
 * machines (both generators), run in fast mode (held cycle for cycle to detailed mode elsewhere).
 * Seeded; a failure prints the seed, the machine shape and the terms.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { programBound } from "../../src/compiler/bound.js";
import { arbitraryMachineShape, loadMachine, randomMachine } from "../helpers/programs.js";
import { randomNaiveMachine } from "../helpers/naive-programs.js";
import { Simulator } from "../../src/sim/controller.js";

const RUNS = Number(process.env.TPUSIM_BOUND_RUNS ?? 300);

function explain(bound: ReturnType<typeof programBound>): string {
  return bound.terms.map((t) => `${t.name}=${t.cycles}`).join(" ");
}

describe("the lower bound is never beaten", () => {
  it("random programs on random machines (programs.ts)", () => {
    fc.assert(
      fc.property(arbitraryMachineShape, (shape) => {
        const m = randomMachine(shape);
        const sim = loadMachine(m, "fast");
        sim.run();
        const bound = programBound(m.program, m.hw);
        if (sim.stats.cycles < bound.cycles) throw new Error(`cycles ${sim.stats.cycles} < bound ${bound.cycles}: ${JSON.stringify(shape)} ${explain(bound)}`);
      }),
      { seed: 0x5eed_b0d, numRuns: RUNS },
    );
  });

  it("random programs on random port counts and bandwidths (naive-programs.ts)", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 8 }),
          cols: fc.integer({ min: 1, max: 8 }),
          dtype: fc.constantFrom<"int8" | "bf16">("int8", "bf16"),
          seed: fc.integer({ min: 0, max: 0x7fffffff }),
          length: fc.integer({ min: 1, max: 40 }),
        }),
        (shape) => {
          const m = randomNaiveMachine({ ...shape, faulty: false });
          const sim = new Simulator(m.hw, { mode: "fast" });
          sim.load(m.program);
          sim.dp.ub.set(m.ub);
          sim.dp.acc.data.set(m.acc);
          sim.run();
          const bound = programBound(m.program, m.hw);
          if (sim.stats.cycles < bound.cycles) throw new Error(`cycles ${sim.stats.cycles} < bound ${bound.cycles}: ${JSON.stringify(shape)} ${explain(bound)}`);
        },
      ),
      { seed: 0xb0_0d, numRuns: RUNS },
    );
  });
});

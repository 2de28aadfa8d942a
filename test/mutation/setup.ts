/**
 * Setup file of `npm run mutate` only (vitest.mutate.config.ts; docs/MUTATION.md "Setup"). Two
 * things make a mutant that is caught cheap to catch, and change no verdict:
 *
 * - fast-check stops at the first failing case (`endOnFailure`) instead of shrinking it. Shrinking
 *   re-runs the property dozens of times to find a smaller counterexample, which a mutation run
 *   throws away: only pass or fail counts. Most mutants are killed by a property test (the naive-chip
 *   comparison first of all), so this is most of the cost of a killed mutant.
 * - A run that names no `maxCycles` gets MUTATION_MAX_CYCLES instead of DEFAULT_MAX_CYCLES
 *   (2 * 10^12). A mutant that makes a unit never finish (its `start` emptied, a completion never
 *   flagged) then ends in the watchdog's fault instead of stepping until Stryker's timeout stops the
 *   worker (10 s or more, then a new worker: the costliest outcome of a mutant). Every run of the
 *   mutation test set halts far below the cap (the longest took 3,965 cycles, in
 *   test/sim/replay.test.ts), and the dry run, which must pass, would show a run that does not; the
 *   watchdog's own tests pass `maxCycles` explicitly. A hang that Stryker reported as a timeout is
 *   now a fault that fails the test: detected either way.
 */
import fc from "fast-check";
import { Simulator, type RunOptions } from "../../src/sim/controller.js";

export const MUTATION_MAX_CYCLES = 50_000;

fc.configureGlobal({ ...fc.readConfigureGlobal(), endOnFailure: true });

const WRAPPED = Symbol.for("tpusim.mutationWatchdog");
const proto = Simulator.prototype as Simulator & { [WRAPPED]?: true };
// vitest re-imports setup files for every test file, while (isolate: false) the controller module is
// shared: wrap it once.
if (!proto[WRAPPED]) {
  const run = proto.run;
  proto.run = function (this: Simulator, opts: RunOptions = {}): boolean {
    return run.call(this, opts.maxCycles === undefined ? { ...opts, maxCycles: MUTATION_MAX_CYCLES } : opts);
  };
  proto[WRAPPED] = true;
}

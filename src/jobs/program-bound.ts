/**
 * How close a program comes to the machine (docs/BOUND.md): its simulated cycles beside the
 * compiler's lower bound. The compiler computes the bound without the simulator; this job runs the
 * program once in fast mode (timing does not depend on the values, so zero inputs do) when the
 * caller has not run it already.
 */
import type { HwConfig } from "../config/hw-config.js";
import { boundRatio, programBound, type ProgramBound } from "../compiler/bound.js";
import type { Program } from "../isa/program.js";
import { Simulator } from "../sim/controller.js";

export interface BoundReport {
  /** Simulated cycles of one run of the program (per step for a training step). */
  readonly cycles: number;
  readonly bound: ProgramBound;
  /** cycles / bound (>= 1); null for an empty program. */
  readonly ratio: number | null;
}

/** The bound beside cycles already measured (e.g. a training run's cycles per step). */
export function boundReport(program: Program, hw: HwConfig, cycles: number): BoundReport {
  const bound = programBound(program, hw);
  return { cycles, bound, ratio: boundRatio(cycles, bound) };
}

/** One fast-mode run of the program (its data segments applied, the rest of memory zero). */
export function simulatedCycles(program: Program, hw: HwConfig, maxCycles?: number): number {
  const sim = new Simulator(hw, { mode: "fast" });
  sim.load(program);
  sim.run({ maxCycles });
  return sim.stats.cycles;
}

export function measureBound(program: Program, hw: HwConfig, maxCycles?: number): BoundReport {
  return boundReport(program, hw, simulatedCycles(program, hw, maxCycles));
}

export interface BoundJson {
  readonly cycles: number;
  readonly bound: { readonly cycles: number; readonly binding: string; readonly terms: Record<string, number> };
  readonly ratio: number | null;
}

/** The JSON form: terms as { name: cycles } in the bound's order. */
export function boundJson(r: BoundReport): BoundJson {
  const terms: Record<string, number> = {};
  for (const t of r.bound.terms) terms[t.name] = t.cycles;
  return { cycles: r.cycles, bound: { cycles: r.bound.cycles, binding: r.bound.binding, terms }, ratio: r.ratio === null ? null : round4(r.ratio) };
}

/** "7,468 cycles, lower bound 4,372 (critical path), ratio 1.71". */
export function boundText(r: BoundReport | BoundJson, unit = ""): string {
  const per = unit ? ` per ${unit}` : "";
  const ratio = r.ratio === null ? "" : `, ratio ${r.ratio.toFixed(2)}`;
  return `${fmt(r.cycles)} cycles${per}, lower bound ${fmt(r.bound.cycles)} (${r.bound.binding})${ratio}`;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const round4 = (x: number) => Math.round(x * 10000) / 10000;

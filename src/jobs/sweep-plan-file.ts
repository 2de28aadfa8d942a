/**
 * The plan beside a sweep CSV that holds only part of its sweep (docs: README "Sweeps"): when a sweep
 * is interrupted, or runs one shard, `OUT.sweep.json` records how the sweep was asked for (the
 * workload's text included, so the file stands alone) and which points the CSV holds. `tpusim merge
 * --finish` reads it to run the missing points later. Every row in the CSV is a finished point.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { UserInputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import { parseWorkload } from "../workloads/spec.js";
import type { WorkloadSpec } from "../workloads/types.js";
import type { SimMode } from "../sim/controller.js";
import { parseArrayList, parseVary, planSweep, type SweepPlan } from "./sweep.js";

export const PLAN_FORMAT = "tpusim-sweep-plan/1";

/** Everything that decides a sweep's points and their figures (not how many threads ran it). */
export interface SweepRequest {
  workloadFile: string;
  workloadText: string;
  arrays: string;
  vary: string | null;
  epochs: number | null;
  steps: number | null;
  batch: number | null;
  trainLimit: number | null;
  testLimit: number | null;
  preset: string | null;
  dtype: string | null;
  set: string[];
  mode: SimMode;
  maxCycles: number | null;
}

export interface SweepPlanFile {
  format: string;
  /** "interrupted": Ctrl-C stopped the sweep; "shard": one slice of it; "partial": a merge that still lacks points. */
  status: "interrupted" | "shard" | "partial";
  request: SweepRequest;
  shard: string | null;
  /** Points of the whole sweep. */
  points: number;
  /** The points the CSV beside this file holds (finished, complete rows). */
  complete: number[];
  /** The points it does not. */
  missing: number[];
}

/** `OUT.sweep.json`. */
export function planPathFor(csv: string): string {
  return `${csv}.sweep.json`;
}

export function writePlanFile(csv: string, plan: Omit<SweepPlanFile, "format" | "missing">): string {
  const done = new Set(plan.complete);
  const missing = Array.from({ length: plan.points }, (_, i) => i).filter((i) => !done.has(i));
  const path = planPathFor(csv);
  writeFileAtomic(path, JSON.stringify({ format: PLAN_FORMAT, ...plan, complete: [...done].sort((a, b) => a - b), missing }, null, 1) + "\n");
  return path;
}

/** A stale plan beside a CSV that is now complete goes, so it cannot be mistaken for this run's. */
export function removePlanFile(csv: string): boolean {
  const path = planPathFor(csv);
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}

/** The plan beside `csv`, if there is one. */
export function readPlanFile(csv: string): SweepPlanFile | undefined {
  const path = planPathFor(csv);
  if (!existsSync(path)) return undefined;
  let plan: SweepPlanFile;
  try {
    plan = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserInputError(`not a readable sweep plan (${(err as Error).message})`, { file: path });
  }
  if (plan?.format !== PLAN_FORMAT || typeof plan.request !== "object" || !Number.isInteger(plan.points) || !Array.isArray(plan.complete)) {
    throw new UserInputError(`not a sweep plan of this tpusim (expected "format": "${PLAN_FORMAT}")`, { file: path });
  }
  return plan;
}

/** Two plans describe the same sweep when everything but the shard and the progress agrees. */
export function sameSweep(a: SweepPlanFile, b: SweepPlanFile): boolean {
  const key = (p: SweepPlanFile) => JSON.stringify({ ...p.request, workloadFile: undefined });
  return a.points === b.points && key(a) === key(b);
}

/** The workload as the sweep ran it: the recorded text with the recorded overrides. */
export function requestSpec(r: SweepRequest, planPath: string): WorkloadSpec {
  const spec = parseWorkload(r.workloadText, `${planPath} (workload ${r.workloadFile})`);
  return { ...spec, epochs: r.epochs ?? spec.epochs, batch: r.batch ?? spec.batch };
}

/** The whole sweep's plan (every point, no shard) from a recorded request; `only` keeps those points. */
export function planFromRequest(r: SweepRequest, planPath: string, only?: ReadonlySet<number>): SweepPlan {
  const spec = requestSpec(r, planPath);
  const plan = planSweep({
    spec,
    hardware: { preset: r.preset ?? undefined, dtype: r.dtype ?? undefined, set: r.set },
    arrays: parseArrayList(r.arrays),
    vary: r.vary === null ? [] : parseVary(r.vary),
    shard: null,
    mode: r.mode,
    epochs: spec.epochs,
    steps: r.steps,
  });
  return only === undefined ? plan : { ...plan, jobs: plan.jobs.filter((j) => only.has(j.point.index)) };
}

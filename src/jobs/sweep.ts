/**
 * `tpusim sweep`: one workload trained on many machines. The sweep is the cartesian product of the
 * array sizes and the varied hardware parameters, in a fixed order (arrays outermost, then the
 * varied parameters in the order given, the last one fastest), so a point's index names the same
 * machine in every run and every shard. Points run inline (`jobs: 1`) or on worker threads.
 */
import type { HardwareBase } from "./hardware.js";
import { PRESETS, parseArraySize, type HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { loadDataset, type DataSet } from "../data/dataset.js";
import type { SimMode } from "../sim/controller.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { resolveHardware, type HardwareFlags } from "./hardware.js";
import { checkWorkloadSizes } from "../compiler/preflight.js";
import { runPointsInWorkers } from "./sweep-pool.js";
import { pointFailed, runPoint, shareDataSet, type PointJob, type SweepData, type SweepPoint, type SweepRow } from "./sweep-point.js";

export type { SweepPoint, SweepRow } from "./sweep-point.js";

/** Short names for the parameters swept most often. */
export const VARY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ub: "unifiedBufferBytes",
  fifo: "weightFifoTiles",
  bw: "weightBytesPerCycle",
  host: "hostBytesPerCycle",
  acc: "accumulatorRows",
});

/** Numeric hardware parameters other than the array size (which --arrays sweeps). */
export const VARIABLE_PARAMETERS: readonly string[] = Object.freeze(
  Object.entries(PRESETS["tpu-v2"])
    .filter(([k, v]) => typeof v === "number" && k !== "rows" && k !== "cols")
    .map(([k]) => k),
);

export interface VaryParam {
  /** Hardware parameter name (HwParams key). */
  param: string;
  /** The name as given on the command line (an alias or the parameter), for labels. */
  label: string;
  values: number[];
}

/** Slice i of n (1-based i): the points whose index % n == i - 1. */
export interface Shard {
  index: number;
  count: number;
}

/** "4x4,8x32" -> [[4, 4], [8, 32]]. */
export function parseArrayList(text: string): [number, number][] {
  const items = text.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  return items.map((item) => {
    if (item === "") throw new UserInputError(`empty entry in "${text}"; expected RxC,RxC,... such as 4x4,8x8`, { field: "--arrays" });
    const [r, c] = parseArraySize(item, "--arrays");
    if (seen.has(`${r}x${c}`)) throw new UserInputError(`${r}x${c} is listed twice`, { field: "--arrays" });
    seen.add(`${r}x${c}`);
    return [r, c];
  });
}

/** "ub=1048576|4194304,fifo=2|4" -> one VaryParam per item. */
export function parseVary(text: string): VaryParam[] {
  const out: VaryParam[] = [];
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(item);
    if (!m) throw new UserInputError(`expected name=v1|v2|..., got "${item}"`, { field: "--vary" });
    const label = m[1];
    const param = VARY_ALIASES[label] ?? label;
    if (!VARIABLE_PARAMETERS.includes(param)) {
      const aliases = Object.entries(VARY_ALIASES).map(([a, p]) => `${a}=${p}`).join(", ");
      throw new UserInputError(
        `unknown parameter "${label}" (known: ${VARIABLE_PARAMETERS.join(", ")}; aliases ${aliases}; array sizes go in --arrays)`,
        { field: "--vary" },
      );
    }
    if (out.some((v) => v.param === param)) throw new UserInputError(`${param} is varied twice`, { field: "--vary" });
    const values = m[2].split("|").map((s) => {
      const t = s.trim();
      const n = Number(t);
      if (t === "" || !Number.isFinite(n)) throw new UserInputError(`${label}: "${t}" is not a number`, { field: "--vary" });
      return n;
    });
    if (new Set(values).size !== values.length) throw new UserInputError(`${label} lists a value twice`, { field: "--vary" });
    out.push({ param, label, values });
  }
  return out;
}

/** "2/5" -> { index: 2, count: 5 }. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserInputError(`expected i/n such as 2/5, got "${text}"`, { field: "--shard" });
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new UserInputError(`shard ${text.trim()}: need 1 <= i <= n (i counts from 1)`, { field: "--shard" });
  }
  return { index, count };
}

export function inShard(point: number, shard: Shard | null): boolean {
  return shard === null || point % shard.count === shard.index - 1;
}

/** Every point of the sweep, in sweep order. */
export function sweepPoints(arrays: readonly (readonly [number, number])[], vary: readonly VaryParam[]): SweepPoint[] {
  let combos: { params: Record<string, number>; label: string }[] = [{ params: {}, label: "" }];
  for (const v of vary) {
    combos = combos.flatMap((c) => v.values.map((x) => ({ params: { ...c.params, [v.param]: x }, label: `${c.label} ${v.label}=${x}` })));
  }
  const points: SweepPoint[] = [];
  for (const [rows, cols] of arrays) {
    for (const c of combos) points.push({ index: points.length, rows, cols, params: c.params, label: `${rows}x${cols}${c.label}` });
  }
  return points;
}

export interface SweepInput {
  spec: WorkloadSpec;
  /** Base machine: preset, dtype and --set overrides; the array size comes from `arrays`. */
  hardware: Omit<HardwareFlags, "array">;
  arrays: readonly (readonly [number, number])[];
  vary: readonly VaryParam[];
  shard: Shard | null;
  mode: SimMode;
  /** Epochs per point (evaluating on the test set after each); ignored when `steps` is set. */
  epochs: number;
  /** Train only this many batches per point and skip the test set. */
  steps: number | null;
}

export interface SweepPlan {
  input: SweepInput;
  /** Points in the whole sweep. */
  total: number;
  /** This shard's points with their machines, in sweep order. */
  jobs: PointJob[];
}

/** A point of a sweep with its machine. */
export interface PointMachine {
  point: SweepPoint;
  hw: HwConfig;
}

/**
 * The shard's points with their machines, built and validated before anything runs: `hardware`
 * (preset, dtype, --set) over `base`, then the point's array size and varied parameters.
 */
export function pointMachines(
  arrays: readonly (readonly [number, number])[], vary: readonly VaryParam[], shard: Shard | null,
  hardware: Omit<HardwareFlags, "array">, base: HardwareBase | undefined,
): { total: number; machines: PointMachine[] } {
  if (arrays.length === 0) throw new UserInputError("give at least one array size", { field: "--arrays" });
  const points = sweepPoints(arrays, vary);
  const machines: PointMachine[] = [];
  for (const point of points) {
    if (!inShard(point.index, shard)) continue;
    const set = [...(hardware.set ?? []), ...Object.entries(point.params).map(([k, v]) => `${k}=${v}`)];
    try {
      machines.push({ point, hw: resolveHardware({ ...hardware, array: `${point.rows}x${point.cols}`, set }, base) });
    } catch (err) {
      // A varied value the machine rejects is a --vary problem, not a --set one.
      const path = err instanceof UserInputError ? (err.where.jsonPath ?? "") : "";
      const varied = vary.find((v) => path.endsWith(`.${v.param}`));
      if (varied && err instanceof UserInputError) throw new UserInputError(`${varied.label}=${point.params[varied.param]}: ${varied.param} ${err.detail}`, { field: "--vary" });
      throw err;
    }
  }
  return { total: points.length, machines };
}

/** Builds and validates every machine of the shard before anything runs. */
export function planSweep(input: SweepInput): SweepPlan {
  const { total, machines } = pointMachines(input.arrays, input.vary, input.shard, input.hardware, input.spec.hardware);
  const jobs: PointJob[] = machines.map(({ point, hw }) => {
    checkWorkloadSizes(input.spec, hw);
    return { point, hw, spec: input.spec, mode: input.mode, epochs: input.epochs, steps: input.steps, maxCycles: undefined };
  });
  return { input, total, jobs };
}

export interface SweepProgress {
  /** Points finished, and in this run (this shard). */
  done: number;
  points: number;
  /** Points running now, with their label and the fraction of their training done. */
  running: { index: number; label: string; fraction: number }[];
}

export interface SweepRunOptions {
  /** 1: run points one after another in this thread; more: that many worker threads (compiled JS only). */
  jobs: number;
  trainLimit?: number;
  testLimit?: number;
  maxCycles?: number;
  stop?: StopFlag;
  onProgress?: (p: SweepProgress) => void;
  onPoint?: (row: SweepRow, done: number, points: number) => void;
  /** Preloaded data (tests). */
  train?: DataSet;
  test?: DataSet;
}

export interface SweepResult {
  workload: string;
  mode: SimMode;
  total: number;
  shard: Shard | null;
  vary: VaryParam[];
  rows: SweepRow[];
  wallSeconds: number;
}

export async function runSweep(plan: SweepPlan, opts: SweepRunOptions): Promise<SweepResult> {
  const started = performance.now();
  const { input } = plan;
  const evaluate = input.steps === null;
  const result = (rows: SweepRow[]): SweepResult => ({
    workload: input.spec.name,
    mode: input.mode,
    total: plan.total,
    shard: input.shard,
    vary: [...input.vary],
    rows,
    wallSeconds: (performance.now() - started) / 1000,
  });
  // A shard can be empty (more shards than points): nothing to load or run.
  if (plan.jobs.length === 0) return result([]);
  let data: SweepData = {
    train: opts.train ?? loadDataset(input.spec, "train", { limit: opts.trainLimit }),
    test: evaluate ? (opts.test ?? loadDataset(input.spec, "test", { limit: opts.testLimit })) : null,
  };
  if (data.train.count < input.spec.batch) {
    throw new UserInputError(`${data.train.count} training images are fewer than one batch of ${input.spec.batch}`, { field: "--train-limit" });
  }
  const jobs = plan.jobs.map((j) => ({ ...j, maxCycles: opts.maxCycles }));
  const running = new Map<number, { index: number; label: string; fraction: number }>();
  let done = 0;
  const progress = () => opts.onProgress?.({ done, points: jobs.length, running: [...running.values()] });
  const hooks = {
    stop: opts.stop,
    onStart: (slot: number) => {
      running.set(slot, { index: jobs[slot].point.index, label: jobs[slot].point.label, fraction: 0 });
      progress();
    },
    onFraction: (slot: number, fraction: number) => {
      const r = running.get(slot);
      if (r) r.fraction = fraction;
      progress();
    },
    onRow: (slot: number, row: SweepRow) => {
      running.delete(slot);
      done++;
      opts.onPoint?.(row, done, jobs.length);
      progress();
    },
  };
  const workers = Math.min(Math.max(1, Math.floor(opts.jobs)), jobs.length);
  let rows: SweepRow[];
  if (workers <= 1) {
    rows = [];
    for (let slot = 0; slot < jobs.length; slot++) {
      // A turn of the event loop between points, so Ctrl-C is seen even when points are short.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (opts.stop?.stopped) throw new StopRequested();
      hooks.onStart(slot);
      const row = await runPoint(jobs[slot], data, { stop: opts.stop, onFraction: (f) => hooks.onFraction(slot, f) }).catch((err: unknown) => {
        throw pointFailed(err, jobs[slot].point);
      });
      rows.push(row);
      hooks.onRow(slot, row);
    }
  } else {
    // Reassigned so the unshared copy can be collected while the workers run.
    data = { train: shareDataSet(data.train), test: data.test && shareDataSet(data.test) };
    rows = await runPointsInWorkers(jobs, data, workers, hooks);
  }
  return result(rows);
}

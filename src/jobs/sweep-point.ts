/**
 * One point of a sweep: train the workload on one machine and keep the figures a sweep compares.
 * Everything here crosses the worker boundary, so jobs, rows and errors are plain cloneable data.
 */
import type { HwConfig } from "../config/hw-config.js";
import { ENERGY_CSV_COLUMNS, energyReportCells, type EnergyReport } from "../energy/report.js";
import type { DataSet } from "../data/dataset.js";
import { OutputError, RuntimeFault, TpusimError, UserInputError, type InputLocation } from "../errors.js";
import type { SimMode } from "../sim/controller.js";
import type { StallReason } from "../sim/stats.js";
import { STALL_CAUSES } from "../sim/trace.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { train } from "./train.js";

export interface SweepPoint {
  /** Position in the whole sweep (the CSV's `point` column). */
  index: number;
  rows: number;
  cols: number;
  /** Varied hardware parameters of this point, by parameter name. */
  params: Record<string, number>;
  /** "8x8 ub=1048576". */
  label: string;
}

export interface PointJob {
  point: SweepPoint;
  hw: HwConfig;
  spec: WorkloadSpec;
  mode: SimMode;
  epochs: number;
  /** Train this many batches and skip the test set; null: `epochs` epochs with evaluation. */
  steps: number | null;
  maxCycles: number | undefined;
}

export interface SweepData {
  train: DataSet;
  test: DataSet | null;
}

export const STALL_REASONS = STALL_CAUSES.filter((c) => c !== "none") as StallReason[];

/** What a sweep records per point; hardware figures cover the training steps (not the test set). */
export interface SweepRow {
  point: number;
  rows: number;
  cols: number;
  params: Record<string, number>;
  cycles: number;
  /** One training step: its cycles, the step program's lower bound, the binding term, their ratio (docs/BOUND.md). */
  stepCycles: number | null;
  boundCycles: number | null;
  boundRatio: number | null;
  boundBinding: string | null;
  seconds: number;
  clockMHz: number;
  macs: number;
  utilization: number;
  tops: number;
  matrixBusyCycles: number;
  stalls: Record<StallReason, number>;
  weightMemoryReadBytes: number;
  unifiedBufferReadBytes: number;
  unifiedBufferWrittenBytes: number;
  /** Energy of the training steps (docs/ENERGY.md), per training step in `per`. */
  energy: EnergyReport;
  steps: number;
  /** Mean training loss of the last epoch (of the steps run, with `steps`). */
  loss: number;
  /** Test accuracy after the last epoch; null when the test set was skipped. */
  testAccuracy: number | null;
  /** Host wall-clock time of the point. */
  wallSeconds: number;
  /** The machine's roofs (report rooflines): MACs per cycle and weight-memory bytes per cycle. */
  peakMacsPerCycle: number;
  weightBytesPerCycle: number;
}

export interface PointHooks {
  stop?: StopFlag;
  /** Fraction of the point's training steps done. */
  onFraction?: (fraction: number) => void;
}

export async function runPoint(job: PointJob, data: SweepData, hooks: PointHooks = {}): Promise<SweepRow> {
  const started = performance.now();
  const batches = Math.floor(data.train.count / job.spec.batch);
  // With a step budget, enough epochs to reach it; train() stops at maxSteps.
  const epochs = job.steps === null ? job.epochs : Math.max(1, Math.ceil(job.steps / Math.max(1, batches)));
  const totalSteps = job.steps ?? epochs * batches;
  const r = await train({
    spec: job.spec,
    hw: job.hw,
    mode: job.mode,
    epochs,
    maxSteps: job.steps ?? undefined,
    evaluate: job.steps === null,
    maxCycles: job.maxCycles,
    stop: hooks.stop,
    train: data.train,
    test: data.test ?? undefined,
    onProgress: (p) => hooks.onFraction?.(Math.min(1, ((p.epoch - 1) * p.batches + p.batch) / Math.max(1, totalSteps))),
  });
  const s = r.stats;
  const last = r.epochs[r.epochs.length - 1];
  return {
    point: job.point.index,
    rows: job.hw.rows,
    cols: job.hw.cols,
    params: { ...job.point.params },
    cycles: s.cycles,
    stepCycles: r.perStep?.cycles ?? null,
    boundCycles: r.perStep?.bound.cycles ?? null,
    boundRatio: r.perStep?.ratio ?? null,
    boundBinding: r.perStep?.bound.binding ?? null,
    seconds: s.seconds,
    clockMHz: s.clockMHz,
    macs: s.macs,
    utilization: s.utilization,
    tops: s.tops,
    matrixBusyCycles: s.matrixBusyCycles,
    stalls: { ...s.stalls },
    weightMemoryReadBytes: s.bytes.weightMemoryRead,
    unifiedBufferReadBytes: s.bytes.unifiedBufferRead,
    unifiedBufferWrittenBytes: s.bytes.unifiedBufferWritten,
    energy: s.energy,
    steps: r.steps,
    loss: last?.loss ?? Number.NaN,
    testAccuracy: last?.testAccuracy ?? null,
    wallSeconds: (performance.now() - started) / 1000,
    peakMacsPerCycle: job.hw.peakMacsPerCycle,
    weightBytesPerCycle: job.hw.weightBytesPerCycle,
  };
}

/** A CSV column of the sweep table. */
export interface SweepColumn {
  name: string;
  value: (row: SweepRow) => number | null;
}

/** The sweep table's columns, in order; `varied` are the varied parameter names. */
export function sweepColumns(varied: readonly string[]): SweepColumn[] {
  const col = (name: string, value: (row: SweepRow) => number | null): SweepColumn => ({ name, value });
  return [
    col("point", (r) => r.point),
    col("rows", (r) => r.rows),
    col("cols", (r) => r.cols),
    ...varied.map((p) => col(p, (r) => r.params[p] ?? null)),
    col("cycles", (r) => r.cycles),
    col("step_cycles", (r) => r.stepCycles),
    col("bound_cycles", (r) => r.boundCycles),
    col("bound_ratio", (r) => r.boundRatio),
    col("seconds", (r) => r.seconds),
    col("clock_mhz", (r) => r.clockMHz),
    col("macs", (r) => r.macs),
    col("utilization", (r) => r.utilization),
    col("tops", (r) => r.tops),
    col("matrix_busy_cycles", (r) => r.matrixBusyCycles),
    ...STALL_REASONS.map((c) => col(`stall_${c}`, (r) => r.stalls[c])),
    col("weight_memory_read_bytes", (r) => r.weightMemoryReadBytes),
    col("unified_buffer_read_bytes", (r) => r.unifiedBufferReadBytes),
    col("unified_buffer_written_bytes", (r) => r.unifiedBufferWrittenBytes),
    ...ENERGY_CSV_COLUMNS.map((name) => col(name, (r) => energyReportCells(r.energy)[name])),
    col("steps", (r) => r.steps),
    col("loss", (r) => r.loss),
    col("test_accuracy", (r) => r.testAccuracy),
    col("wall_seconds", (r) => r.wallSeconds),
  ];
}

/** A copy of a data set in shared memory, so worker threads read one copy instead of cloning it. */
export function shareDataSet(set: DataSet): DataSet {
  const images = new Float32Array(new SharedArrayBuffer(set.images.byteLength));
  images.set(set.images);
  const buffer = new SharedArrayBuffer(set.labels.byteLength);
  const labels = set.labels instanceof Uint16Array ? new Uint16Array(buffer) : new Uint8Array(buffer);
  labels.set(set.labels);
  return { ...set, images, labels };
}

/** An error as plain data (structured clone keeps only Error's message). */
export interface WireError {
  name: string;
  message: string;
  detail?: string;
  where?: InputLocation;
  cycle?: number;
  unit?: string;
  instruction?: string;
  stack?: string;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof UserInputError) return { name: err.name, message: err.message, detail: err.detail, where: { ...err.where } };
  if (err instanceof RuntimeFault) {
    return { name: err.name, message: err.message, detail: err.detail, cycle: err.cycle, unit: err.unit, instruction: err.instruction };
  }
  if (err instanceof StopRequested) return { name: "StopRequested", message: "stopped" };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: err instanceof TpusimError ? err.name : "Error", message: e.message, stack: e.stack };
}

export function errorFromWire(w: WireError): Error {
  switch (w.name) {
    case "UserInputError":
      return new UserInputError(w.detail ?? w.message, w.where);
    case "RuntimeFault":
      return new RuntimeFault(w.detail ?? w.message, w.cycle ?? 0, w.unit ?? "", w.instruction ?? "");
    case "OutputError":
      return new OutputError(w.message);
    case "StopRequested":
      return new StopRequested();
    default: {
      const e = new Error(w.message);
      if (w.stack) e.stack = w.stack;
      return e;
    }
  }
}

/** The error of a failed point, saying which point it was. */
export function pointFailed(err: unknown, point: SweepPoint): unknown {
  const where = ` (sweep point ${point.index}: ${point.label})`;
  if (err instanceof UserInputError) return new UserInputError(err.detail + where, err.where);
  if (err instanceof RuntimeFault) return new RuntimeFault(err.detail + where, err.cycle, err.unit, err.instruction);
  if (err instanceof OutputError) return new OutputError(err.message + where);
  if (err instanceof Error && !(err instanceof StopRequested)) err.message += where;
  return err;
}

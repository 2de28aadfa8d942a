/**
 * What each kind of report is made from: the parts of a command's result object (as `--json`
 * prints it) that the page shows. Job results satisfy these shapes as they are; `tpusim report`
 * reads them back from a saved result with readReportSource, which checks the fields it relies on.
 */
import type { RunSummary } from "../../sim/stats.js";
import type { ArrayView, Timeline, WeightImages } from "./views.js";
import type { PerformancePoint } from "./points.js";

/** The machine as the results record it (HwConfig). */
export interface MachineSource {
  name: string;
  rows: number;
  cols: number;
  dtype: string;
  clockMHz: number;
  weightBytesPerCycle: number;
  hostBytesPerCycle: number;
  peakMacsPerCycle: number;
}

export interface TrainSource {
  command: "train";
  workload: string;
  hardware: MachineSource;
  mode: string;
  batch: number;
  trainImages: number;
  testImages: number;
  steps: number;
  epochs: readonly { epoch: number; loss: number; trainAccuracy: number; testAccuracy: number | null; testLoss: number | null; cycles: number }[];
  stepWindow: number;
  windows: readonly { firstStep: number; steps: number; epoch: number; loss: number; trainAccuracy: number; stats: Omit<RunSummary, "peakMacsPerCycle" | "utilization" | "seconds" | "tops" | "clockMHz"> }[];
  stats: RunSummary;
  timeline: Timeline | null;
  firstLayer: WeightImages | null;
  wallSeconds?: number;
}

export interface EvalSource {
  command: "eval";
  workload: string;
  dtype: string;
  hardware: MachineSource;
  mode?: string;
  images: number;
  accuracy: number;
  loss: number;
  stats: RunSummary;
  timeline: Timeline | null;
}

export interface RunSource {
  command: "run" | "matmul";
  /** run: the program file; matmul: the product's shape. */
  program?: string;
  m?: number;
  k?: number;
  n?: number;
  hardware: MachineSource;
  mode: string;
  stats: RunSummary;
  timeline: Timeline | null;
  arrayView: ArrayView | null;
}

export interface SweepSource {
  command: "sweep";
  workload: string;
  mode: string;
  total: number;
  vary: readonly { param: string; label: string; values: readonly number[] }[];
  rows: readonly {
    point: number;
    rows: number;
    cols: number;
    params: Readonly<Record<string, number>>;
    cycles: number;
    clockMHz: number;
    macs: number;
    utilization: number;
    tops: number;
    matrixBusyCycles: number;
    stalls: Readonly<Record<string, number>>;
    weightMemoryReadBytes: number;
    loss: number | null;
    testAccuracy: number | null;
    peakMacsPerCycle: number;
    weightBytesPerCycle: number;
  }[];
}

/** `tpusim topology --json`: a row per (point, layer), and each point's whole network in `totals`. */
export interface TopologySource {
  command: "topology";
  /** The topology file. */
  topology: string;
  format: string;
  mode: string;
  /** The preset and the array's data type (every point has the same). */
  preset?: string;
  dtype?: string;
  total: number;
  vary: readonly { param: string; label: string; values: readonly number[] }[];
  rows: readonly {
    point: number;
    rows: number;
    cols: number;
    params: Readonly<Record<string, number>>;
    layer: number;
    name: string;
    kind: string;
    m: number;
    k: number;
    n: number;
    cycles: number;
    clockMHz: number;
    macs: number;
    utilization: number;
    tops: number;
    matrixBusyCycles: number;
    stalls: Readonly<Record<string, number>>;
    bytes: { weightMemoryRead: number };
    energy: { totalJ: number; topsPerW: number };
    peakMacsPerCycle: number;
    weightBytesPerCycle: number;
  }[];
  totals: readonly {
    point: number;
    rows: number;
    cols: number;
    params: Readonly<Record<string, number>>;
    layers: number;
    cycles: number;
    macs: number;
    utilization: number;
    energy: { totalJ: number; topsPerW: number; averagePowerW: number };
  }[];
}

/** A table of points from any source (sweep, topology): the generic performance report. */
export interface PointsSource {
  command: "points";
  title: string;
  subtitle: string;
  /** What the points are: "array size", "layer". */
  axis: string;
  points: readonly PerformancePoint[];
  notes?: readonly string[];
}

export interface AttackSingleSource {
  command: "adversarial";
  workload: string;
  hardware: MachineSource;
  index: number;
  label: number;
  target: number | null;
  epsilon: number;
  steps: number;
  originalPixels: readonly number[];
  perturbedPixels: readonly number[];
  originalOutputs: readonly number[];
  perturbedOutputs: readonly number[];
  originalPrediction: number;
  perturbedPrediction: number;
  linf: number;
  success: boolean;
  cycles: { inputGradient: number; inference: number };
}

export interface AttackSweepSource {
  command: "adversarial";
  workload: string;
  hardware: MachineSource;
  images: number;
  steps: number;
  target: number | null;
  cleanAccuracy: number;
  rows: readonly { epsilon: number; attacked: number; succeeded: number; successRate: number; accuracy: number; meanLinf: number }[];
  cycles: { inputGradient: number; inference: number };
}

export interface FoolSource {
  command: "fool";
  workload: string;
  hardware: MachineSource;
  target: number;
  seed: number;
  steps: number;
  reached: boolean;
  noisePixels: readonly number[];
  patternPixels: readonly number[];
  noiseOutputs: readonly number[];
  outputs: readonly number[];
  predicted: number;
  confidence: number;
  normalized: number;
  history: readonly number[];
  cycles: { inputGradient: number; inference: number };
}

export type ReportSource = TrainSource | EvalSource | RunSource | SweepSource | TopologySource | PointsSource | AttackSingleSource | AttackSweepSource | FoolSource;

export const REPORT_COMMANDS = ["train", "eval", "run", "matmul", "sweep", "topology", "points", "adversarial", "fool"] as const;

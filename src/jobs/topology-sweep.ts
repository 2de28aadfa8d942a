/**
 * `tpusim topology` over many machines: the points of a sweep (array sizes x varied parameters, the
 * same order, numbering and shards as `tpusim sweep`), each running every layer of the topology.
 * Points run inline (`jobs: 1`) or on the sweep's worker threads; the table has one row per
 * (point, layer), with the sweep's `point` column and a `layer` column, so `tpusim merge` joins
 * shards.
 */
import { ENERGY_PARTS } from "../energy/model.js";
import { ENERGY_CSV_COLUMNS, energyReportCells, type EnergyReport } from "../energy/report.js";
import type { SimMode } from "../sim/controller.js";
import type { Topology } from "../workloads/topology.js";
import type { StopFlag } from "./drive.js";
import type { HardwareFlags } from "./hardware.js";
import { pointMachines, type Shard, type VaryParam } from "./sweep.js";
import { STALL_REASONS, pointFailed } from "./sweep-point.js";
import { runTopologyPointsInWorkers } from "./sweep-pool.js";
import { LAYER_INFERENCE, runTopologyPoint, type TopologyPointJob, type TopologyRow } from "./topology.js";

export interface TopologySweepInput {
  topology: Topology;
  hardware: Omit<HardwareFlags, "array">;
  arrays: readonly (readonly [number, number])[];
  vary: readonly VaryParam[];
  shard: Shard | null;
  mode: SimMode;
  seed: number;
}

export interface TopologySweepPlan {
  input: TopologySweepInput;
  total: number;
  jobs: TopologyPointJob[];
}

export function planTopologySweep(input: TopologySweepInput): TopologySweepPlan {
  const { total, machines } = pointMachines(input.arrays, input.vary, input.shard, input.hardware, undefined);
  const jobs = machines.map(({ point, hw }) => ({ point, hw, topology: input.topology, mode: input.mode, seed: input.seed, maxCycles: undefined }));
  return { input, total, jobs };
}

export interface TopologySweepOptions {
  jobs: number;
  maxCycles?: number;
  stop?: StopFlag;
  onFraction?: (done: number, running: number) => void;
  onPoint?: (rows: TopologyRow[], done: number, points: number) => void;
}

export interface TopologySweepResult {
  topology: string;
  format: "conv" | "gemm";
  mode: SimMode;
  seed: number;
  total: number;
  shard: Shard | null;
  vary: VaryParam[];
  rows: TopologyRow[];
  /** The whole network on each point (one inference: every layer once), in point order. */
  totals: TopologyPointTotal[];
  wallSeconds: number;
}

/** One point's figures over all its layers, each layer run once (on a fresh machine). */
export interface TopologyPointTotal {
  point: number;
  rows: number;
  cols: number;
  params: Record<string, number>;
  layers: number;
  cycles: number;
  seconds: number;
  macs: number;
  utilization: number;
  tops: number;
  /** The layers' energies added up; `per` is the network's energy per inference. */
  energy: EnergyReport;
}

/** Per point (in the order the rows come), the sums of its layer rows. */
export function pointTotals(rows: readonly TopologyRow[]): TopologyPointTotal[] {
  const byPoint = new Map<number, TopologyRow[]>();
  for (const r of rows) byPoint.set(r.point, [...(byPoint.get(r.point) ?? []), r]);
  return [...byPoint.values()].map((layers) => {
    const first = layers[0];
    const sum = (f: (r: TopologyRow) => number) => layers.reduce((s, r) => s + f(r), 0);
    const cycles = sum((r) => r.cycles);
    const seconds = sum((r) => r.seconds);
    const macs = sum((r) => r.macs);
    const parts = Object.fromEntries(ENERGY_PARTS.map((p) => [p, sum((r) => r.energy.parts[p])])) as EnergyReport["parts"];
    const totalJ = sum((r) => r.energy.totalJ);
    return {
      point: first.point,
      rows: first.rows,
      cols: first.cols,
      params: { ...first.params },
      layers: layers.length,
      cycles,
      seconds,
      macs,
      utilization: cycles > 0 ? macs / (cycles * first.peakMacsPerCycle) : 0,
      tops: seconds > 0 ? (2 * macs) / seconds / 1e12 : 0,
      energy: {
        parts,
        totalJ,
        dynamicJ: sum((r) => r.energy.dynamicJ),
        staticPowerW: first.energy.staticPowerW,
        averagePowerW: seconds > 0 ? totalJ / seconds : 0,
        topsPerW: totalJ > 0 ? (2 * macs) / totalJ / 1e12 : 0,
        per: { ...LAYER_INFERENCE, joules: totalJ },
      },
    };
  });
}

export async function runTopologySweep(plan: TopologySweepPlan, opts: TopologySweepOptions): Promise<TopologySweepResult> {
  const started = performance.now();
  const jobs = plan.jobs.map((j) => ({ ...j, maxCycles: opts.maxCycles }));
  const fractions = new Map<number, number>();
  let done = 0;
  const report = () => opts.onFraction?.(done, [...fractions.values()].reduce((a, b) => a + b, 0));
  const hooks = {
    stop: opts.stop,
    onStart: (slot: number) => fractions.set(slot, 0),
    onFraction: (slot: number, f: number) => {
      fractions.set(slot, f);
      report();
    },
    onRow: (slot: number, rows: TopologyRow[]) => {
      fractions.delete(slot);
      done++;
      opts.onPoint?.(rows, done, jobs.length);
      report();
    },
  };
  const workers = Math.min(Math.max(1, Math.floor(opts.jobs)), jobs.length);
  let perPoint: TopologyRow[][] = [];
  if (workers <= 1) {
    for (let slot = 0; slot < jobs.length; slot++) {
      hooks.onStart(slot);
      const rows = await runTopologyPoint(jobs[slot], { stop: opts.stop, onFraction: (f) => hooks.onFraction(slot, f) }).catch((err: unknown) => {
        throw pointFailed(err, jobs[slot].point);
      });
      perPoint.push(rows);
      hooks.onRow(slot, rows);
    }
  } else perPoint = await runTopologyPointsInWorkers(jobs, workers, hooks);
  const { input } = plan;
  const rows = perPoint.flat();
  return {
    topology: input.topology.file,
    format: input.topology.format,
    mode: input.mode,
    seed: input.seed,
    total: plan.total,
    shard: input.shard,
    vary: [...input.vary],
    rows,
    totals: pointTotals(rows),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/** A CSV column of the topology table. */
export interface TopologyColumn {
  name: string;
  value: (row: TopologyRow) => number | string | null;
}

/**
 * The energy columns of a layer row: sweep's ENERGY_CSV_COLUMNS, with the energy per unit of work
 * named for the unit here, one inference of the layer.
 */
export const TOPOLOGY_ENERGY_COLUMNS: readonly { name: string; cell: string }[] = ENERGY_CSV_COLUMNS.map((cell) => ({
  name: cell === "energy_per_step_j" ? "energy_per_inference_j" : cell,
  cell,
}));

/** The table's columns in order; `varied` are the varied parameter names. */
export function topologyColumns(varied: readonly string[]): TopologyColumn[] {
  const col = (name: string, value: TopologyColumn["value"]): TopologyColumn => ({ name, value });
  const bytes = (key: keyof TopologyRow["bytes"]) => (r: TopologyRow) => r.bytes[key];
  return [
    col("point", (r) => r.point),
    col("rows", (r) => r.rows),
    col("cols", (r) => r.cols),
    ...varied.map((p) => col(p, (r) => r.params[p] ?? null)),
    col("layer", (r) => r.layer),
    col("name", (r) => r.name),
    col("kind", (r) => r.kind),
    col("m", (r) => r.m),
    col("k", (r) => r.k),
    col("n", (r) => r.n),
    col("cycles", (r) => r.cycles),
    col("bound_cycles", (r) => r.boundCycles),
    col("bound_ratio", (r) => r.boundRatio),
    col("seconds", (r) => r.seconds),
    col("clock_mhz", (r) => r.clockMHz),
    col("macs", (r) => r.macs),
    col("utilization", (r) => r.utilization),
    col("tops", (r) => r.tops),
    col("matrix_busy_cycles", (r) => r.matrixBusyCycles),
    ...STALL_REASONS.map((c) => col(`stall_${c}`, (r) => r.stalls[c])),
    col("host_read_bytes", bytes("hostRead")),
    col("host_written_bytes", bytes("hostWritten")),
    col("weight_memory_read_bytes", bytes("weightMemoryRead")),
    col("weight_memory_written_bytes", bytes("weightMemoryWritten")),
    col("unified_buffer_read_bytes", bytes("unifiedBufferRead")),
    col("unified_buffer_written_bytes", bytes("unifiedBufferWritten")),
    col("accumulator_read_bytes", bytes("accumulatorRead")),
    col("accumulator_written_bytes", bytes("accumulatorWritten")),
    col("host_link_bytes_per_cycle", (r) => r.bandwidth.hostLink),
    col("weight_memory_bytes_per_cycle", (r) => r.bandwidth.weightMemory),
    col("unified_buffer_bytes_per_cycle", (r) => r.bandwidth.unifiedBuffer),
    col("accumulator_bytes_per_cycle", (r) => r.bandwidth.accumulators),
    ...TOPOLOGY_ENERGY_COLUMNS.map(({ name, cell }) => col(name, (r) => energyReportCells(r.energy)[cell])),
    col("exact", (r) => (r.exact ? 1 : 0)),
    col("wall_seconds", (r) => r.wallSeconds),
  ];
}

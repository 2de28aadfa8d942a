/** `tpusim topology FILE.csv`: every layer of a SCALE-Sim topology on the chip, checked, tabulated. */
import { availableParallelism } from "node:os";
import type { Argv } from "yargs";
import { PRESETS } from "../../config/hw-config.js";
import { CsvTableWriter } from "../../io/sweep-csv.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { parseArrayList, parseShard, parseVary } from "../../jobs/sweep.js";
import { STALL_REASONS } from "../../jobs/sweep-point.js";
import { planTopologySweep, runTopologySweep, topologyColumns, type TopologySweepResult } from "../../jobs/topology-sweep.js";
import type { TopologyRow } from "../../jobs/topology.js";
import type { SimMode } from "../../sim/controller.js";
import { loadTopology } from "../../workloads/topology.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { withJson, withRun } from "../options.js";
import { progressBar } from "../progress.js";
import { stopFlag } from "../stop.js";
import { alignTable } from "./sweep-report.js";
import { positiveInt } from "./workload-options.js";

export const command = "topology <file>";
export const describe = "run every layer of a SCALE-Sim topology file (conv or GEMM format) on the chip with seeded random data, checked exactly; per-layer table and CSV";

export function builder(y: Argv) {
  return withRun(withJson(y), "fast")
    .positional("file", { type: "string", demandOption: true, describe: "SCALE-Sim topology CSV (e.g. ../shared/topologies/Resnet18.csv)" })
    .option("array", { type: "string", describe: "systolic array size RxC (default: the preset's)" })
    .option("arrays", { type: "string", describe: "sweep array sizes RxC, comma-separated: 32x32,128x128" })
    .option("vary", { type: "string", describe: "also vary hardware parameters: name=v1|v2,... (as `tpusim sweep`)" })
    .option("preset", { type: "string", choices: Object.keys(PRESETS), default: "tpu-v2", describe: "hardware preset" })
    .option("dtype", { type: "string", choices: ["int8", "bf16"], describe: "array data type (default: the preset's)" })
    .option("set", { type: "string", array: true, describe: "override a hardware parameter: name=value" })
    .option("seed", { type: "number", default: 1, describe: "seed of the random layer data" })
    .option("out", { alias: "o", type: "string", describe: "write the table as CSV" })
    .option("jobs", { alias: "j", type: "number", default: availableParallelism(), describe: "points run in parallel on worker threads (1: in this thread)" })
    .option("shard", { type: "string", describe: "run slice i of n (1-based) of the points; join the CSVs with `tpusim merge`" })
    .conflicts("array", "arrays")
    .check(positiveInt(["jobs"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  const topology = loadTopology(argv.file as string);
  const hardware = { preset: argv.preset as string, dtype: argv.dtype as string | undefined, set: argv.set as string[] | undefined };
  const base = resolveHardware({ ...hardware, array: argv.array as string | undefined });
  const arrays = argv.arrays !== undefined ? parseArrayList(argv.arrays as string) : [[base.rows, base.cols] as [number, number]];
  const vary = argv.vary === undefined ? [] : parseVary(argv.vary as string);
  const shard = argv.shard === undefined ? null : parseShard(argv.shard as string);
  const mode = argv.mode as SimMode;
  const plan = planTopologySweep({ topology, hardware, arrays, vary, shard, mode, seed: argv.seed as number });
  const columns = topologyColumns(vary.map((v) => v.param));
  // Opened now: an unwritable --out fails before anything runs.
  const csv = argv.out === undefined ? null : new CsvTableWriter(argv.out as string, columns.map((c) => c.name));
  const log = (s: string) => {
    if (!json) process.stderr.write(s + "\n");
  };
  const jobs = Math.min(argv.jobs as number, Math.max(1, plan.jobs.length));
  log(`${topology.file}: ${topology.layers.length} ${topology.format} layers on ${plan.jobs.length} of ${plan.total} point(s), ${mode} mode, ${jobs === 1 ? "in one thread" : `${jobs} worker threads`}`);
  const bar = progressBar(!json, Math.max(1, plan.jobs.length), "topology |{bar}| {percentage}% | {value}/{total} points");
  try {
    const result = await runTopologySweep(plan, {
      jobs,
      maxCycles: argv["max-cycles"] as number,
      stop: stopFlag,
      onFraction: (done, running) => bar.update(done + running),
      onPoint: (rows, done, points) => {
        if (!process.stderr.isTTY) log(`[${done}/${points}] point ${rows[0]?.point ?? "-"}: ${rows.length} layers, ${fmtInt(rows.reduce((s, r) => s + r.cycles, 0))} cycles, all exact`);
      },
    });
    bar.stop();
    if (csv) {
      for (const row of result.rows) csv.add(columns.map((c) => c.value(row)));
      await csv.close();
    }
    emit(json, { ...result, arrays, out: argv.out ?? null }, () => {
      const lines = [formatTopologyTable(result), ""];
      if (result.rows.length === 0) lines.push(`this shard has no points (the sweep has ${result.total})`);
      lines.push(...totals(result));
      if (csv) lines.push(`table written to ${argv.out}`);
      lines.push(`wall time ${result.wallSeconds.toFixed(1)} s`);
      return lines.join("\n");
    });
  } catch (err) {
    bar.stop();
    if (csv) await csv.abort().catch(() => undefined);
    throw err;
  }
}

const STALL_HEADINGS: Record<string, string> = {
  weight_load: "w.load",
  weight_shift: "w.shift",
  data_dependency: "data dep",
  host_transfer: "host",
  non_matrix: "non-mat",
  drain: "drain",
};

export function formatTopologyTable(result: TopologySweepResult): string {
  const points = new Set(result.rows.map((r) => r.point)).size;
  const head = [
    ...(points > 1 || result.vary.length > 0 ? ["point", "array"] : []),
    ...result.vary.map((v) => v.label),
    "layer", "name", "M", "K", "N", "cycles", "util", "MACs",
    ...STALL_REASONS.map((c) => STALL_HEADINGS[c] ?? c),
    "host B", "WM B", "UB B", "acc B", "host B/c", "WM B/c", "UB B/c", "acc B/c", "wall s",
  ];
  const perCycle = (x: number) => x.toFixed(1);
  const body = result.rows.map((r: TopologyRow) => [
    ...(points > 1 || result.vary.length > 0 ? [String(r.point), `${r.rows}x${r.cols}`] : []),
    ...result.vary.map((v) => String(r.params[v.param])),
    String(r.layer),
    r.name,
    fmtInt(r.m),
    fmtInt(r.k),
    fmtInt(r.n),
    fmtInt(r.cycles),
    fmtPct(r.utilization),
    fmtInt(r.macs),
    ...STALL_REASONS.map((c) => fmtInt(r.stalls[c])),
    fmtInt(r.bytes.hostRead + r.bytes.hostWritten),
    fmtInt(r.bytes.weightMemoryRead + r.bytes.weightMemoryWritten),
    fmtInt(r.bytes.unifiedBufferRead + r.bytes.unifiedBufferWritten),
    fmtInt(r.bytes.accumulatorRead + r.bytes.accumulatorWritten),
    perCycle(r.bandwidth.hostLink),
    perCycle(r.bandwidth.weightMemory),
    perCycle(r.bandwidth.unifiedBuffer),
    perCycle(r.bandwidth.accumulators),
    r.wallSeconds.toFixed(2),
  ]);
  const nameColumn = head.indexOf("name");
  return alignTable(head, body, new Set([nameColumn, ...(points > 1 ? [1] : [])]));
}

/** One line per point: the whole network. */
function totals(result: TopologySweepResult): string[] {
  const byPoint = new Map<number, TopologyRow[]>();
  for (const r of result.rows) byPoint.set(r.point, [...(byPoint.get(r.point) ?? []), r]);
  return [...byPoint.values()].map((rows) => {
    const cycles = rows.reduce((s, r) => s + r.cycles, 0);
    const macs = rows.reduce((s, r) => s + r.macs, 0);
    const util = cycles > 0 ? macs / (cycles * rows[0].rows * rows[0].cols) : 0;
    const seconds = rows.reduce((s, r) => s + r.seconds, 0);
    return `point ${rows[0].point} (${rows[0].rows}x${rows[0].cols}): ${rows.length} layers, ${fmtInt(cycles)} cycles (${(seconds * 1e3).toFixed(3)} ms), ${fmtInt(macs)} MACs, utilization ${fmtPct(util)}, every output exact`;
  });
}

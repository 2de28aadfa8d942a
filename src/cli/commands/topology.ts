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
import { fmtJoules, fmtWatts } from "../energy-text.js";
import { emit, fmtInt, fmtPct, type WrittenFile } from "../output.js";
import { UsageError, withJson, withRun } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { progressBar } from "../progress.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";
import { stopFlag } from "../stop.js";
import { alignTable } from "./sweep-report.js";
import { positiveInt } from "./workload-options.js";

/** Random (numerics/random.ts) keeps 32 bits of the seed. */
const MAX_SEED = 0xffffffff;

export const command = "topology <file>";
export const describe = "run every layer of a SCALE-Sim topology file (conv or GEMM format) on the chip with seeded random data, checked exactly; per-layer table and CSV";

export function builder(y: Argv) {
  return withReport(withRun(withJson(y), "fast"))
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
    .check(positiveInt(["jobs"]))
    .check((argv) => {
      const seed = argv.seed as number;
      if (!(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) throw new UsageError(`--seed must be a whole number in [0, ${MAX_SEED}], got ${seed}`);
      return true;
    });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  const out = argv.out as string | undefined;
  refuseClobber([named("the topology", argv.file)], [named("--out", out), reportOutput(argv)]);
  const report = reportPath(argv.report);
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
  const csv = out === undefined ? null : new CsvTableWriter(out, columns.map((c) => c.name));
  const log = (s: string) => {
    if (!json) process.stderr.write(s + "\n");
  };
  const jobs = Math.min(argv.jobs as number, Math.max(1, plan.jobs.length));
  log(`${topology.file}: ${topology.layers.length} ${topology.format} layers on ${plan.jobs.length} of ${plan.total} point(s), ${mode} mode, ${jobs === 1 ? "in one thread" : `${jobs} worker threads`}`);
  const bar = progressBar(!json, Math.max(1, plan.jobs.length), "topology |{bar}| {percentage}% | {value}/{total} points");
  let result: TopologySweepResult;
  try {
    result = await runTopologySweep(plan, {
      jobs,
      maxCycles: argv["max-cycles"] as number,
      stop: stopFlag,
      onFraction: (done, running) => bar.update(done + running),
      onPoint: (rows, done, points) => {
        if (!process.stderr.isTTY) log(`[${done}/${points}] point ${rows[0]?.point ?? "-"}: ${rows.length} layers, ${fmtInt(rows.reduce((s, r) => s + r.cycles, 0))} cycles, all exact`);
      },
    });
  } catch (err) {
    bar.stop();
    if (csv) await csv.abort().catch(() => undefined);
    throw err;
  }
  bar.stop();
  const files: WrittenFile[] = [];
  if (csv && out !== undefined) {
    for (const row of result.rows) csv.add(columns.map((c) => c.value(row)));
    await csv.close();
    files.push({ role: "topology table", path: out });
  }
  const output = { command: "topology" as const, ...result, preset: base.name, dtype: base.dtype, arrays, out: out ?? null };
  const reported = await writeReport(report, output);
  files.push(...reportFiles(report));
  emit(json, output, () => {
    const lines = [formatTopologyTable(result), ""];
    if (result.rows.length === 0) lines.push(`this shard has no points (the sweep has ${result.total})`);
    lines.push(...totals(result));
    if (csv) lines.push(`table written to ${out}`);
    if (reported) lines.push(reported);
    lines.push(`wall time ${result.wallSeconds.toFixed(1)} s`);
    return lines.join("\n");
  }, files);
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
    "layer", "name", "M", "K", "N", "cycles", "util", "MACs", "energy", "TOPS/W", "bound", "ratio", "binding",
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
    fmtJoules(r.energy.totalJ),
    r.energy.topsPerW.toFixed(4),
    r.boundCycles === null ? "-" : fmtInt(r.boundCycles),
    r.boundRatio === null ? "-" : r.boundRatio.toFixed(2),
    r.boundBinding ?? "-",
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
  return alignTable(head, body, new Set([nameColumn, head.indexOf("binding"), ...(points > 1 ? [1] : [])]));
}

/** One line per point: the whole network, each layer once. */
function totals(result: TopologySweepResult): string[] {
  return result.totals.map((t) => {
    const e = t.energy;
    const varied = result.vary.map((v) => ` ${v.label}=${t.params[v.param]}`).join("");
    return (
      `point ${t.point} (${t.rows}x${t.cols}${varied}): ${t.layers} layers, ${fmtInt(t.cycles)} cycles (${(t.seconds * 1e3).toFixed(3)} ms), ${fmtInt(t.macs)} MACs, ` +
      `utilization ${fmtPct(t.utilization)}, energy per inference ${fmtJoules(e.totalJ)} (average ${fmtWatts(e.averagePowerW)}, ${e.topsPerW.toFixed(4)} TOPS/W), every output exact`
    );
  });
}

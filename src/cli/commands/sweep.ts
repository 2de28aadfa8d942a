/** `tpusim sweep WORKLOAD.json --arrays ...`: train one workload on many array sizes and machines. */
import { availableParallelism } from "node:os";
import type { Argv } from "yargs";
import { PRESETS } from "../../config/hw-config.js";
import { CsvTableWriter } from "../../io/sweep-csv.js";
import { parseArrayList, parseShard, parseVary, planSweep, runSweep, type SweepProgress } from "../../jobs/sweep.js";
import { sweepColumns, type SweepRow } from "../../jobs/sweep-point.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { withJson, withRun } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { progressBar, progressLines } from "../progress.js";
import { stopFlag } from "../stop.js";
import { formatSweepPlots, formatSweepTable } from "./sweep-report.js";
import { positiveInt, withWorkloadOverrides } from "./workload-options.js";

export const command = "sweep <workload>";
export const describe = "train a workload on a range of array sizes (and other hardware parameters); table, plots and CSV";

export function builder(y: Argv) {
  return withRun(withJson(y), "fast")
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec (workloads/*.json)" })
    .option("arrays", { type: "string", demandOption: true, describe: "array sizes RxC, comma-separated: 4x4,8x8,8x32" })
    .option("vary", {
      type: "string",
      describe: "also vary hardware parameters: name=v1|v2,name=... with name a parameter of `tpusim info` or ub, fifo, bw, host, acc",
    })
    .option("epochs", { type: "number", describe: "epochs per point, each followed by the test set (default: the workload's)" })
    .option("steps", { type: "number", describe: "train only N batches per point and skip the test set" })
    .option("batch", { type: "number", describe: "batch size (default: the workload's)" })
    .option("out", { alias: "o", type: "string", describe: "write the table as CSV" })
    .option("jobs", { alias: "j", type: "number", default: availableParallelism(), describe: "points run in parallel on worker threads (1: in this thread)" })
    .option("shard", { type: "string", describe: "run slice i of n (1-based): the points with index % n == i-1; join the CSVs with `tpusim merge`" })
    .option("train-limit", { type: "number", describe: "use only the first N training images" })
    .option("test-limit", { type: "number", describe: "evaluate on the first N test images" })
    .option("preset", { type: "string", choices: Object.keys(PRESETS), describe: "hardware preset (default: the workload's, else tpu-v2)" })
    .option("dtype", { type: "string", choices: ["int8", "bf16"], describe: "array data type" })
    .option("set", { type: "string", array: true, describe: "override a hardware parameter at every point: name=value" })
    .conflicts("steps", "epochs")
    .check(positiveInt(["epochs", "steps", "batch", "jobs", "train-limit", "test-limit"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  refuseClobber([named("the workload", argv.workload)], [named("--out", argv.out)]);
  const arrays = parseArrayList(argv.arrays as string);
  const vary = argv.vary === undefined ? [] : parseVary(argv.vary as string);
  const shard = argv.shard === undefined ? null : parseShard(argv.shard as string);
  const spec = withWorkloadOverrides(loadWorkload(argv.workload as string), argv);
  const steps = (argv.steps as number | undefined) ?? null;
  const mode = argv.mode as SimMode;
  const plan = planSweep({
    spec,
    hardware: { preset: argv.preset as string | undefined, dtype: argv.dtype as string | undefined, set: argv.set as string[] | undefined },
    arrays,
    vary,
    shard,
    mode,
    epochs: spec.epochs,
    steps,
  });
  const columns = sweepColumns(vary.map((v) => v.param));
  // Opened now: an unwritable --out fails before the sweep runs.
  const csv = argv.out === undefined ? null : new CsvTableWriter(argv.out as string, columns.map((c) => c.name));
  const log = (s: string) => {
    if (!json) process.stderr.write(s + "\n");
  };
  const jobs = Math.min(argv.jobs as number, Math.max(1, plan.jobs.length));
  const per = steps === null ? `${spec.epochs} epoch(s) and the test set` : `${steps} step(s)`;
  const slice = shard === null ? "" : ` (shard ${shard.index}/${shard.count}: ${plan.jobs.length} of ${plan.total} points)`;
  log(`sweeping ${spec.name} over ${plan.total} point${plan.total === 1 ? "" : "s"}${slice}, ${per} per point, ${mode} mode, ${jobs === 1 ? "in one thread" : `${jobs} worker threads`}`);
  const barEnabled = !json && process.stderr.isTTY === true;
  const bar = progressBar(barEnabled, Math.max(1, plan.jobs.length), "sweep |{bar}| {percentage}% | {done}/{points} points done | running {running}");
  const lines = progressLines(!json, "sweep", "points");
  try {
    const result = await runSweep(plan, {
      jobs,
      trainLimit: argv["train-limit"] as number | undefined,
      testLimit: argv["test-limit"] as number | undefined,
      maxCycles: argv["max-cycles"] as number,
      stop: stopFlag,
      onProgress: (p) => {
        const done = p.done + p.running.reduce((s, r) => s + r.fraction, 0);
        bar.update(done, barPayload(p));
        lines.update(done, p.points, `running ${barPayload(p).running}`);
      },
      onPoint: (row, done, points) => {
        if (!barEnabled) log(`[${done}/${points}] ${describePoint(row)}`);
      },
    });
    bar.stop();
    if (csv) {
      for (const row of result.rows) csv.add(columns.map((c) => c.value(row)));
      await csv.close();
    }
    emit(json, { ...result, arrays, out: argv.out ?? null }, () => {
      const lines = [formatSweepTable(result)];
      const plots = formatSweepPlots(result);
      if (plots) lines.push("", plots);
      lines.push("");
      if (result.rows.length === 0) lines.push(`this shard has no points (the sweep has ${result.total})`);
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

function barPayload(p: SweepProgress): Record<string, string | number> {
  const running = p.running.map((r) => `${r.label} ${Math.floor(100 * r.fraction)}%`).join(", ");
  return { done: p.done, points: p.points, running: running || "-" };
}

function describePoint(r: SweepRow): string {
  const acc = r.testAccuracy === null ? "" : `, test accuracy ${fmtPct(r.testAccuracy)}`;
  const params = Object.entries(r.params).map(([k, v]) => ` ${k}=${v}`).join("");
  return `point ${r.point} ${r.rows}x${r.cols}${params}: ${fmtInt(r.cycles)} cycles, utilization ${fmtPct(r.utilization)}, loss ${r.loss.toFixed(4)}${acc} (${r.wallSeconds.toFixed(1)} s)`;
}

/** `tpusim sweep WORKLOAD.json --arrays ...`: train one workload on many array sizes and machines. */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { Argv } from "yargs";
import { PRESETS } from "../../config/hw-config.js";
import { CsvTableWriter } from "../../io/sweep-csv.js";
import { parseArrayList, parseShard, parseVary, planSweep } from "../../jobs/sweep.js";
import { sweepColumns, type SweepRow } from "../../jobs/sweep-point.js";
import { planPathFor, removePlanFile, writePlanFile, type SweepRequest } from "../../jobs/sweep-plan-file.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, Interrupted, type WrittenFile } from "../output.js";
import { withJson, withRun } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatSweepPlots, formatSweepTable } from "./sweep-report.js";
import { rowCells, runSweepWithProgress } from "./sweep-run.js";
import { positiveInt, withWorkloadOverrides } from "./workload-options.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";

export const command = "sweep <workload>";
export const describe = "train a workload on a range of array sizes (and other hardware parameters); table, plots and CSV";

export function builder(y: Argv) {
  return withReport(withRun(withJson(y), "fast"))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec (workloads/*.json)" })
    .option("arrays", { type: "string", demandOption: true, describe: "array sizes RxC, comma-separated: 4x4,8x8,8x32" })
    .option("vary", {
      type: "string",
      describe: "also vary hardware parameters: name=v1|v2,name=... with name a parameter of `tpusim info` or ub, fifo, bw, host, acc",
    })
    .option("epochs", { type: "number", describe: "epochs per point, each followed by the test set (default: the workload's)" })
    .option("steps", { type: "number", describe: "train only N batches per point and skip the test set" })
    .option("batch", { type: "number", describe: "batch size (default: the workload's)" })
    .option("out", { alias: "o", type: "string", describe: "write the table as CSV (a partial sweep also writes OUT.sweep.json, see `tpusim merge --finish`)" })
    .option("jobs", { alias: "j", type: "number", default: availableParallelism(), describe: "points run in parallel on worker threads (1: in this thread)" })
    .option("shard", { type: "string", describe: "run slice i of n (1-based): the points with index % n == i-1; join the CSVs with `tpusim merge`" })
    .option("train-limit", { type: "number", describe: "use only the first N training images" })
    .option("test-limit", { type: "number", describe: "evaluate on the first N test images" })
    .option("preset", { type: "string", choices: Object.keys(PRESETS), describe: "hardware preset (default: the workload's)" })
    .option("dtype", { type: "string", choices: ["int8", "bf16"], describe: "array data type" })
    .option("set", { type: "string", array: true, describe: "override a hardware parameter at every point: name=value" })
    .conflicts("steps", "epochs")
    .check(positiveInt(["epochs", "steps", "batch", "jobs", "train-limit", "test-limit"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  const out = argv.out as string | undefined;
  refuseClobber([named("the workload", argv.workload)], [named("--out", out), out === undefined ? undefined : named("its sweep plan", planPathFor(out)), reportOutput(argv)]);
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
  const varied = vary.map((v) => v.param);
  const columns = sweepColumns(varied);
  const report = reportPath(argv.report);
  // Opened now: an unwritable --out fails before the sweep runs.
  const csv = out === undefined ? null : new CsvTableWriter(out, columns.map((c) => c.name));
  const jobs = Math.min(argv.jobs as number, Math.max(1, plan.jobs.length));
  const per = steps === null ? `${spec.epochs} epoch(s) and the test set` : `${steps} step(s)`;
  const slice = shard === null ? "" : ` (shard ${shard.index}/${shard.count}: ${plan.jobs.length} of ${plan.total} points)`;
  if (!json) process.stderr.write(`sweeping ${spec.name} over ${plan.total} point${plan.total === 1 ? "" : "s"}${slice}, ${per} per point, ${mode} mode, ${jobs === 1 ? "in one thread" : `${jobs} worker threads`}\n`);
  const settings = { json, jobs, trainLimit: argv["train-limit"] as number | undefined, testLimit: argv["test-limit"] as number | undefined, maxCycles: argv["max-cycles"] as number };
  let outcome;
  try {
    outcome = await runSweepWithProgress(plan, settings);
  } catch (err) {
    if (csv) await csv.abort().catch(() => undefined);
    throw err;
  }
  const rows: SweepRow[] = outcome.interrupted ? outcome.rows : outcome.result.rows;
  const files: WrittenFile[] = [];
  let planFile: string | null = null;
  if (csv && out !== undefined) {
    for (const row of rows) csv.add(rowCells(row, varied));
    await csv.close();
    files.push({ role: "sweep table", path: out });
    if (rows.length < plan.total) {
      const request = sweepRequest(argv, steps, mode);
      const status = outcome.interrupted ? "interrupted" : "shard";
      planFile = writePlanFile(out, { status, request, shard: shard === null ? null : `${shard.index}/${shard.count}`, points: plan.total, complete: rows.map((r) => r.point) });
      files.push({ role: "sweep plan of the missing points", path: planFile });
    } else removePlanFile(out);
  }
  if (outcome.interrupted) {
    const kept = out === undefined ? "nothing kept (no --out)" : `kept them in ${out}; ${planFile} lists the rest: finish with \`tpusim merge ${out} -o FULL.csv --finish\``;
    throw new Interrupted(`interrupted (SIGINT): ${rows.length} of ${plan.jobs.length} point(s) had finished; ${kept}`);
  }
  const result = outcome.result;
  const output = { command: "sweep" as const, ...result, arrays, out: out ?? null, plan: planFile };
  const reported = await writeReport(report, output);
  files.push(...reportFiles(report));
  emit(json, output, () => {
    const lines = [formatSweepTable(result)];
    const plots = formatSweepPlots(result);
    if (plots) lines.push("", plots);
    lines.push("");
    if (result.rows.length === 0) lines.push(`this shard has no points (the sweep has ${result.total})`);
    if (csv) lines.push(`table written to ${out}`);
    if (reported) lines.push(reported);
    lines.push(`wall time ${result.wallSeconds.toFixed(1)} s`);
    return lines.join("\n");
  }, files);
}

/** What `tpusim merge --finish` needs to run the rest of this sweep. */
function sweepRequest(argv: Record<string, unknown>, steps: number | null, mode: SimMode): SweepRequest {
  const file = argv.workload as string;
  const num = (k: string) => (argv[k] as number | undefined) ?? null;
  return {
    workloadFile: file,
    workloadText: readFileSync(file, "utf8"),
    arrays: argv.arrays as string,
    vary: (argv.vary as string | undefined) ?? null,
    epochs: num("epochs"),
    steps,
    batch: num("batch"),
    trainLimit: num("train-limit"),
    testLimit: num("test-limit"),
    preset: (argv.preset as string | undefined) ?? null,
    dtype: (argv.dtype as string | undefined) ?? null,
    set: (argv.set as string[] | undefined) ?? [],
    mode,
    maxCycles: num("max-cycles"),
  };
}

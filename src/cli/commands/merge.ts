/**
 * `tpusim merge a.csv b.csv ... -o all.csv`: join the CSV slices of a sharded or interrupted sweep;
 * with --finish, first run the points none of them holds (from the sweep plan beside them).
 */
import { availableParallelism } from "node:os";
import type { Argv } from "yargs";
import { UserInputError } from "../../errors.js";
import { mergeSweepFiles, sweepFilePoints } from "../../jobs/sweep-merge.js";
import { planFromRequest, planPathFor, readPlanFile, removePlanFile, sameSweep, writePlanFile, type SweepPlanFile } from "../../jobs/sweep-plan-file.js";
import { sweepColumns } from "../../jobs/sweep-point.js";
import { emit, Interrupted, type WrittenFile } from "../output.js";
import { withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { rowCells, runSweepWithProgress } from "./sweep-run.js";
import { positiveInt } from "./workload-options.js";

export const command = "merge <files..>";
export const describe = "join sweep CSV slices (from sweep --shard, or an interrupted sweep) into one table in sweep order; --finish runs the missing points";

export function builder(y: Argv) {
  return withJson(y)
    .positional("files", { type: "string", array: true, demandOption: true, describe: "sweep CSV files with the same header" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "merged CSV file" })
    .option("finish", { type: "boolean", default: false, describe: "run the points no file holds, as the sweep plan beside the files (FILE.sweep.json) describes" })
    .option("jobs", { alias: "j", type: "number", default: availableParallelism(), describe: "with --finish: points run in parallel on worker threads" })
    .check(positiveInt(["jobs"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  const files = argv.files as string[];
  const out = argv.out as string;
  refuseClobber(files.map((f, i) => named(`input ${i + 1}`, f)), [named("--out", out), named("its sweep plan", planPathFor(out))]);
  const plan = sweepPlanOf(files);
  const present = sweepFilePoints(files);
  const missing = plan === null ? [] : Array.from({ length: plan.file.points }, (_, i) => i).filter((i) => !present.has(i));
  let extra: { point: number; cells: ReturnType<typeof rowCells> }[] = [];
  let interrupted = false;
  let expected: string[] | undefined;
  if (argv.finish) {
    if (plan === null) {
      throw new UserInputError(`cannot finish: no sweep plan beside the inputs (${planPathFor(files[0])}); only an interrupted or sharded sweep with --out writes one`, { field: "--finish" });
    }
    if (missing.length > 0) {
      const r = plan.file.request;
      const sweep = planFromRequest(r, plan.path, new Set(missing));
      if (!json) process.stderr.write(`finishing the sweep: running the ${missing.length} missing point(s) of ${plan.file.points}\n`);
      const jobs = Math.min(argv.jobs as number, missing.length);
      const outcome = await runSweepWithProgress(sweep, { json, jobs, trainLimit: r.trainLimit ?? undefined, testLimit: r.testLimit ?? undefined, maxCycles: r.maxCycles ?? undefined });
      const varied = sweep.input.vary.map((v) => v.param);
      const rows = outcome.interrupted ? outcome.rows : outcome.result.rows;
      extra = rows.map((row) => ({ point: row.point, cells: rowCells(row, varied) }));
      interrupted = outcome.interrupted;
      expected = sweepColumns(varied).map((c) => c.name);
    }
  }
  const checkHeader = (header: readonly string[]) => {
    if (expected !== undefined && header.join(",") !== expected.join(",")) {
      throw new UserInputError(`its columns are not those of the sweep in ${plan?.path}: the files were written by another sweep`, { file: files[0], line: 1 });
    }
  };
  const r = await mergeSweepFiles(files, out, { total: plan?.file.points, extra, checkHeader });
  const written: WrittenFile[] = [{ role: "merged sweep table", path: r.out }];
  let planFile: string | null = null;
  if (plan !== null && r.missing.length > 0) {
    const complete = Array.from({ length: plan.file.points }, (_, i) => i).filter((i) => !r.missing.includes(i));
    planFile = writePlanFile(out, { ...plan.file, status: "partial", shard: null, complete });
    written.push({ role: "sweep plan of the missing points", path: planFile });
  } else removePlanFile(out);
  if (interrupted) {
    throw new Interrupted(`interrupted (SIGINT): ${extra.length} of ${missing.length} missing point(s) ran; ${out} holds ${r.points} of ${plan?.file.points} points; finish with \`tpusim merge ${out} -o FULL.csv --finish\``);
  }
  // A gap is allowed (a shard may be merged later) but worth a word.
  const hint = plan === null ? "" : `; run them with \`tpusim merge ${files.join(" ")} -o ${out} --finish\``;
  const gap = r.missing.length === 0 ? "" : `${r.missing.length} point(s) missing: ${shortList(r.missing)}${hint}`;
  if (gap && !json) process.stderr.write(`tpusim: warning: ${gap}\n`);
  emit(json, { ...r, total: plan?.file.points ?? null, ran: extra.map((e) => e.point), plan: planFile }, () =>
    `${r.points} points from ${r.files.length} file(s)${extra.length > 0 ? ` and ${extra.length} run now` : ""} written to ${r.out}`, written);
}

/** The sweep plan beside the files (all that have one must describe the same sweep), or null. */
function sweepPlanOf(files: readonly string[]): { file: SweepPlanFile; path: string } | null {
  let found: { file: SweepPlanFile; path: string } | null = null;
  for (const f of files) {
    const plan = readPlanFile(f);
    if (plan === undefined) continue;
    if (found !== null && !sameSweep(found.file, plan)) {
      throw new UserInputError(`its sweep plan describes another sweep than ${found.path}`, { file: planPathFor(f) });
    }
    found ??= { file: plan, path: planPathFor(f) };
  }
  return found;
}

function shortList(xs: readonly number[]): string {
  return xs.length <= 10 ? xs.join(", ") : `${xs.slice(0, 10).join(", ")}, ...`;
}

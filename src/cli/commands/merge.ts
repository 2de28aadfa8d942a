/** `tpusim merge a.csv b.csv ... -o all.csv`: join the CSV slices of a sharded sweep. */
import type { Argv } from "yargs";
import { mergeSweepFiles } from "../../jobs/sweep-merge.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";

export const command = "merge <files..>";
export const describe = "join sweep CSV slices (from sweep --shard) into one table in sweep order";

export function builder(y: Argv) {
  return withJson(y)
    .positional("files", { type: "string", array: true, demandOption: true, describe: "sweep CSV files with the same header" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "merged CSV file" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  refuseClobber((argv.files as string[]).map((f, i) => named(`input ${i + 1}`, f)), [named("--out", argv.out)]);
  const r = await mergeSweepFiles(argv.files as string[], argv.out as string);
  // A gap is allowed (a shard may be merged later) but worth a word.
  const gap = r.missing.length === 0 ? "" : `${r.missing.length} point(s) below the last are missing: ${shortList(r.missing)}`;
  if (gap && !json) process.stderr.write(`tpusim: warning: ${gap}\n`);
  emit(json, r, () => `${r.points} points from ${r.files.length} file(s) written to ${r.out}`, [{ role: "merged sweep table", path: r.out }]);
}

function shortList(xs: readonly number[]): string {
  return xs.length <= 10 ? xs.join(", ") : `${xs.slice(0, 10).join(", ")}, ...`;
}

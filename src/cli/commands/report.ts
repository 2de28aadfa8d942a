/** `tpusim report RESULT.json -o FILE.html`: the report page of a saved `--json` result. */
import type { Argv } from "yargs";
import { readReportSource } from "../../io/report/read-source.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { reportFiles, reportPath, writeReport } from "../report-option.js";

export const command = "report <result>";
export const describe = "make the report page (one self-contained HTML file) of a result saved from train, eval, sweep, topology, run, matmul, adversarial or fool --json";

export function builder(y: Argv) {
  return withJson(y)
    .positional("result", { type: "string", demandOption: true, describe: "a result written by a tpusim command with --json" })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "the report page to write (.html)" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  refuseClobber([named("the result", argv.result)], [named("--out", argv.out)]);
  const out = reportPath(argv.out, "--out") as string;
  const source = readReportSource(argv.result as string);
  await writeReport(out, source);
  emit(argv.json as boolean, { command: "report", kind: source.command, result: argv.result, out }, () => `${source.command} report written to ${out}`, reportFiles(out));
}

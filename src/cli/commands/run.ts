/** `tpusim run PROGRAM`: run an assembled (.s) or binary program and print its statistics. */
import type { Argv } from "yargs";
import { resolveHardware } from "../../jobs/hardware.js";
import { readProgramFile } from "../../jobs/program-file.js";
import { runProgram } from "../../jobs/run-program.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportPath, runViewsFrom, withReport, writeReport } from "../report-option.js";

export const command = "run <program>";
export const describe = "run a program (.s assembly or .bin) and print cycle-accurate statistics";

export function builder(y: Argv) {
  return withReport(withTrace(withRun(withHardware(withJson(y)), "detailed"), { report: true })).positional("program", { type: "string", demandOption: true, describe: "program file (.s or .bin)" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const program = readProgramFile(argv.program as string);
  const hw = resolveHardware(hardwareFlags(argv), { preset: "small", overrides: {} });
  const mode = argv.mode as SimMode;
  const report = reportPath(argv.report, [argv.program, argv.trace]);
  const views = runViewsFrom(argv, mode, report !== undefined || argv.json === true);
  const sink = traceSinkFrom(argv, mode, { report: true });
  const result = await withSink(sink, () =>
    runProgram({ program, hw, mode, maxCycles: argv["max-cycles"] as number, sink, stop: stopFlag, views }),
  );
  const output = {
    command: "run" as const,
    program: argv.program as string,
    mode,
    hardware: hw,
    cycles: result.stats.cycles,
    stats: result.stats,
    timeline: result.timeline,
    arrayView: result.arrayView,
  };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () =>
    `${argv.program} on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode)\n${formatStats(result.stats)}` + (reported ? `\n${reported}` : ""),
  );
}

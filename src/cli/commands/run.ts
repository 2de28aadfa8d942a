/** `tpusim run PROGRAM`: run an assembled (.s) or binary program; statistics and the memory it wrote. */
import { readFileSync } from "node:fs";
import type { Argv } from "yargs";
import { resolveHardware } from "../../jobs/hardware.js";
import { collectDumps, formatDump, parseDump, checkHostDumps, writtenRegions, WRITTEN_VALUES_LIMIT } from "../../jobs/memory-dump.js";
import { mergeHardwareFlags, parseProgramHeader } from "../../jobs/program-header.js";
import { readProgramFile } from "../../jobs/program-file.js";
import { checkProgramHostMemory, programHostElements } from "../../jobs/program-limits.js";
import { runProgram } from "../../jobs/run-program.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportFiles, reportOutput, reportPath, runViewsFrom, withReport, writeReport } from "../report-option.js";

/** The machine a program runs on unless its header or the command line say otherwise (named in --help). */
export const RUN_PRESET = "small";

export const command = "run <program>";
export const describe = "run a program (.s assembly or .bin): cycle-accurate statistics and the memory it wrote";

export function builder(y: Argv) {
  return withReport(withTrace(withRun(withHardware(withJson(y), `${RUN_PRESET}, or the program's "; tpusim:" header line`), "detailed"), { report: true }))
    .positional("program", { type: "string", demandOption: true, describe: "program file (.s or .bin)" })
    .option("dump", {
      type: "string",
      array: true,
      describe: "also show a memory region after the run: ub:ADDR:ROWSxCOLS[:STRIDE], acc:ROW:ROWSxCOLS, host:..., wm:... (repeatable)",
    });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const file = argv.program as string;
  refuseClobber([named("the program", file)], [...traceOutputs(argv), reportOutput(argv)]);
  const program = readProgramFile(file);
  checkProgramHostMemory(program, file);
  // Only assembly text carries a header; a binary runs on the flags alone.
  const header = /\.(s|asm)$/i.test(file) ? parseProgramHeader(readFileSync(file, "utf8"), file) : undefined;
  const hw = resolveHardware(mergeHardwareFlags(header?.flags, hardwareFlags(argv)), { preset: RUN_PRESET, overrides: {} });
  const asked = ((argv.dump as string[] | undefined) ?? []).map((d) => parseDump(d, hw));
  checkHostDumps(asked, programHostElements(program));
  const mode = argv.mode as SimMode;
  const report = reportPath(argv.report);
  const views = runViewsFrom(argv, mode, report !== undefined || argv.json === true);
  const sink = traceSinkFrom(argv, mode, { report: true });
  const result = await withSink(sink, () =>
    runProgram({ program, hw, mode, maxCycles: argv["max-cycles"] as number, sink, stop: stopFlag, views }),
  );
  const { dumps, omitted } = collectDumps(result.memory, writtenRegions(program, hw), asked);
  const note = omitted === 0 ? null : `${omitted} written region(s) listed without values: more than ${WRITTEN_VALUES_LIMIT} values in all; read them with --dump`;
  const machine = `${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype}`;
  const output = {
    command: "run" as const,
    program: file,
    header: header?.text ?? null,
    mode,
    hardware: hw,
    cycles: result.stats.cycles,
    stats: result.stats,
    memory: dumps,
    memoryNote: note,
    timeline: result.timeline,
    arrayView: result.arrayView,
  };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () => {
    const from = header ? ` (from the program's header: ${header.text})` : "";
    const lines = [`${file} on ${machine}${from} (${mode} mode)`, formatStats(result.stats)];
    if (dumps.length > 0) lines.push("", "memory after the run:", ...dumps.map(formatDump));
    if (note) lines.push(note);
    if (reported) lines.push(reported);
    return lines.join("\n");
  }, [...traceFiles(argv), ...reportFiles(report)]);
}

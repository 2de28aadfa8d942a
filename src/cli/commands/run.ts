/** `tpusim run PROGRAM`: run an assembled (.s) or binary program and print its statistics. */
import type { Argv } from "yargs";
import { resolveHardware } from "../../jobs/hardware.js";
import { readProgramFile } from "../../jobs/program-file.js";
import { checkProgramHostMemory } from "../../jobs/program-limits.js";
import { runProgram } from "../../jobs/run-program.js";
import type { SimMode } from "../../sim/controller.js";
import { emit } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";

export const command = "run <program>";
export const describe = "run a program (.s assembly or .bin) and print cycle-accurate statistics";

export function builder(y: Argv) {
  return withTrace(withRun(withHardware(withJson(y)), "detailed")).positional("program", { type: "string", demandOption: true, describe: "program file (.s or .bin)" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  refuseClobber([named("the program", argv.program)], traceOutputs(argv));
  const program = readProgramFile(argv.program as string);
  checkProgramHostMemory(program, argv.program as string);
  const hw = resolveHardware(hardwareFlags(argv), { preset: "small", overrides: {} });
  const mode = argv.mode as SimMode;
  const sink = traceSinkFrom(argv, mode);
  const result = await withSink(sink, () =>
    runProgram({ program, hw, mode, maxCycles: argv["max-cycles"] as number, sink, stop: stopFlag }),
  );
  emit(argv.json as boolean, { program: argv.program, mode, hardware: hw, cycles: result.stats.cycles, stats: result.stats }, () =>
    `${argv.program} on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode)\n${formatStats(result.stats)}`,
    traceFiles(argv),
  );
}

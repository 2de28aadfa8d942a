#!/usr/bin/env node
/** tpusim: the yargs root. Commands live in ./commands, one file each; they call jobs/. */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import * as adversarial from "./commands/adversarial.js";
import * as asm from "./commands/asm.js";
import * as compile from "./commands/compile.js";
import * as disasm from "./commands/disasm.js";
import * as evalCommand from "./commands/eval.js";
import * as fool from "./commands/fool.js";
import * as info from "./commands/info.js";
import * as infer from "./commands/infer.js";
import * as train from "./commands/train.js";
import * as matmul from "./commands/matmul.js";
import * as merge from "./commands/merge.js";
import * as report from "./commands/report.js";
import * as run from "./commands/run.js";
import * as sweep from "./commands/sweep.js";
import * as topology from "./commands/topology.js";
import { EXIT_USER_ERROR, reportError } from "./output.js";
import { installSigintHandler } from "./stop.js";
import { resolveShipped } from "../io/package-files.js";
import { UsageError } from "./options.js";
import { StopRequested } from "../jobs/drive.js";
import { Interrupted } from "./output.js";
import { commandOnLine, explainUsage, flagChecks, type FlagContext } from "./flag-errors.js";

const COMMANDS = [train, evalCommand, infer, adversarial, fool, run, matmul, sweep, topology, merge, report, compile, asm, disasm, info];

const COMMAND_NAMES = COMMANDS.map((c) => c.command.split(" ")[0]);

/** A usage error: one line, then where the full help is. */
function failUsage(message: string, context: FlagContext): never {
  const command = commandOnLine(COMMAND_NAMES);
  const hint = command === undefined ? "see tpusim --help" : `see tpusim ${command} --help`;
  process.stderr.write(`tpusim: ${explainUsage(message, context)} (${hint})\n`);
  process.exit(EXIT_USER_ERROR);
}

async function main(): Promise<void> {
  installSigintHandler();
  const context: FlagContext = { options: [], commands: COMMAND_NAMES };
  let cli = yargs(hideBin(process.argv))
    .scriptName("tpusim")
    .usage("$0 <command> [options]\n\nA cycle-accurate simulator of a TPU-style systolic array.")
    .strict()
    .demandCommand(1, `give a command: ${COMMAND_NAMES.join(", ")}`)
    .recommendCommands()
    .help()
    .alias("h", "help")
    .wrap(Math.min(110, process.stdout.columns || 110))
    .middleware(flagChecks(context), true)
    // workloads/*.json and examples/*.s name the shipped files from any folder (an installed tpusim).
    .middleware((argv: Record<string, unknown>) => {
      for (const key of ["workload", "program", "input"]) if (typeof argv[key] === "string") argv[key] = resolveShipped(argv[key] as string);
    })
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err;
      failUsage(err ? err.message : msg, context);
    });
  for (const c of COMMANDS) cli = cli.command(c as never);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) failUsage(err.message, context);
    process.exitCode = reportError(err instanceof StopRequested ? new Interrupted() : err);
  }
}

void main();

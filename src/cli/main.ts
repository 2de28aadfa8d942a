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
import * as train from "./commands/train.js";
import * as matmul from "./commands/matmul.js";
import * as merge from "./commands/merge.js";
import * as run from "./commands/run.js";
import * as sweep from "./commands/sweep.js";
import * as topology from "./commands/topology.js";
import { EXIT_USER_ERROR, reportError } from "./output.js";
import { installSigintHandler } from "./stop.js";
import { UsageError } from "./options.js";
import { StopRequested } from "../jobs/drive.js";
import { Interrupted } from "./output.js";

const COMMANDS = [train, evalCommand, adversarial, fool, run, matmul, sweep, topology, merge, compile, asm, disasm, info];

async function main(): Promise<void> {
  installSigintHandler();
  let cli = yargs(hideBin(process.argv))
    .scriptName("tpusim")
    .usage("$0 <command> [options]\n\nA cycle-accurate simulator of a TPU-style systolic array.")
    .strict()
    .demandCommand(1, "give a command (see the list above)")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err, y) => {
      if (err && !(err instanceof UsageError)) throw err;
      y.showHelp((s: string) => process.stderr.write(s + "\n"));
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: ..."): the error stays one line.
      process.stderr.write(`\ntpusim: ${(err ? err.message : msg).replace(/\s*\n\s*/g, " ")}\n`);
      process.exit(EXIT_USER_ERROR);
    });
  for (const c of COMMANDS) cli = cli.command(c as never);
  try {
    await cli.parseAsync();
  } catch (err) {
    process.exitCode = reportError(err instanceof StopRequested ? new Interrupted() : err);
  }
}

void main();

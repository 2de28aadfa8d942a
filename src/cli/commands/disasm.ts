/** `tpusim disasm IN.bin [-o OUT.s]`: text that re-assembles to the same bytes. */
import type { Argv } from "yargs";
import { disassemble, formatInstruction } from "../../isa/disassembler.js";
import { writeFileAtomic } from "../../io/atomic-write.js";
import { readProgramFile } from "../../jobs/program-file.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";

export const command = "disasm <input>";
export const describe = "disassemble a binary program (the text re-assembles to the same bytes)";

export function builder(y: Argv) {
  return withJson(y)
    .positional("input", { type: "string", demandOption: true })
    .option("out", { alias: "o", type: "string", describe: "write the assembly text to this file instead of stdout" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const out = argv.out as string | undefined;
  refuseClobber([named("the program", argv.input)], [named("--out", out)]);
  const program = readProgramFile(argv.input as string);
  const text = disassemble(program);
  if (out !== undefined) writeFileAtomic(out, text);
  const files = out === undefined ? [] : [{ role: "assembly", path: out }];
  const segments = program.data.map((d) => ({ memory: d.memory, address: d.address, values: d.values.length }));
  emit(argv.json as boolean, { instructions: program.instructions.map(formatInstruction), segments }, () =>
    out === undefined ? text : `${program.instructions.length} instructions, ${program.data.length} data segments -> ${out}`,
  files);
}

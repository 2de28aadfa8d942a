/** `tpusim disasm IN.bin`: text that re-assembles to the same bytes. */
import type { Argv } from "yargs";
import { disassemble } from "../../isa/disassembler.js";
import { readProgramFile } from "../../jobs/program-file.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";
import { formatInstruction } from "../../isa/disassembler.js";

export const command = "disasm <input>";
export const describe = "disassemble a binary program (the text re-assembles to the same bytes)";

export function builder(y: Argv) {
  return withJson(y).positional("input", { type: "string", demandOption: true });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const program = readProgramFile(argv.input as string);
  emit(argv.json as boolean, { instructions: program.instructions.map(formatInstruction), segments: program.data.map((d) => ({ memory: d.memory, address: d.address, values: d.values.length })) }, () =>
    disassemble(program),
  );
}

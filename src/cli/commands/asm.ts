/** `tpusim asm IN.s -o OUT.bin`. */
import { readFileSync } from "node:fs";
import type { Argv } from "yargs";
import { UserInputError } from "../../errors.js";
import { assemble } from "../../isa/assembler.js";
import { encodeProgram } from "../../isa/binary.js";
import { writeFileAtomic } from "../../io/atomic-write.js";
import { parseProgramHeader } from "../../jobs/program-header.js";
import { emit } from "../output.js";
import { withJson } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";

export const command = "asm <input>";
export const describe = "assemble a .s program into the binary format";

export function builder(y: Argv) {
  return withJson(y)
    .positional("input", { type: "string", demandOption: true })
    .option("out", { alias: "o", type: "string", demandOption: true, describe: "binary program file" });
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const input = argv.input as string;
  refuseClobber([named("the program", input)], [named("--out", argv.out)]);
  let text: string;
  try {
    text = readFileSync(input, "utf8");
  } catch {
    throw new UserInputError("cannot read the file", { file: input });
  }
  const program = assemble(text, input);
  // A binary has no room for the header: its machine is checked now, and the output says how to run the binary on it.
  const header = parseProgramHeader(text, input);
  const runWith = header ? `tpusim run ${argv.out} ${header.text}` : null;
  const bytes = encodeProgram(program);
  writeFileAtomic(argv.out as string, bytes);
  emit(argv.json as boolean, { out: argv.out, instructions: program.instructions.length, segments: program.data.length, bytes: bytes.length, header: header?.text ?? null, runWith }, () =>
    `${program.instructions.length} instructions, ${program.data.length} data segments, ${bytes.length} bytes -> ${argv.out}` +
    (runWith ? `\nwritten for ${header?.text} (its "; tpusim:" header); a binary does not keep the header, so run it with: ${runWith}` : ""),
    [{ role: "binary program", path: argv.out as string }],
  );
}

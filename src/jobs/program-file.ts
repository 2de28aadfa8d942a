/** Reads a program from assembly text (.s) or the binary format (.bin, anything else). */
import { readFileSync } from "node:fs";
import { UserInputError } from "../errors.js";
import { assemble } from "../isa/assembler.js";
import { decodeProgram } from "../isa/binary.js";
import type { Program } from "../isa/program.js";

export function readProgramFile(path: string): Program {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserInputError(code === "ENOENT" ? "no such file" : `cannot read (${code})`, { file: path });
  }
  if (/\.(s|asm)$/i.test(path)) return assemble(bytes.toString("utf8"), path);
  return decodeProgram(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), path);
}

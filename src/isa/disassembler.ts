/**
 * Program -> assembly text that assemble() turns back into the same bytes (docs/ISA.md, "Assembly
 * syntax"). The one loss: every NaN prints as `nan`, which assembles to the canonical quiet NaN, so a
 * NaN with another payload does not survive the text round trip.
 */
import { OPCODE_BY_MNEMONIC } from "./opcodes.js";
import type { Instruction } from "./opcodes.js";
import type { Program } from "./program.js";

const VALUES_PER_LINE = 8;

/**
 * Shortest decimal that reads back as the same binary32: the first of toPrecision(1..9) that does
 * (9 significant digits always suffice for binary32). String(Number(s)) drops exponent forms such as
 * "1e+2" for 100 without changing the value.
 */
export function formatF32(value: number): string {
  const v = Math.fround(value);
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0";
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (Math.fround(Number(s)) === v) return s;
  }
  throw new Error(`internal: no 9-digit decimal for binary32 ${v}`);
}

/** One line: the mnemonic, then every field in table order; set flags as bare words. */
export function formatInstruction(ins: Instruction): string {
  const spec = OPCODE_BY_MNEMONIC.get(ins.op);
  if (!spec) throw new Error(`internal: unknown mnemonic ${ins.op}`);
  const parts = [spec.mnemonic];
  for (const field of spec.fields) {
    const v = ins.f[field.name];
    if (typeof v !== "number") throw new Error(`internal: ${ins.op} is missing field ${field.name}`);
    if (field.kind === "flag") {
      if (v !== 0 && v !== 1) throw new Error(`internal: ${ins.op}.${field.name} = ${v} is not a flag value`);
      if (v === 1) parts.push(field.name);
    } else if (field.kind === "enum") {
      const name = field.values?.[v];
      if (name === undefined) throw new Error(`internal: ${ins.op}.${field.name} has no value ${v}`);
      parts.push(`${field.name}=${name}`);
    } else if (field.kind === "f32") parts.push(`${field.name}=${formatF32(v)}`);
    else parts.push(`${field.name}=${v}`);
  }
  return parts.join(" ");
}

/**
 * Instructions first (the default .text section), then each data segment as `.host ADDR` or
 * `.weights ADDR` with its values; no `.text` is needed because nothing follows the data.
 */
export function disassemble(p: Program): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [
    `; tpusim program: ${plural(p.instructions.length, "instruction")}, ${plural(p.data.length, "data segment")}`,
  ];
  p.instructions.forEach((ins, pc) => {
    const note = ins.comment === undefined ? "" : `: ${ins.comment.replace(/[\r\n]+/g, " ")}`;
    lines.push(`    ${formatInstruction(ins)} ; pc ${pc}${note}`);
  });
  for (const s of p.data) {
    lines.push("", `.${s.memory} ${s.address}`);
    for (let i = 0; i < s.values.length; i += VALUES_PER_LINE) {
      const chunk = Array.from(s.values.subarray(i, i + VALUES_PER_LINE), formatF32);
      lines.push(`    .f32 ${chunk.join(", ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

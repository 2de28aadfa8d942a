import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { assemble } from "../../src/isa/assembler.js";
import { encodeProgram } from "../../src/isa/binary.js";
import { OPCODES } from "../../src/isa/opcodes.js";

const doc = readFileSync(new URL("../../docs/ISA.md", import.meta.url), "utf8");

interface DocSection {
  mnemonic: string;
  code: number;
  unit: string;
  body: string;
}

/** The `### MNEMONIC (0xNN, unit unit)` sections after "## Instructions". */
function instructionSections(): DocSection[] {
  const part = doc.slice(doc.indexOf("\n## Instructions"));
  return part
    .split(/^### /m)
    .slice(1)
    .map((chunk) => {
      const m = /^(\w+) \(0x([0-9a-f]{2}), (\w+) unit\)\n/.exec(chunk);
      if (!m) throw new Error(`malformed instruction heading: ${chunk.split("\n")[0]}`);
      return { mnemonic: m[1], code: parseInt(m[2], 16), unit: m[3], body: chunk };
    });
}

/** Rows of the `| field | bits | offset | kind | meaning |` table, backticks removed. */
function fieldRows(body: string): string[][] {
  const lines = body.split("\n").filter((l) => l.startsWith("|"));
  if (lines.length === 0) return [];
  expect(lines[0]).toBe("| field | bits | offset | kind | meaning |");
  expect(lines[1]).toMatch(/^\|(---\|){5}$/);
  return lines.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split("|")
      .map((cell) => cell.trim().replace(/`/g, "")),
  );
}

describe("docs/ISA.md matches the opcode table", () => {
  const sections = instructionSections();

  it("has one section per opcode, in table order, with code and unit", () => {
    expect(sections.map((s) => [s.mnemonic, s.code, s.unit])).toEqual(OPCODES.map((o) => [o.mnemonic, o.code, o.unit]));
  });

  const bySpec = OPCODES.map((o) => [o.mnemonic, o] as const);
  it.each(bySpec)("%s field table: name, bits, offset, kind", (mnemonic, spec) => {
    const section = sections.find((s) => s.mnemonic === mnemonic);
    expect(section).toBeDefined();
    const rows = fieldRows(section?.body ?? "");
    // Offsets computed here from the widths alone: bit 8 onwards, no gaps.
    let offset = 8;
    const expected = spec.fields.map((f) => {
      const row = [f.name, String(f.bits), String(offset), f.kind];
      offset += f.bits;
      return row;
    });
    expect(rows.map((r) => r.slice(0, 4))).toEqual(expected);
    for (const [i, f] of spec.fields.entries()) {
      for (const [index, value] of (f.values ?? []).entries()) expect(rows[i][4]).toContain(`${index} = ${value}`);
    }
    expect(section?.body).toContain(`Bits ${offset}-255 are reserved and must be zero.`);
  });

  it("lists every opcode in the summary table", () => {
    for (const o of OPCODES) {
      const code = `0x${o.code.toString(16).padStart(2, "0")}`;
      expect(doc).toContain(`| ${code} | ${o.mnemonic} | ${o.unit} |`);
    }
  });

  it("the assembly example assembles", () => {
    const example = /## Assembly syntax\n\n```\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const p = assemble(example ?? "", "ISA.md example");
    expect(p.instructions.map((i) => i.op)).toEqual(["RHM", "RDW", "MMUL", "ACT", "WHM", "HALT"]);
    expect(p.instructions[3].f.ub).toBe(64);
    expect(p.data.map((s) => [s.memory, s.address, s.values.length])).toEqual([
      ["host", 0, 128],
      ["weights", 0, 64],
    ]);
    expect(encodeProgram(p).length).toBe(16 + 6 * 32 + 2 * 12 + 192 * 4);
  });
});

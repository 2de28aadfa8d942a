import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { assemble } from "../../src/isa/assembler.js";
import { decodeProgram, encodeProgram } from "../../src/isa/binary.js";
import { disassemble, formatF32, formatInstruction } from "../../src/isa/disassembler.js";
import { makeInstruction } from "../../src/isa/opcodes.js";
import type { Program } from "../../src/isa/program.js";
import { programArb } from "../helpers/isa-arbitraries.js";

const programs = programArb({ maxInstructions: 12, maxValues: 20 });

describe("formatF32", () => {
  it.each([
    [0.1, "0.1"],
    [1, "1"],
    [100, "100"],
    [-2.5, "-2.5"],
    [1 / 3, "0.33333334"],
    [16777217, "16777216"],
    [1e-45, "1e-45"],
    [3.4028234663852886e38, "3.4028235e+38"],
    [-0, "-0"],
    [0, "0"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ])("%s -> %s", (v, text) => {
    expect(formatF32(v)).toBe(text);
  });

  it("reads back as the same binary32, with at most 9 significant digits and none to spare", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = formatF32(v);
        expect(Object.is(Math.fround(Number(s)), v)).toBe(true);
        // Significant digits: drop sign, exponent, point, and leading or trailing zeros ("50198030" has 7).
        const digits = s
          .replace(/^-/, "")
          .replace(/e.*$/, "")
          .replace(".", "")
          .replace(/^0+|0+$/g, "");
        expect(digits.length).toBeLessThanOrEqual(9);
        // One digit fewer must not survive, or the output was not the shortest.
        if (digits.length > 1) expect(Math.fround(Number(v.toPrecision(digits.length - 1)))).not.toBe(v);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("formatInstruction", () => {
  it("prints every field in table order, set flags as bare words, enums by name", () => {
    const mmul = makeInstruction("MMUL", { ub: 32, ustride: 16, rows: 4, cols: 16, acc: 8, switch: 1 });
    expect(formatInstruction(mmul)).toBe("MMUL ub=32 ustride=16 rows=4 cols=16 acc=8 switch");
    const act = makeInstruction("ACT", { acc: 0, rows: 2, cols: 3, ub: 4, ustride: 5, fn: "sigmoid", outscale: 0.1 });
    expect(formatInstruction(act)).toBe("ACT acc=0 rows=2 cols=3 ub=4 ustride=5 fn=sigmoid inscale=1 outscale=0.1");
    expect(formatInstruction(makeInstruction("SYNC"))).toBe("SYNC");
  });

  it("rejects instructions the table cannot describe (internal errors)", () => {
    expect(() => formatInstruction({ op: "BOGUS", f: {} })).toThrow(/BOGUS/);
    expect(() => formatInstruction({ op: "VEC", f: { ...makeInstruction("VEC").f, fn: 6 } })).toThrow(/VEC\.fn/);
  });
});

describe("disassemble", () => {
  it("lays out a header, instructions with pc comments, then data in lines of 8", () => {
    const p: Program = {
      instructions: [makeInstruction("NOP", {}, "warm-up\nline"), makeInstruction("HALT")],
      data: [
        { memory: "weights", address: 16, values: Float32Array.from({ length: 10 }, (_, i) => i / 2) },
        { memory: "host", address: 0, values: Float32Array.of(-0, NaN) },
      ],
    };
    expect(disassemble(p)).toBe(
      [
        "; tpusim program: 2 instructions, 2 data segments",
        "    NOP ; pc 0: warm-up line",
        "    HALT ; pc 1",
        "",
        ".weights 16",
        "    .f32 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5",
        "    .f32 4, 4.5",
        "",
        ".host 0",
        "    .f32 -0, nan",
        "",
      ].join("\n"),
    );
  });

  it("round trip: encode -> decode -> disassemble -> assemble -> encode gives identical bytes", () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(programs, (p) => {
        const bytes = encodeProgram(p);
        const text = disassemble(decodeProgram(bytes));
        const again = encodeProgram(assemble(text, "round-trip.s"));
        if (p.instructions.length > 0 && p.data.length > 0) nonEmpty++;
        expect(Array.from(again)).toEqual(Array.from(bytes));
      }),
      { numRuns: 300 },
    );
    expect(nonEmpty).toBeGreaterThan(50);
  });

  it("canonicalises NaN payloads: the text form has only one NaN", () => {
    const values = new Float32Array(new Uint32Array([0x7fa00001]).buffer);
    const text = disassemble({ instructions: [], data: [{ memory: "host", address: 0, values }] });
    const back = assemble(text).data[0].values;
    expect(new Uint32Array(back.buffer)[0]).toBe(0x7fc00000);
  });
});

import { describe, it, expect } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { assemble } from "../../src/isa/assembler.js";
import { makeInstruction } from "../../src/isa/opcodes.js";
import type { Program } from "../../src/isa/program.js";

const fieldsOnly = (p: Program) => p.instructions.map(({ op, f }) => ({ op, f }));

describe("assemble: a program with labels, forward references, .equ and data", () => {
  const text = [
    "; a small program", //                                            line 1
    ".equ N, 4            # rows per pass",
    ".equ W_BASE, wts     ; forward reference to a data label",
    "start:",
    "    RHM host=input, hstride=16, ub=0 ustride=16 rows=N cols=16", // line 5
    "    rdw wm=W_BASE wstride=16 rows=16 cols=16 transpose=0",
    "    MMUL ub=0 ustride=16 rows=N cols=16 acc=0 switch",
    "    Mmul cols = 16, ub=0x40, ustride=16 rows=N acc=N accumulate=1 switch=0",
    "    ACT acc=0 rows=N cols=16 ub=out ustride=16 FN=ReLU outscale=0.5",
    "    VEC fn=mul dst=end_pc a=1 b=2 astride=0 bstride=0 dstride=0 rows=1 cols=1 imm=-inf", // line 10
    "    WHM ub=out ustride=16 host=output+4 hstride=16 rows=N cols=start-0",
    "    HALT",
    "end_pc:",
    ".host 0x100",
    "input: .f32 1.5, -2, 3e2", //                                       line 15
    "       .zero 2",
    "output:",
    ".fill 3, nan",
    ".weights 1000",
    "wts: .f32 -0", //                                                   line 20
    ".text",
    "    NOP",
    "out: SYNC",
  ].join("\n");
  const p = assemble(text, "demo.s");

  it("resolves every field, including symbols defined later", () => {
    expect(fieldsOnly(p)).toEqual([
      makeInstruction("RHM", { host: 256, hstride: 16, ub: 0, ustride: 16, rows: 4, cols: 16 }),
      makeInstruction("RDW", { wm: 1000, wstride: 16, rows: 16, cols: 16, transpose: 0 }),
      makeInstruction("MMUL", { ub: 0, ustride: 16, rows: 4, cols: 16, acc: 0, switch: 1, accumulate: 0 }),
      makeInstruction("MMUL", { ub: 64, ustride: 16, rows: 4, cols: 16, acc: 4, switch: 0, accumulate: 1 }),
      makeInstruction("ACT", { acc: 0, rows: 4, cols: 16, ub: 9, ustride: 16, fn: "relu", inscale: 1, outscale: 0.5 }),
      makeInstruction("VEC", {
        fn: "mul",
        dst: 8,
        dstride: 0,
        a: 1,
        astride: 0,
        b: 2,
        bstride: 0,
        rows: 1,
        cols: 1,
        imm: -Infinity,
      }),
      makeInstruction("WHM", { ub: 9, ustride: 16, host: 265, hstride: 16, rows: 4, cols: 0 }),
      makeInstruction("HALT"),
      makeInstruction("NOP"),
      makeInstruction("SYNC"),
    ]);
  });

  it("records each instruction's source line", () => {
    expect(p.instructions.map((i) => i.source)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 22, 23]);
  });

  it("turns each data section into one segment at its labels' addresses", () => {
    expect(p.data).toEqual([
      { memory: "host", address: 256, values: Float32Array.of(1.5, -2, 300, 0, 0, NaN, NaN, NaN) },
      { memory: "weights", address: 1000, values: Float32Array.of(-0) },
    ]);
    expect(Object.is(p.data[1].values[0], -0)).toBe(true);
  });
});

describe("assemble: smaller rules", () => {
  const RHM = "RHM hstride=1 ub=0 ustride=1 rows=1 cols=1";

  it("a label in front of .host names the section's first address", () => {
    const p = assemble(`buf: .host 64\n.f32 7\n.text\n${RHM} host=buf`);
    expect(p.instructions[0].f.host).toBe(64);
  });

  it("keeps an empty data section as an empty segment", () => {
    expect(assemble(".weights 5").data).toEqual([{ memory: "weights", address: 5, values: new Float32Array(0) }]);
  });

  it("accepts 28-bit unified-buffer addresses: past 2^24, the last tpu-v1 element, the field maximum", () => {
    const p = assemble(
      "MMUL ub=16777216 ustride=1 rows=1 cols=1 acc=0\n" +
        "VTR src=25165823 sstride=1 rows=1 cols=1 dst=0xfffffff dstride=1",
    );
    expect(p.instructions[0].f.ub).toBe(2 ** 24);
    expect(p.instructions[1].f.src).toBe(25165823);
    expect(p.instructions[1].f.dst).toBe(2 ** 28 - 1);
  });

  it("accepts the full 32-bit range and data ending exactly at 2^32", () => {
    const p = assemble(`${RHM} host=0xffffffff\n.host 0xfffffffe\n.f32 1, 2`);
    expect(p.instructions[0].f.host).toBe(4294967295);
    expect(p.data[0].address).toBe(4294967294);
  });

  it("reads f32 spellings and defaults scales to 1.0", () => {
    const p = assemble(
      "ACT acc=0 rows=1 cols=1 ub=0 ustride=1 fn=identity inscale=+INF\n" +
        "ACT acc=0 rows=1 cols=1 ub=0 ustride=1 fn=sigmoid inscale=NaN outscale=.25e1\n" +
        ".host 0\n.f32 1e-3 -1.5E+2 0.1 inf\n.fill 2, -inf",
    );
    expect(fieldsOnly(p).map((i) => [i.f.inscale, i.f.outscale])).toEqual([
      [Infinity, 1],
      [NaN, 2.5],
    ]);
    expect(p.data[0].values).toEqual(Float32Array.of(0.001, -150, 0.1, Infinity, -Infinity, -Infinity));
  });

  it("handles CRLF line endings and blank lines", () => {
    const p = assemble("NOP\r\n\r\n  \r\nHALT\r\n");
    expect(fieldsOnly(p)).toEqual([makeInstruction("NOP"), makeInstruction("HALT")]);
  });

  it("an overlap names the earlier segment's line and range", () => {
    const text = ".weights 0\n.zero 4\n.weights 3\n.f32 1";
    expect(() => assemble(text)).toThrow(/:3:1: weights data 3\.\.3 overlaps the segment from line 1 \(0\.\.3\)/);
  });

  it("names the input <input> when no file is given, so line and column are still printed", () => {
    expect(() => assemble("\nFOO")).toThrow(/^<input>:2:1: unknown mnemonic 'FOO'/);
  });
});

describe("assemble errors: UserInputError with line, col and field", () => {
  const M = "MMUL ub=0 ustride=1 rows=1 cols=1 acc=0";
  const ACT = "ACT acc=0 rows=1 cols=1 ub=0 ustride=1";
  const RHM = "RHM hstride=1 ub=0 ustride=1 rows=1 cols=1";
  const rows = (v: string) => `MMUL ub=0 ustride=1 rows=${v} cols=1 acc=0`;
  // [what, source, line, column: the first occurrence of this text on the line, or a number; field, message]
  const cases: [string, string, number, string | number, string | undefined, RegExp][] = [
    ["unknown mnemonic", "nop\n  FOO x=1", 2, "FOO", undefined, /unknown mnemonic 'FOO' \(known: NOP, HALT/],
    ["unknown field", `${M} bogus=3`, 1, "bogus", "bogus", /MMUL has no field 'bogus' \(fields: ub, ustride/],
    ["duplicate field", `${M} rows=2`, 1, "rows=2", "rows", /duplicate field rows/],
    ["duplicate flag", `${M} switch switch=1`, 1, "switch=1", "switch", /duplicate field switch/],
    ["missing field", "  MMUL ub=0 ustride=1 cols=1 acc=0", 1, "MMUL", "rows", /missing field rows/],
    ["not an integer", rows("1.5"), 1, "1.5", "rows", /'1\.5' is not an integer/],
    ["negative literal", rows("-1"), 1, "-1", "rows", /value -1 is negative/],
    ["negative via symbol", `.equ A, 2\n${rows("A-3")}`, 2, "A-3", "rows", /-1 is negative/],
    ["too wide", rows("65536"), 1, "65536", "rows", /16 bits, maximum 65535/],
    ["too wide, 32 bits", `${RHM} host=0x100000000`, 1, "0x1", "host", /32 bits, maximum 4294967295/],
    ["too wide, 28 bits", "MMUL ub=0x10000000 ustride=1 rows=1 cols=1 acc=0", 1, "0x1", "ub", /maximum 268435455/],
    ["unknown enum value", `${ACT} fn=tanh`, 1, "tanh", "fn", /unknown fn 'tanh' \(valid: identity, relu, sigmoid\)/],
    ["undefined symbol", rows("nothere"), 1, "nothere", "rows", /undefined symbol 'nothere'/],
    ["duplicate label", "a:\nNOP\n  a: HALT", 3, "a", undefined, /duplicate symbol 'a' \(first defined on line 1\)/],
    ["label and .equ clash", "x: NOP\n.equ x, 3", 2, "x", undefined, /duplicate symbol 'x'/],
    ["invalid label", "1abc: NOP", 1, "1abc", undefined, /invalid symbol name '1abc'/],
    ["malformed .fill", ".host 0\n.fill 3", 2, ".fill", undefined, /malformed directive: expected \.fill N, value/],
    ["malformed .f32", ".host 0\n.f32 1,,2", 2, ",", undefined, /malformed \.f32 directive: unexpected ','/],
    ["malformed .host", ".host", 1, ".host", undefined, /expected \.host ADDR, got 0/],
    ["malformed .equ", ".equ ONLY", 1, ".equ", undefined, /expected \.equ NAME, value/],
    ["unknown directive", ".word 3", 1, ".word", undefined, /unknown directive '\.word'/],
    ["overlapping data", ".host 0\n.f32 1, 2, 3\n  .host 2\n.f32 4", 3, ".host", undefined, /2\.\.2 overlaps/],
    ["bad f32", `${ACT} fn=relu inscale=abc`, 1, "abc", "inscale", /'abc' is not an f32 value/],
    ["f32 overflow", `${ACT} fn=relu outscale=1e39`, 1, "1e39", "outscale", /beyond the binary32 range/],
    ["bad flag value", `${M} switch=2`, 1, "2", "switch", /flag switch takes 0 or 1/],
    ["field needs a value", "MMUL rows ub=0 ustride=1 cols=1 acc=0", 1, "rows", "rows", /field rows needs a value/],
    ["missing value after =", `${M} switch=`, 1, M.length + 8, "switch", /missing value after 'switch='/],
    ["missing value, next operand", `MMUL switch= ${M.slice(5)}`, 1, "=", "switch", /missing value after 'switch='/],
    ["trailing comma", `${M},`, 1, ",", undefined, /trailing comma/],
    ["data outside a data section", "NOP\n.f32 1", 2, ".f32", undefined, /\.f32 outside a data section/],
    ["instruction in a data section", ".weights 0\nNOP", 2, "NOP", undefined, /NOP inside a \.weights data section/],
    ["circular .equ", `.equ A, B\n.equ B, A+1\n${rows("A")}`, 1, "B", undefined, /circular definition of 'A'/],
    ["forward symbol in .host", ".host BASE\n.equ BASE, 4", 1, "BASE", undefined, /'BASE' \(directives that place/],
    ["unused .equ is still checked", "NOP\n.equ X, nothere", 2, "nothere", undefined, /undefined symbol 'nothere'/],
    ["stray colon", ": NOP", 1, ":", undefined, /unexpected ':'/],
    ["segment too large", ".host 0\n.zero 0x10000000", 2, "0x1", undefined, /count 268435456 is outside 0\.\.67108864/],
    ["data past 2^32", ".host 0xffffffff\n.f32 1, 2", 2, ".f32", undefined, /runs past element address 4294967295/],
  ];

  it.each(cases)("%s", (_, source, line, at, field, pattern) => {
    let error: unknown;
    try {
      assemble(source, "t.s");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserInputError);
    const e = error as UserInputError;
    const col = typeof at === "number" ? at : source.split("\n")[line - 1].indexOf(at) + 1;
    expect(col).toBeGreaterThan(0);
    expect(e.where).toEqual({ file: "t.s", line, col, field });
    expect(e.message).toContain(`t.s:${line}:${col}`);
    if (field !== undefined) expect(e.message).toContain(`field ${field}`);
    expect(e.message).toMatch(pattern);
    expect(e.message).not.toContain("\n");
  });
});

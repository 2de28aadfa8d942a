import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { UserInputError } from "../../src/errors.js";
import { CANONICAL_NAN_BITS, decodeInstruction, encodeInstruction } from "../../src/isa/encoding.js";
import { INSTRUCTION_BYTES, OPCODES, makeInstruction } from "../../src/isa/opcodes.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { instructionArbFor } from "../helpers/isa-arbitraries.js";

/**
 * A 32-byte word from hex bytes, byte 0 first, zero-padded. Spaces are only for reading: a group is a
 * field when the field is byte-aligned, otherwise the bytes its nibbles share with its neighbours.
 */
function word(hex: string): number[] {
  const out = new Array<number>(INSTRUCTION_BYTES).fill(0);
  const digits = hex.replace(/\s+/g, "");
  for (let i = 0; i < digits.length; i += 2) out[i / 2] = parseInt(digits.slice(i, i + 2), 16);
  return out;
}

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an exception");
}

describe("encodeInstruction / decodeInstruction round trip", () => {
  it.each(OPCODES.map((o) => [o.mnemonic, o] as const))("%s: decode(encode(x)) equals x", (_, spec) => {
    fc.assert(
      fc.property(instructionArbFor(spec), (ins) => {
        const bytes = encodeInstruction(ins);
        expect(bytes.length).toBe(INSTRUCTION_BYTES);
        expect(decodeInstruction(bytes, 0)).toEqual(ins);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes at an offset inside a larger buffer", () => {
    const ins = makeInstruction("VTR", { src: 1, sstride: 2, rows: 3, cols: 4, dst: 5, dstride: 6 });
    const buf = new Uint8Array(3 * INSTRUCTION_BYTES);
    buf.set(encodeInstruction(ins), 2 * INSTRUCTION_BYTES);
    expect(decodeInstruction(buf, 2 * INSTRUCTION_BYTES)).toEqual(ins);
  });

  it("keeps -0 and canonicalises NaN in f32 fields", () => {
    const ins = makeInstruction("VSGD", { wm: 0, wstride: 0, acc: 0, rows: 1, cols: 1, lr: -0 });
    expect(Object.is(decodeInstruction(encodeInstruction(ins), 0).f.lr, -0)).toBe(true);
    // lr starts at bit 8+32+24+16+16+16 = 112 = byte 14, so bytes 14..17 hold the pattern.
    const nan = encodeInstruction({ ...ins, f: { ...ins.f, lr: NaN } });
    const bits = new DataView(nan.buffer).getUint32(14, true);
    expect(bits).toBe(CANONICAL_NAN_BITS);
    expect(bits).toBe(0x7fc00000);
  });
});

describe("known answers, computed by hand from the layout", () => {
  // Every unified-buffer address field (ub, src, dst, a, b) is 28 bits, so the fields after one start
  // 4 bits off a byte boundary. Nibble k of the word is bits 4k..4k+3; byte k holds nibble 2k in its low
  // half and nibble 2k+1 in its high half, so a byte is written as (nibble 2k+1)(nibble 2k).

  it("MMUL: a 28-bit ub puts the later fields on nibble boundaries", () => {
    // opcode | ub bits 8-35 | ustride 36-51 | rows 52-67 | cols 68-83 | acc 84-99 | switch 100, accumulate 101
    // Nibbles, low first: 0-1 opcode: 0 3 | 2-8 ub 0x1234567: 7 6 5 4 3 2 1 | 9-12 ustride 0x10: 0 1 0 0 |
    // 13-16 rows 4: 4 0 0 0 | 17-20 cols 0x1f2: 2 f 1 0 | 21-24 acc 0xabcd: d c b a | 25 flags: 3.
    // Paired into bytes: 30 | 67 45 23 | 01 (ustride 0, ub 1) | 01 | 40 (rows 4, ustride 0) | 00 |
    // 20 (cols 2, rows 0) | 1f | d0 (acc d, cols 0) | bc | 3a (flags 3, acc a).
    const ins = makeInstruction("MMUL", {
      ub: 0x1234567,
      ustride: 0x10,
      rows: 4,
      cols: 0x1f2,
      acc: 0xabcd,
      switch: 1,
      accumulate: 1,
    });
    expect(Array.from(encodeInstruction(ins))).toEqual(word("30 674523 01 01 40 00 20 1f d0 bc 3a"));
  });

  it("RHM: a 32-bit host address above 2^31 and the last tpu-v1 unified-buffer element", () => {
    // opcode | host bits 8-39 | hstride 40-63 | ub 64-91 | ustride 92-107 | rows 108-123 | cols 124-139
    // host and hstride are byte-aligned: bytes 1-4 and 5-7. ub = 25165823 = 24 * 2^20 - 1 = 0x17fffff,
    // which needs 25 bits. From byte 8 (nibble 16), nibbles low first: 16-22 ub: f f f f f 7 1 |
    // 23-26 ustride 2: 2 0 0 0 | 27-30 rows 0xffff: f f f f | 31-34 cols 3: 3 0 0 0.
    // Bytes 8-16: ff ff 7f | 21 (ustride 2, ub 1) | 00 | f0 (rows f, ustride 0) | ff | 3f (cols 3, rows f) | 00.
    const fields = { host: 0xfedcba98, hstride: 0xffffff, ub: 25165823, ustride: 2, rows: 0xffff, cols: 3 };
    const ins = makeInstruction("RHM", fields);
    const bytes = encodeInstruction(ins);
    expect(Array.from(bytes)).toEqual(word("10 98badcfe ffffff ffff7f 21 00 f0 ff 3f 00"));
    expect(decodeInstruction(bytes, 0).f).toEqual(fields);
  });

  it("ACT: ub and ustride straddle bytes, the 4-bit enum realigns the f32 fields", () => {
    // opcode | acc 8-23 | rows 24-39 | cols 40-55 | ub 56-83 | ustride 84-99 | fn 100-103 | inscale 104-135 |
    // outscale 136-167. acc, rows, cols are bytes 1-6. From byte 7 (nibble 14), nibbles low first:
    // 14-20 ub 0x89abcde: e d c b a 9 8 | 21-24 ustride 5: 5 0 0 0 | 25 fn sigmoid = 2.
    // Bytes 7-12: de bc 9a | 58 (ustride 5, ub 8) | 00 | 20 (fn 2, ustride 0). 28 + 16 + 4 = 48 bits, so
    // inscale 1.0 = 0x3f800000 is bytes 13-16 = 00 00 80 3f and outscale -2.0 = 0xc0000000 is bytes 17-20.
    const ins = makeInstruction("ACT", {
      acc: 1,
      rows: 2,
      cols: 3,
      ub: 0x89abcde,
      ustride: 5,
      fn: "sigmoid",
      inscale: 1,
      outscale: -2,
    });
    const expected = word("40 0100 0200 0300 debc9a 58 00 20 0000803f 000000c0");
    expect(Array.from(encodeInstruction(ins))).toEqual(expected);
  });

  it("VEC: three 28-bit unified-buffer addresses, including the top one and 2^24", () => {
    // opcode | fn 8-11 | dst 12-39 | dstride 40-55 | a 56-83 | astride 84-99 | b 100-127 | bstride 128-143 |
    // rows 144-159 | cols 160-175 | imm 176-207. fn + dst fill bytes 1-4 exactly; nibbles low first:
    // 0-1 opcode: 0 5 | 2 fn sub = 1 | 3-9 dst 0xfffffff: f f f f f f f -> bytes 50 f1 ff ff ff.
    // dstride 0x1234 is bytes 5-6 = 34 12. From byte 7 (nibble 14): 14-20 a = 2^24 = 0x1000000: 0 0 0 0 0 0 1 |
    // 21-24 astride 0xbeef: f e e b | 25-31 b 0x17fffff: f f f f f 7 1 -> bytes 7-15:
    // 00 00 00 | f1 (astride f, a 1) | ee | fb (b f, astride b) | ff ff | 17.
    // Then byte-aligned again: bstride 7, rows 8, cols 9 in bytes 16-21, imm 0.5 = 0x3f000000 in bytes 22-25.
    const ins = makeInstruction("VEC", {
      fn: "sub",
      dst: 2 ** 28 - 1,
      dstride: 0x1234,
      a: 2 ** 24,
      astride: 0xbeef,
      b: 0x17fffff,
      bstride: 7,
      rows: 8,
      cols: 9,
      imm: 0.5,
    });
    const bytes = encodeInstruction(ins);
    expect(Array.from(bytes)).toEqual(word("50 f1ffffff 3412 000000 f1 ee fb ffff 17 0700 0800 0900 0000003f"));
    expect(decodeInstruction(bytes, 0).f).toEqual(ins.f);
  });

  it("NOP and HALT are the opcode byte and 31 zero bytes", () => {
    expect(Array.from(encodeInstruction(makeInstruction("NOP")))).toEqual(word("00"));
    expect(Array.from(encodeInstruction(makeInstruction("HALT")))).toEqual(word("01"));
  });
});

describe("encoding bad values is an internal error naming op and field", () => {
  const mmul = makeInstruction("MMUL", { ub: 0, ustride: 1, rows: 1, cols: 1, acc: 0 });
  it.each([
    ["rows", 65536],
    ["rows", -1],
    ["rows", 1.5],
    ["switch", 2],
    ["ub", 2 ** 28],
  ])("MMUL %s = %s", (field, value) => {
    const e = catchError(() => encodeInstruction({ ...mmul, f: { ...mmul.f, [field]: value } }));
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(UserInputError);
    expect((e as Error).message).toContain(`MMUL.${field}`);
  });

  it("rejects an enum index past the value list, a missing field, an extra field, an unknown op", () => {
    const act = makeInstruction("ACT", { acc: 0, rows: 1, cols: 1, ub: 0, ustride: 1 });
    expect(() => encodeInstruction({ ...act, f: { ...act.f, fn: 3 } })).toThrow(/ACT\.fn/);
    const { rows: _, ...noRows } = mmul.f;
    expect(() => encodeInstruction({ op: "MMUL", f: noRows })).toThrow(/MMUL\.rows/);
    expect(() => encodeInstruction({ op: "MMUL", f: { ...mmul.f, bogus: 1 } })).toThrow(/bogus/);
    expect(() => encodeInstruction({ op: "FOO", f: {} })).toThrow(/FOO/);
  });
});

describe("decoding bad bytes is a UserInputError with offset and field", () => {
  function decodeError(bytes: Uint8Array, offset: number): UserInputError {
    const e = catchError(() => decodeInstruction(bytes, offset, "prog.bin"));
    expect(e).toBeInstanceOf(UserInputError);
    return e as UserInputError;
  }

  it("unknown opcode", () => {
    const buf = new Uint8Array(64);
    buf[32] = 0x7f;
    const e = decodeError(buf, 32);
    expect(e.where).toMatchObject({ file: "prog.bin", offset: 32, field: "opcode" });
    expect(e.message).toContain("prog.bin, byte offset 32, field opcode");
    expect(e.message).toContain("0x7f");
  });

  it("enum index out of range", () => {
    const bytes = encodeInstruction(makeInstruction("ACT", { acc: 0, rows: 1, cols: 1, ub: 0, ustride: 1 }));
    bytes[12] = (bytes[12] & 0x0f) | (5 << 4); // fn sits in bits 100-103, the high nibble of byte 12
    const e = decodeError(bytes, 0);
    expect(e.where).toMatchObject({ offset: 0, field: "fn" });
    expect(e.message).toMatch(/index 5/);
  });

  it("reserved bits set", () => {
    const fields = { ub: 0, ustride: 1, rows: 1, cols: 1, acc: 0, switch: 1, accumulate: 1 };
    const bytes = encodeInstruction(makeInstruction("MMUL", fields));
    // switch and accumulate are bits 100 and 101: bits 4 and 5 of byte 12 (acc's top nibble is below them).
    expect(bytes[12]).toBe(0b0011_0000);
    bytes[12] |= 0b0100_0000; // bit 102, the first bit after accumulate
    const e = decodeError(bytes, 0);
    expect(e.where.field).toBe("reserved");
    expect(e.message).toContain("bit 102");
    expect(e.message).toContain("bits 102-255 must be zero");
    const high = encodeInstruction(makeInstruction("NOP"));
    high[31] = 0x80;
    expect(decodeError(high, 0).message).toContain("bit 255");
  });

  it("fewer than 32 bytes", () => {
    const e = decodeError(new Uint8Array(40), 16);
    expect(e.where.offset).toBe(16);
    expect(e.message).toMatch(/expected 32 bytes, found 24/);
  });
});

describe("random bytes either decode or throw UserInputError", () => {
  const codes = OPCODES.map((o) => o.code);
  // Mostly valid opcodes and a zeroed tail, so that a good share of inputs decodes.
  const randomWord = fc
    .tuple(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.option(fc.constantFrom(...codes)),
      fc.integer({ min: 1, max: 32 }),
    )
    .map(([raw, code, cut]) => {
      const bytes = raw.slice();
      if (code !== null) bytes[0] = code;
      bytes.fill(0, cut);
      return bytes;
    });

  it("and whatever decodes re-encodes to the same bytes unless an f32 field is NaN", () => {
    let decoded = 0;
    fc.assert(
      fc.property(randomWord, (bytes) => {
        let ins: Instruction;
        try {
          ins = decodeInstruction(bytes, 0);
        } catch (e) {
          expect(e).toBeInstanceOf(UserInputError);
          return;
        }
        decoded++;
        if (Object.values(ins.f).some(Number.isNaN)) return;
        expect(Array.from(encodeInstruction(ins))).toEqual(Array.from(bytes));
      }),
      { numRuns: 2000 },
    );
    expect(decoded).toBeGreaterThan(100);
  });
});

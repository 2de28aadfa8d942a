import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { UserInputError } from "../../src/errors.js";
import { decodeProgram, encodeProgram, findSegmentOverlap } from "../../src/isa/binary.js";
import { makeInstruction } from "../../src/isa/opcodes.js";
import type { DataMemory, Program } from "../../src/isa/program.js";
import { programArb } from "../helpers/isa-arbitraries.js";

const programs = programArb({ maxInstructions: 10, maxValues: 12 });

function decodeError(bytes: Uint8Array): UserInputError {
  try {
    decodeProgram(bytes, "p.tpu");
  } catch (e) {
    expect(e).toBeInstanceOf(UserInputError);
    return e as UserInputError;
  }
  throw new Error("expected decodeProgram to fail");
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const header = (n: number, s: number) => [0x54, 0x50, 0x55, 0x53, 1, 0, 0, 0, ...le32(n), ...le32(s)];

describe("encodeProgram layout", () => {
  it("empty program is the 16-byte header", () => {
    expect(Array.from(encodeProgram({ instructions: [], data: [] }))).toEqual(header(0, 0));
  });

  it("header, instructions, then segments with memory id, padding, address, count and f32 values", () => {
    const p: Program = {
      instructions: [makeInstruction("HALT")],
      data: [{ memory: "weights", address: 0x01020304, values: Float32Array.of(1, -2) }],
    };
    const halt = [1, ...new Array(31).fill(0)];
    // 1.0 = 0x3f800000, -2.0 = 0xc0000000, little-endian
    const segment = [1, 0, 0, 0, 4, 3, 2, 1, 2, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0];
    expect(Array.from(encodeProgram(p))).toEqual([...header(1, 1), ...halt, ...segment]);
  });

  it("keeps a data NaN payload bit for bit", () => {
    const values = new Float32Array(new Uint32Array([0x7fa00001, 0xffc00000]).buffer);
    const bytes = encodeProgram({ instructions: [], data: [{ memory: "host", address: 0, values }] });
    expect(Array.from(bytes.subarray(28))).toEqual([0x01, 0x00, 0xa0, 0x7f, 0x00, 0x00, 0xc0, 0xff]);
    const back = decodeProgram(bytes).data[0].values;
    expect(Array.from(new Uint32Array(back.buffer))).toEqual([0x7fa00001, 0xffc00000]);
  });

  it("refuses overlapping segments and segments past 2^32 as internal errors", () => {
    const seg = (memory: DataMemory, address: number, n: number) => ({ memory, address, values: new Float32Array(n) });
    const overlapping = { instructions: [], data: [seg("host", 0, 4), seg("weights", 0, 4), seg("host", 3, 1)] };
    expect(() => encodeProgram(overlapping)).toThrow(/segments 0 and 2 overlap/);
    expect(() => encodeProgram({ instructions: [], data: [seg("host", 2 ** 32 - 1, 2)] })).toThrow(/address space/);
    expect(encodeProgram({ instructions: [], data: [seg("host", 2 ** 32 - 2, 2)] }).length).toBe(16 + 12 + 8);
  });
});

describe("findSegmentOverlap", () => {
  const ext = (memory: DataMemory, address: number, length: number) => ({ memory, address, length });
  it("reports the earlier and later segment in program order", () => {
    expect(findSegmentOverlap([ext("host", 10, 5), ext("host", 0, 11)])).toEqual([0, 1]);
    expect(findSegmentOverlap([ext("host", 0, 100), ext("host", 200, 1), ext("host", 50, 1)])).toEqual([0, 2]);
  });
  it("ignores touching, empty and other-memory segments", () => {
    expect(findSegmentOverlap([ext("host", 0, 4), ext("host", 4, 4), ext("weights", 0, 8), ext("host", 2, 0)])).toBe(
      undefined,
    );
  });
  it("agrees with a brute-force pairwise check", () => {
    const arb = fc.array(
      fc.record({ memory: fc.constantFrom<DataMemory>("host", "weights"), address: fc.nat(40), length: fc.nat(8) }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(arb, (segs) => {
        const share = (a: (typeof segs)[0], b: (typeof segs)[0]) =>
          a.memory === b.memory &&
          a.length > 0 &&
          b.length > 0 &&
          a.address < b.address + b.length &&
          b.address < a.address + a.length;
        const any = segs.some((a, i) => segs.some((b, j) => i < j && share(a, b)));
        const found = findSegmentOverlap(segs);
        expect(found !== undefined).toBe(any);
        if (found) expect(found[0] < found[1] && share(segs[found[0]], segs[found[1]])).toBe(true);
      }),
    );
  });
});

describe("decodeProgram", () => {
  it("round trips random programs: same program, same bytes", () => {
    fc.assert(
      fc.property(programs, (p) => {
        const bytes = encodeProgram(p);
        const back = decodeProgram(bytes);
        expect(back).toEqual(p);
        expect(Array.from(encodeProgram(back))).toEqual(Array.from(bytes));
      }),
      { numRuns: 300 },
    );
  });

  const good = encodeProgram({
    instructions: [makeInstruction("NOP"), makeInstruction("HALT")],
    data: [{ memory: "host", address: 8, values: Float32Array.of(1, 2, 3) }],
  });
  const patched = (at: number, ...b: number[]) => {
    const copy = good.slice();
    copy.set(b, at);
    return copy;
  };

  it.each([
    ["truncated header", good.subarray(0, 15), 0, /truncated header: expected 16 bytes, found 15/],
    ["bad magic", patched(0, 0x7f, 0x45), 0, /bad magic: expected "TPUS", found bytes 7f 45 55 53/],
    ["unsupported version", patched(4, 2), 4, /unsupported version 2/],
    ["reserved header field", patched(6, 1), 6, /reserved header field is 1/],
    ["truncated instruction", good.subarray(0, 60), 48, /truncated instruction 1 of 2: expected 32 bytes, found 12/],
    ["truncated segment header", good.subarray(0, 90), 80, /truncated data segment 0 of 1: expected a 12-byte header/],
    ["truncated segment values", good.subarray(0, 100), 80, /expected 3 f32 values \(12 bytes\), found 8 bytes/],
    ["unknown memory id", patched(80, 2), 80, /unknown memory id 2/],
    ["non-zero padding", patched(82, 9), 82, /padding byte is 9/],
    ["segment past 2^32", patched(84, 0xff, 0xff, 0xff, 0xff), 80, /run past the 32-bit address space/],
    ["trailing bytes", Uint8Array.from([...good, 0, 0]), 104, /trailing bytes: 2 bytes/],
    ["unknown opcode inside", patched(48, 0x99), 48, /unknown opcode 0x99/],
  ])("%s", (_, bytes, offset, pattern) => {
    const e = decodeError(bytes);
    expect(e.where.offset).toBe(offset);
    expect(e.message).toContain(`p.tpu, byte offset ${offset}`);
    expect(e.message).toMatch(pattern);
  });

  it("rejects overlapping segments at the later segment", () => {
    const p = encodeProgram({
      instructions: [],
      data: [
        { memory: "weights", address: 0, values: new Float32Array(4) },
        { memory: "weights", address: 4, values: new Float32Array(1) },
      ],
    });
    // Segment 1's header starts after the 16-byte file header, segment 0's 12-byte header and 4 values.
    p.set(le32(3), 44 + 4);
    const e = decodeError(p);
    expect(e.where.offset).toBe(44);
    expect(e.message).toMatch(/data segment 1 overlaps data segment 0 in weights memory/);
  });

  it("random and mutated files either decode or throw UserInputError", () => {
    const mutated = fc
      .tuple(
        programs,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat()),
      )
      .map(([p, edits, cut]) => {
        const bytes = encodeProgram(p);
        for (const [at, b] of edits) bytes[at % bytes.length] = b;
        return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
      });
    const inputs = fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated);
    let decoded = 0;
    fc.assert(
      fc.property(inputs, (bytes) => {
        let p: Program;
        try {
          p = decodeProgram(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(UserInputError);
          return;
        }
        decoded++;
        if (p.instructions.some((ins) => Object.values(ins.f).some(Number.isNaN))) return;
        expect(Array.from(encodeProgram(p))).toEqual(Array.from(bytes));
      }),
      { numRuns: 1000 },
    );
    expect(decoded).toBeGreaterThan(20);
  });
});

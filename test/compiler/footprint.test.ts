import { describe, expect, it } from "vitest";
import { addressLimit, block, footprint } from "../../src/compiler/footprint.js";
import { makeInstruction as I, OPCODE_BY_MNEMONIC } from "../../src/isa/opcodes.js";

describe("footprint", () => {
  it("bounding ranges of strided blocks, transposed tiles and accumulator rows", () => {
    expect(block(10, 7, 3, 2)).toEqual({ start: 10, end: 26 });
    expect(footprint(I("RDW", { wm: 5, wstride: 10, rows: 3, cols: 2, transpose: 1 }))).toEqual([
      { space: "weights", write: false, field: "wm", start: 5, end: 18 },
    ]);
    const mmul = footprint(I("MMUL", { ub: 0, ustride: 4, rows: 3, cols: 2, acc: 8, switch: 1, accumulate: 1 }));
    expect(mmul).toContainEqual({ space: "acc", write: true, field: "acc", start: 8, end: 11 });
    expect(mmul).toContainEqual({ space: "acc", write: false, field: "acc", start: 8, end: 11 });
    expect(footprint(I("VTR", { src: 0, sstride: 5, rows: 2, cols: 5, dst: 100, dstride: 2 }))[1]).toMatchObject({ start: 100, end: 110 });
    expect(footprint(I("VEC", { fn: "copy", dst: 0, dstride: 1, a: 4, astride: 1, b: 50, bstride: 1, rows: 1, cols: 1 })).length).toBe(2);
  });

  it("address limits follow the narrowest address field of the ISA table", () => {
    const ubBits = OPCODE_BY_MNEMONIC.get("MMUL")!.fields.find((f) => f.name === "ub")!.bits;
    expect(addressLimit("ub")).toBeLessThanOrEqual(2 ** ubBits);
    expect(addressLimit("weights")).toBe(2 ** 32);
  });
});

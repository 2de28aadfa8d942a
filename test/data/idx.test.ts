import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { idxHeaderLength, parseIdx, readIdx } from "../../src/data/idx.js";
import { errorOf } from "../helpers/user-error.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const dir = mkdtempSync(join(tmpdir(), "tpusim-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file: 00 00 <type> <ndims> then big-endian dims then data. */
function idx(dims: number[], data: number[], type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = type;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}


describe("parseIdx", () => {
  it("reads 1-D and 3-D unsigned-byte arrays", () => {
    expect(parseIdx(idx([3], [7, 0, 255]), "l.idx")).toEqual({
      dims: [3],
      data: new Uint8Array([7, 0, 255]),
    });
    const img = parseIdx(idx([2, 2, 3], [...Array(12).keys()]), "i.idx");
    expect(img.dims).toEqual([2, 2, 3]);
    expect([...img.data]).toEqual([...Array(12).keys()]);
  });

  it("reads dimensions above 2^16 as big-endian u32", () => {
    const bytes = idx([70000], new Array(70000).fill(1));
    expect(parseIdx(bytes, "big.idx").dims).toEqual([70000]);
  });

  it("accepts an empty array", () => {
    expect(parseIdx(idx([0, 28, 28], []), "e.idx").data.length).toBe(0);
  });

  it("header length is 4 bytes plus 4 per dimension", () => {
    expect(idxHeaderLength(1)).toBe(8);
    expect(idxHeaderLength(3)).toBe(16);
  });

  it("rejects a bad magic number at offset 0", () => {
    const bytes = idx([1], [0]);
    bytes[1] = 0x12;
    const err = errorOf(() => parseIdx(bytes, "x.idx"));
    expect(err.message).toBe(
      "x.idx, byte offset 0: bad magic: an IDX file starts with bytes 00 00, found 00 12",
    );
    expect(err.where).toEqual({ file: "x.idx", offset: 0 });
  });

  it("names an unsupported type code", () => {
    const err = errorOf(() => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), "f.idx"));
    expect(err.message).toBe(
      "f.idx, byte offset 2: unsupported IDX type code 0x0d (32-bit float); only 0x08 (unsigned byte) is supported",
    );
    expect(errorOf(() => parseIdx(idx([1], [0], 0x42), "f.idx")).detail).toContain("0x42 (unknown)");
  });

  it("rejects zero dimensions", () => {
    const err = errorOf(() => parseIdx(new Uint8Array([0, 0, 8, 0]), "z.idx"));
    expect(err.where.offset).toBe(3);
    expect(err.detail).toContain("0 dimensions");
  });

  it("rejects a file shorter than its header", () => {
    expect(errorOf(() => parseIdx(new Uint8Array([0, 0]), "s.idx")).detail).toContain("only 2 bytes");
    const err = errorOf(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), "s.idx"));
    expect(err.detail).toBe("truncated header: 3 dimensions need a 16-byte header, the file has only 8 bytes");
  });

  it("rejects truncated data, naming expected and found byte counts", () => {
    const err = errorOf(() => parseIdx(idx([2, 3], [1, 2, 3, 4]), "t.idx"));
    expect(err.message).toBe(
      "t.idx, byte offset 16: truncated: expected 6 bytes of data for dimensions 2 x 3, found 4",
    );
  });

  it("rejects extra trailing bytes at the offset where the data should end", () => {
    const err = errorOf(() => parseIdx(idx([2], [1, 2, 3]), "t.idx"));
    expect(err.where.offset).toBe(10);
    expect(err.detail).toBe("1 unexpected bytes after the 2 bytes of data for dimensions 2");
  });
});

describe("readIdx", () => {
  it("reads a file", () => {
    const path = join(dir, "ok.idx");
    writeFileSync(path, idx([2], [4, 5]));
    expect(readIdx(path)).toEqual({ dims: [2], data: new Uint8Array([4, 5]) });
  });

  it("fixture bad-magic.idx", () => {
    const path = join(FIXTURES, "bad-magic.idx");
    const err = errorOf(() => readIdx(path));
    expect(err.message).toBe(`${path}, byte offset 0: bad magic: an IDX file starts with bytes 00 00, found 01 00`);
  });

  it("fixture truncated-images.idx", () => {
    const path = join(FIXTURES, "truncated-images.idx");
    const err = errorOf(() => readIdx(path));
    expect(err.message).toBe(
      `${path}, byte offset 116: truncated: expected 1568 bytes of data for dimensions 2 x 28 x 28, found 100`,
    );
  });

  it("reports a missing file and a folder as UserInputError", () => {
    expect(errorOf(() => readIdx(join(dir, "nope.idx"))).message).toBe(
      `${join(dir, "nope.idx")}: cannot read the file: it does not exist`,
    );
    expect(errorOf(() => readIdx(dir)).detail).toBe("cannot read the file: it is a folder");
  });
});

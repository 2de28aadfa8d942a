import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { encodeNpy, formatShape, parseNpy, readNpy, writeNpy } from "../../src/data/npy.js";
import { errorOf } from "../helpers/user-error.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const dir = mkdtempSync(join(tmpdir(), "tpusim-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A .npy file as NumPy lays it out: magic, version, header length, padded dict header, data. */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const encoded = new TextEncoder().encode(header);
  const pad = (64 - ((prefix + encoded.length + 1) % 64)) % 64;
  const head = new Uint8Array([...encoded, ...new Array(pad).fill(0x20), 0x0a]);
  const out = new Uint8Array(prefix + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, head.length, true);
  else view.setUint32(8, head.length, true);
  out.set(head, prefix);
  out.set(data, prefix + head.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = "False") =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

/** Little-endian bytes of `values` written with one DataView setter. */
function packed(size: number, values: number[], set: (v: DataView, o: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(size * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * size, x));
  return out;
}


describe("parseNpy dtypes", () => {
  const cases: [string, number, number[], (v: DataView, o: number, x: number) => void][] = [
    ["<f4", 4, [1.5, -2.25, 3e-5], (v, o, x) => v.setFloat32(o, x, true)],
    ["<f8", 8, [0.1, -1e300, 7], (v, o, x) => v.setFloat64(o, x, true)],
    ["|i1", 1, [-128, 0, 127], (v, o, x) => v.setInt8(o, x)],
    ["<i1", 1, [-5, 6, -7], (v, o, x) => v.setInt8(o, x)],
    ["|u1", 1, [0, 200, 255], (v, o, x) => v.setUint8(o, x)],
    ["<i2", 2, [-32768, 1000, 32767], (v, o, x) => v.setInt16(o, x, true)],
    ["<i4", 4, [-2147483648, 12345678, 2147483647], (v, o, x) => v.setInt32(o, x, true)],
    ["<i8", 8, [-(2 ** 53), 42, 2 ** 40], (v, o, x) => v.setBigInt64(o, BigInt(x), true)],
    ["<u2", 2, [0, 40000, 65535], (v, o, x) => v.setUint16(o, x, true)],
    ["<u4", 4, [0, 3e9, 4294967295], (v, o, x) => v.setUint32(o, x, true)],
  ];
  for (const [descr, size, values, set] of cases) {
    it(`reads ${descr} as a 1 x 3 matrix`, () => {
      const m = parseNpy(npy(dict(descr, "(3,)"), packed(size, values, set)), "a.npy");
      expect(m.rows).toBe(1);
      expect(m.cols).toBe(3);
      expect([...m.data]).toEqual(descr === "<f4" ? values.map(Math.fround) : values);
    });
  }
});

describe("parseNpy layout", () => {
  const f8 = (values: number[]) => packed(8, values, (v, o, x) => v.setFloat64(o, x, true));

  it("reads a 2-D C-order array as is", () => {
    const m = parseNpy(npy(dict("<f8", "(2, 3)"), f8([1, 2, 3, 4, 5, 6])), "c.npy");
    expect(m).toEqual({ rows: 2, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, 6]) });
  });

  it("transposes a fortran_order array on read", () => {
    // Column-major bytes of [[1, 2, 3], [4, 5, 6]].
    const m = parseNpy(npy(dict("<f8", "(2, 3)", "True"), f8([1, 4, 2, 5, 3, 6])), "f.npy");
    expect(m).toEqual({ rows: 2, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, 6]) });
  });

  it("reads versions 2.0 and 3.0 (u32 header length, UTF-8 header)", () => {
    for (const version of [2, 3]) {
      const m = parseNpy(npy(dict("<f8", "(1, 2)"), f8([7, 8]), version), "v.npy");
      expect(m).toEqual({ rows: 1, cols: 2, data: new Float64Array([7, 8]) });
    }
  });

  it("accepts double quotes, Python 2 long ints, key order and empty arrays", () => {
    const header = `{"shape": (2L, 0L), "fortran_order": False, "descr": "<f8"}`;
    expect(parseNpy(npy(header, new Uint8Array(0)), "q.npy")).toEqual({ rows: 2, cols: 0, data: new Float64Array(0) });
  });

  it("formats shapes the way Python prints them", () => {
    expect([formatShape([]), formatShape([5]), formatShape([3, 4])]).toEqual(["()", "(5,)", "(3, 4)"]);
  });
});

describe("writeNpy", () => {
  it("writes exactly the bytes numpy.save writes for float32", () => {
    const bytes = encodeNpy({ rows: 2, cols: 3, data: new Float64Array([1, 2, 3, 4, 5, 6]) });
    const header = new TextDecoder().decode(bytes.subarray(10, 128));
    expect(bytes.length).toBe(128 + 24);
    expect([...bytes.subarray(0, 10)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
    expect(header).toBe(dict("<f4", "(2, 3)").padEnd(117, " ") + "\n");
  });

  it("round-trips through a file, rounding to float32", () => {
    const path = join(dir, "w.npy");
    const data = new Float64Array([0.1, -2, 1e-3, 65504, -0, 3.5]);
    writeNpy(path, { rows: 3, cols: 2, data });
    expect(readNpy(path)).toEqual({ rows: 3, cols: 2, data: data.map(Math.fround) });
    // NumPy aligns the data to 64 bytes: here it starts right after a 128-byte header.
    expect(readFileSync(path).length).toBe(128 + 6 * 4);
  });

  it("rejects a matrix whose data length does not match its shape", () => {
    expect(() => encodeNpy({ rows: 2, cols: 2, data: new Float64Array(3) })).toThrow(RangeError);
  });
});

describe("parseNpy errors", () => {
  const good = () => npy(dict("<f4", "(3, 4)"), new Uint8Array(48));

  it("bad magic", () => {
    const bytes = good();
    bytes[1] = 0x58;
    const err = errorOf(() => parseNpy(bytes, "m.npy"));
    expect(err.message).toBe(
      'm.npy, byte offset 0: bad magic: not a .npy file (expected 93 4e 55 4d 50 59, "\\x93NUMPY", found 93 58 55 4d 50 59)',
    );
    expect(errorOf(() => parseNpy(new Uint8Array(0), "e.npy")).detail).toContain("found an empty file");
  });

  it("bad version", () => {
    const bytes = good();
    bytes[6] = 4;
    const err = errorOf(() => parseNpy(bytes, "v.npy"));
    expect(err.where.offset).toBe(6);
    expect(err.detail).toBe("unsupported .npy format version 4.0; versions 1.0, 2.0 and 3.0 are supported");
  });

  it("header length beyond the end of the file", () => {
    const bytes = good().subarray(0, 60);
    const err = errorOf(() => parseNpy(bytes, "h.npy"));
    expect(err.detail).toBe("truncated: the header claims 118 bytes but only 50 follow");
  });

  it("malformed header dicts, with the byte offset of the problem", () => {
    const cases: [string, string, number][] = [
      ["{'descr' '<f4'}", "expected ':' after the key 'descr', found \"'<f4'}\"", 19],
      ["['descr']", "expected a dict like", 10],
      ["{'descr': '<f4', 'shape': (3, 4)}", "the key 'fortran_order' is missing", 10],
      ["{'descr': '<f4", "unterminated string", 20],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (3, 4)}", "'fortran_order' must be True or False", 44],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, -4)}", "'shape' must be a tuple of non-negative integers, found (3, -4)", 60],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)} x", "unexpected text after the header dict", 68],
      ["{'descr': <f4}", 'expected a Python literal, found "<f4}', 20],
      ["{1: 2}", "dict keys must be strings", 11],
    ];
    for (const [header, detail, offset] of cases) {
      const err = errorOf(() => parseNpy(npy(header, new Uint8Array(0)), "d.npy"));
      expect(err.detail).toContain(`malformed .npy header: ${detail}`);
      expect(err.where.offset).toBe(offset);
    }
  });

  it("counts header offsets in bytes for UTF-8 (version 3.0) headers", () => {
    const header = "{'é': 1, 'descr' '<f4'}";
    const err = errorOf(() => parseNpy(npy(header, new Uint8Array(0), 3), "u.npy"));
    // The bad value is character 17 of the header but byte 18, because "é" takes two bytes.
    expect(err.where.offset).toBe(12 + 18);
  });

  it("unsupported, big-endian and structured dtypes", () => {
    expect(errorOf(() => parseNpy(npy(dict("<c8", "(1,)"), new Uint8Array(8)), "d.npy")).message).toBe(
      "d.npy, byte offset 20: unsupported dtype '<c8'; supported dtypes are <f4 <f8 |i1 <i1 |u1 <i2 <i4 <i8 <u2 <u4",
    );
    expect(errorOf(() => parseNpy(npy(dict(">f4", "(1,)"), new Uint8Array(4)), "b.npy")).detail).toBe(
      "big-endian dtype '>f4' is not supported; save the array as little-endian, e.g. with arr.astype('<f4')",
    );
    const structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}";
    expect(errorOf(() => parseNpy(npy(structured, new Uint8Array(4)), "s.npy")).detail).toBe(
      "unsupported dtype [('a', '<f4')]: structured dtypes are not supported",
    );
  });

  it("ranks other than 1 and 2", () => {
    expect(errorOf(() => parseNpy(npy(dict("<f4", "()"), new Uint8Array(4)), "r.npy")).detail).toBe(
      "shape () has 0 dimensions; only 1-D and 2-D arrays are supported",
    );
    const err = errorOf(() => parseNpy(npy(dict("<f4", "(2, 3, 4)"), new Uint8Array(96)), "r.npy"));
    expect(err.detail).toBe("shape (2, 3, 4) has 3 dimensions; only 1-D and 2-D arrays are supported");
    expect(err.where.offset).toBe(10 + dict("<f4", "(2, 3, 4)").indexOf("(2"));
  });

  it("data length mismatch", () => {
    const short = npy(dict("<f4", "(3, 4)"), new Uint8Array(40));
    expect(errorOf(() => parseNpy(short, "t.npy")).message).toBe(
      `t.npy, byte offset ${short.length}: truncated: shape (3, 4) of <f4 needs 48 bytes, found 40`,
    );
    const long = npy(dict("<f4", "(3,)"), new Uint8Array(13));
    expect(errorOf(() => parseNpy(long, "l.npy")).message).toBe(
      `l.npy, byte offset ${long.length - 1}: too long: shape (3,) of <f4 needs 12 bytes, found 13`,
    );
  });

  it("fixture bad-dtype.npy", () => {
    const path = join(FIXTURES, "bad-dtype.npy");
    expect(errorOf(() => readNpy(path)).message).toMatch(new RegExp(`^${path}, byte offset 20: unsupported dtype '<c8'`));
  });

  it("a missing file", () => {
    writeFileSync(join(dir, "present.npy"), good());
    expect(readNpy(join(dir, "present.npy")).rows).toBe(3);
    expect(errorOf(() => readNpy(join(dir, "absent.npy"))).detail).toContain("does not exist");
  });
});

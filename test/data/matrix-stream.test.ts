/**
 * Row-block reading of .npy files (every supported dtype, C and Fortran order) against the whole-file
 * reader, and product files written block by block: '<i4' for int8 products (exact beyond 2^24),
 * '<f4' for bf16, CSV integers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMatrixRowSink, openMatrixRows } from "../../src/data/matrix-stream.js";
import { parseNpy } from "../../src/data/npy.js";
import { parseMatrixCsv } from "../../src/data/matrix-csv.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-mstream-"));

/** A .npy file written by hand (not by src/data): header dict, padded to 64 bytes, then `data`. */
function npyFile(name: string, descr: string, shape: string, fortran: boolean, data: Uint8Array): string {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shape}, }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const header = Buffer.from(dict + " ".repeat(pad) + "\n", "latin1");
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([pre, header, Buffer.from(data)]));
  return path;
}

describe("openMatrixRows (.npy)", () => {
  const rows = 7;
  const cols = 5;
  const values = Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 101) - 50);
  const cases: [string, (v: number[]) => Uint8Array][] = [
    ["|i1", (v) => new Uint8Array(Int8Array.from(v).buffer)],
    ["<i4", (v) => new Uint8Array(Int32Array.from(v).buffer)],
    ["<f4", (v) => new Uint8Array(Float32Array.from(v, (x) => x / 4).buffer)],
    ["<f8", (v) => new Uint8Array(Float64Array.from(v, (x) => x / 3).buffer)],
    ["<i2", (v) => new Uint8Array(Int16Array.from(v).buffer)],
  ];
  for (const [descr, encode] of cases) {
    for (const fortran of [false, true]) {
      it(`${descr}${fortran ? ", Fortran order" : ""}: any row range equals the whole-file reader`, () => {
        const onDisk = fortran ? Array.from({ length: rows * cols }, (_, k) => values[(k % rows) * cols + Math.floor(k / rows)]) : values;
        const path = npyFile(`m-${descr.slice(1)}-${fortran}.npy`, descr, `(${rows}, ${cols})`, fortran, encode(onDisk));
        const whole = parseNpy(new Uint8Array(readFileSync(path)), path);
        const src = openMatrixRows(path);
        try {
          expect([src.rows, src.cols]).toEqual([rows, cols]);
          for (const [r0, n] of [[0, rows], [2, 3], [6, 1]]) {
            const out = new Float64Array(2 + n * cols);
            src.readRows(r0, n, out, 2);
            expect(Array.from(out.subarray(2))).toEqual(Array.from(whole.data.subarray(r0 * cols, (r0 + n) * cols)));
          }
        } finally {
          src.close();
        }
      });
    }
  }

  it("a truncated file fails when opened, naming the file and offset", () => {
    const path = npyFile("short.npy", "<f4", "(3, 4)", false, new Uint8Array(40));
    expect(() => openMatrixRows(path)).toThrow(/short\.npy, byte offset \d+: truncated: shape \(3, 4\) of <f4 needs 48 bytes, found 40/);
  });
});

describe("createMatrixRowSink", () => {
  const big = [2 ** 24 + 1, -(2 ** 31), 2 ** 31 - 1, -7, 0, 123456789];

  it("int32 .npy: '<i4', exact above 2^24, written in two blocks", async () => {
    const path = join(dir, "c.npy");
    const sink = createMatrixRowSink(path, 3, 2, "int32");
    await sink.writeRows(Float64Array.from([9, 9, ...big.slice(0, 4)]), 2, 2);
    await sink.writeRows(Float64Array.from(big.slice(4)), 0, 1);
    await sink.close();
    const bytes = new Uint8Array(readFileSync(path));
    expect(new TextDecoder("latin1").decode(bytes.subarray(10, 60))).toContain("'descr': '<i4'");
    const m = parseNpy(bytes, path);
    expect([m.rows, m.cols]).toEqual([3, 2]);
    expect(Array.from(m.data)).toEqual(big);
  });

  it("float32 .npy: '<f4' holds fp32 values exactly", async () => {
    const path = join(dir, "f.npy");
    const v = [Math.fround(0.1), -Math.fround(1e-30), 3.5, Math.fround(16777217)];
    const sink = createMatrixRowSink(path, 2, 2, "float32");
    await sink.writeRows(Float64Array.from(v), 0, 2);
    await sink.close();
    const m = parseNpy(new Uint8Array(readFileSync(path)), path);
    expect(Array.from(m.data)).toEqual(v);
  });

  it("CSV: integers as integers; nothing under the final name before close", async () => {
    const path = join(dir, "c.csv");
    const sink = createMatrixRowSink(path, 3, 2, "int32");
    await sink.writeRows(Float64Array.from(big), 0, 3);
    expect(() => readFileSync(path)).toThrow();
    await sink.close();
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")[0]).toBe("16777217,-2147483648");
    expect(Array.from(parseMatrixCsv(text, path).data)).toEqual(big);
  });
});

describe("openMatrixRows (.csv)", () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("any row range equals parseMatrixCsv: BOM, CRLF, comments between rows, blank lines around them", () => {
    const text = "\uFEFF# header comment\r\n\r\n1, 2.5,-3\r\n# between\r\n4,5e2 , 6\r\n  7,8,9\r\n-0,inf,1e-300\r\n\r\n\r\n";
    const path = write("m.csv", text);
    const whole = parseMatrixCsv(text, path);
    const src = openMatrixRows(path);
    try {
      expect([src.rows, src.cols]).toEqual([4, 3]);
      for (const [r0, n] of [[0, 4], [1, 2], [3, 1]]) {
        const out = new Float64Array(n * 3);
        src.readRows(r0, n, out, 0);
        expect(Array.from(out)).toEqual(Array.from(whole.data.subarray(r0 * 3, (r0 + n) * 3)));
      }
    } finally {
      src.close();
    }
  });

  it("the structure is checked when the file is opened: ragged rows, a blank line between rows, no rows", () => {
    expect(() => openMatrixRows(write("r.csv", "1,2\n3,4\n5\n"))).toThrow(/r\.csv:3:1: line 3 has 1 values, line 1 has 2/);
    expect(() => openMatrixRows(write("b.csv", "1,2\n\n3,4\n"))).toThrow(/b\.csv:2:1: line 2 is blank but more rows follow/);
    expect(() => openMatrixRows(write("e.csv", "# only a comment\n\n"))).toThrow(/e\.csv:1: empty file/);
  });

  it("a bad value is reported with its line and column when its row is read", () => {
    const src = openMatrixRows(write("v.csv", "1,2\n# c\n3, x4\n"));
    try {
      const out = new Float64Array(4);
      src.readRows(0, 1, out, 0);
      expect(() => src.readRows(1, 1, out, 0)).toThrow(/v\.csv:3:4: "x4" is not a number/);
    } finally {
      src.close();
    }
  });
});

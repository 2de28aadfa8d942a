import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import {
  formatMatrixCsv,
  parseMatrixCsv,
  readMatrixCsv,
  writeMatrixCsv,
} from "../../src/data/matrix-csv.js";
import { errorOf } from "../helpers/user-error.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const dir = mkdtempSync(join(tmpdir(), "tpusim-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("parseMatrixCsv", () => {
  it("reads rows with optional spaces and a trailing newline", () => {
    expect(parseMatrixCsv("1,2,3\n4, 5 ,  6\n", "m.csv")).toEqual({
      rows: 2,
      cols: 3,
      data: new Float64Array([1, 2, 3, 4, 5, 6]),
    });
  });

  it("ignores comment lines, leading and trailing blank lines, CRLF and a BOM", () => {
    const text = "\uFEFF# weights of layer 1\r\n\r\n1,2\r\n  # mid comment\r\n3,4\r\n\r\n\r\n";
    expect(parseMatrixCsv(text, "m.csv")).toEqual({ rows: 2, cols: 2, data: new Float64Array([1, 2, 3, 4]) });
  });

  it("reads signs, decimals, exponents, NaN and infinities", () => {
    const m = parseMatrixCsv("-1.5,+.25,3.,1e-3,-2E+2,nan,inf,-Infinity", "m.csv");
    expect([...m.data]).toEqual([-1.5, 0.25, 3, 1e-3, -200, NaN, Infinity, -Infinity]);
  });

  it("reads a single value", () => {
    expect(parseMatrixCsv("42", "m.csv")).toEqual({ rows: 1, cols: 1, data: new Float64Array([42]) });
  });

  it("quotes a non-numeric cell and names its line and column", () => {
    const err = errorOf(() => parseMatrixCsv("1,2,3\n4, abc,6\n", "m.csv"));
    expect(err.message).toBe('m.csv:2:4: "abc" is not a number');
    expect(err.where).toEqual({ file: "m.csv", line: 2, col: 4 });
  });

  it("rejects what Number() would quietly accept", () => {
    for (const cell of ["0x10", "1_000", "Infinity1", "1e", "--1"]) {
      expect(errorOf(() => parseMatrixCsv(`1,${cell}`, "m.csv")).detail).toBe(`"${cell}" is not a number`);
    }
  });

  it("rejects an empty cell, e.g. from a trailing comma", () => {
    const err = errorOf(() => parseMatrixCsv("1,2,\n", "m.csv"));
    expect(err.message).toBe("m.csv:1:5: value 3 of the row is empty");
  });

  it("rejects a ragged row, naming both lines", () => {
    const err = errorOf(() => parseMatrixCsv("# c\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n", "m.csv"));
    expect(err.message).toBe("m.csv:4:1: line 4 has 4 values, line 2 has 5");
  });

  it("rejects a blank line between rows", () => {
    const err = errorOf(() => parseMatrixCsv("1,2\n\n# c\n3,4\n", "m.csv"));
    expect(err.message).toBe("m.csv:2:1: line 2 is blank but more rows follow; remove the blank line");
  });

  it("rejects an empty file and a file of only comments", () => {
    for (const text of ["", "\n\n", "# nothing here\n"]) {
      expect(errorOf(() => parseMatrixCsv(text, "e.csv")).message).toBe(
        "e.csv:1: empty file: no matrix rows found (only blank or # comment lines)",
      );
    }
  });
});

describe("readMatrixCsv and writeMatrixCsv", () => {
  it("fixture ragged.csv", () => {
    const path = join(FIXTURES, "ragged.csv");
    expect(errorOf(() => readMatrixCsv(path)).message).toBe(`${path}:4:1: line 4 has 2 values, line 2 has 3`);
  });

  it("round-trips float64 values exactly, including -0, NaN and infinities", () => {
    const path = join(dir, "w.csv");
    const data = new Float64Array([0.1, -0, 1e-300, Math.PI, NaN, -Infinity, 2 ** 60, 5e-324]);
    writeMatrixCsv(path, { rows: 2, cols: 4, data });
    const back = readMatrixCsv(path);
    expect(back.rows).toBe(2);
    expect(back.cols).toBe(4);
    back.data.forEach((x, i) => expect(Object.is(x, data[i])).toBe(true));
    expect(readFileSync(path, "utf8")).toBe(
      "0.1,-0,1e-300,3.141592653589793\nNaN,-Infinity,1152921504606847000,5e-324\n",
    );
  });

  it("rejects a matrix whose data length does not match its shape", () => {
    expect(() => formatMatrixCsv({ rows: 1, cols: 2, data: new Float64Array(3) })).toThrow(RangeError);
  });

  it("reports a missing file", () => {
    expect(errorOf(() => readMatrixCsv(join(dir, "absent.csv"))).detail).toContain("does not exist");
  });
});

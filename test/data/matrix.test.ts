import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { readMatrix, writeMatrix, type Matrix } from "../../src/data/matrix.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-matrix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const m: Matrix = { rows: 2, cols: 2, data: new Float64Array([1, -2.5, 0.25, 8]) };

describe("readMatrix / writeMatrix", () => {
  it("dispatches .npy to the NumPy format", () => {
    const path = join(dir, "w.npy");
    writeMatrix(path, m);
    expect(readFileSync(path).subarray(1, 6).toString("latin1")).toBe("NUMPY");
    expect(readMatrix(path)).toEqual(m);
  });

  it("dispatches .csv, case-insensitively, to CSV", () => {
    const path = join(dir, "w.CSV");
    writeMatrix(path, m);
    expect(readFileSync(path, "utf8")).toBe("1,-2.5\n0.25,8\n");
    expect(readMatrix(path)).toEqual(m);
  });

  it("rejects other extensions, listing the supported ones", () => {
    for (const [path, shown] of [
      ["w.txt", 'extension ".txt"'],
      ["weights", "no extension"],
    ]) {
      const read = () => readMatrix(join(dir, path));
      const write = () => writeMatrix(join(dir, path), m);
      for (const fn of [read, write]) {
        expect(fn).toThrow(UserInputError);
        expect(fn).toThrow(`${join(dir, path)}: cannot tell the matrix format from ${shown}; supported extensions are .npy and .csv`);
      }
    }
  });
});

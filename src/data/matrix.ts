/**
 * A dense float64 matrix as read from or written to a user file, and the extension dispatch
 * between the supported formats (.npy, .csv).
 */
import { extname } from "node:path";
import { UserInputError } from "../errors.js";
import { readMatrixCsv, writeMatrixCsv } from "./matrix-csv.js";
import { readNpy, writeNpy } from "./npy.js";

export interface Matrix {
  rows: number;
  cols: number;
  /** rows * cols values, row-major. */
  data: Float64Array;
}

const SUPPORTED = "supported extensions are .npy and .csv";

/** The format a matrix file's extension names; UserInputError for any other extension. */
export function matrixFormatOf(path: string): "npy" | "csv" {
  const ext = extname(path).toLowerCase();
  if (ext === ".npy") return "npy";
  if (ext === ".csv") return "csv";
  const shown = ext === "" ? "no extension" : `extension "${ext}"`;
  throw new UserInputError(`cannot tell the matrix format from ${shown}; ${SUPPORTED}`, {
    file: path,
  });
}

export interface MatrixReadOptions {
  /** CSV only: the first row (after comments) holds column names and is skipped. */
  header?: boolean;
}

export function readMatrix(path: string, opts: MatrixReadOptions = {}): Matrix {
  return matrixFormatOf(path) === "npy" ? readNpy(path) : readMatrixCsv(path, opts);
}

export function writeMatrix(path: string, m: Matrix): void {
  if (matrixFormatOf(path) === "npy") writeNpy(path, m);
  else writeMatrixCsv(path, m);
}

/**
 * Values the machine cannot take, found before a run instead of as a fault mid-run: a NaN anywhere,
 * and for bf16 a value that is or rounds to infinity (the unified buffer and the weight FIFO fault on
 * non-finite values; docs/ARCHITECTURE.md "Numerics"). int8 saturates infinities like any large value.
 */
import type { DType } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { roundBf16 } from "../numerics/bf16.js";
import type { Matrix } from "../data/matrix.js";

/** Throws a UserInputError naming the file (or the matrix) and the element (row, col), counted from 0. */
export function checkMatrixValues(m: Matrix, name: string, file: string | undefined, dtype: DType): void {
  checkRowValues(m.data, 0, m.rows, m.cols, 0, name, file, dtype);
}

/** The same check on `rows` rows of `cols` values stored at `at` in `data`, the first being row `firstRow`. */
export function checkRowValues(
  data: ArrayLike<number>, at: number, rows: number, cols: number, firstRow: number, name: string, file: string | undefined, dtype: DType,
): void {
  const n = rows * cols;
  for (let i = 0; i < n; i++) {
    const v = data[at + i];
    const bad = Number.isNaN(v) ? "NaN" : dtype === "bf16" && !Number.isFinite(roundBf16(v)) ? `${v} (not finite in bf16)` : null;
    if (bad === null) continue;
    const row = firstRow + Math.floor(i / cols);
    const col = i % cols;
    throw new UserInputError(`${name} has ${bad} at row ${row}, column ${col} (counted from 0); the ${dtype} machine cannot multiply it`, { file });
  }
}

/**
 * Matrices as CSV text: one row per line, comma-separated numbers with optional spaces, `#`
 * comment lines, blank lines allowed only before the first or after the last row. Written values use JavaScript's
 * shortest round-trip form, so write-then-read gives back the same float64 values.
 */
import { UserInputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { Matrix } from "./matrix.js";
import { readInputText } from "./read-input.js";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Readonly<Record<string, number>> = {
  nan: NaN,
  inf: Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
};

/** Number() alone would also accept "", "0x1f" and "1_0"-like surprises; only decimals pass here. */
function parseCell(cell: string): number | undefined {
  if (DECIMAL.test(cell)) return Number(cell);
  return SPECIAL[cell.toLowerCase()];
}

export function parseMatrixCsv(text: string, file: string, opts: { header?: boolean } = {}): Matrix {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let headerPending = opts.header === true;
  const values: number[] = [];
  let cols = 0;
  let firstRowLine = 0;
  let rows = 0;
  let blankLine = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = i + 1;
    const trimmed = line.trim();
    if (trimmed.startsWith("#")) continue;
    if (trimmed === "") {
      blankLine ||= lineNo;
      continue;
    }
    if (blankLine && rows > 0) {
      throw new UserInputError(`line ${blankLine} is blank but more rows follow; remove the blank line`, {
        file,
        line: blankLine,
        col: 1,
      });
    }
    blankLine = 0;
    if (headerPending) {
      headerPending = false;
      continue;
    }
    if (rows === 0 && looksLikeHeader(line)) {
      throw headerError(file, lineNo);
    }

    const count = parseCsvRow(line, file, lineNo, (value) => values.push(value));
    if (rows === 0) {
      cols = count;
      firstRowLine = lineNo;
    } else if (count !== cols) {
      throw new UserInputError(`line ${lineNo} has ${count} values, line ${firstRowLine} has ${cols}`, {
        file,
        line: lineNo,
        col: 1,
      });
    }
    rows++;
  }

  if (rows === 0) {
    throw new UserInputError("empty file: no matrix rows found (only blank or # comment lines)", {
      file,
      line: 1,
    });
  }
  return { rows, cols, data: Float64Array.from(values) };
}

/** A first row in which no cell is a number (a cell that is one, or is empty, makes it data with a typo). */
/** A row of names rather than numbers (a CSV header the user did not announce with --header). */
export function looksLikeHeader(line: string): boolean {
  return line.split(",").every((raw) => {
    const cell = raw.trim();
    return cell !== "" && parseCell(cell) === undefined && /[A-Za-z_]/.test(cell);
  });
}

export function headerError(file: string, line: number): UserInputError {
  return new UserInputError(`line ${line} looks like a header row of column names, not numbers; pass --header to skip it, or remove it`, { file, line, col: 1 });
}

export function readMatrixCsv(path: string, opts: { header?: boolean } = {}): Matrix {
  return parseMatrixCsv(readInputText(path), path, opts);
}

/** String() spells -0 as "0"; keep the sign so a round trip is exact. */
const formatValue = (x: number): string => (Object.is(x, -0) ? "-0" : String(x));

/** CSV text for `m`: rows on separate lines, a trailing newline, NaN and ±Infinity spelled out. */
export function formatMatrixCsv(m: Matrix): string {
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`matrix ${m.rows} x ${m.cols} has ${m.data.length} values; this is a bug in the caller`);
  }
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) {
    lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), formatValue).join(","));
  }
  return lines.map((l) => l + "\n").join("");
}

export function writeMatrixCsv(path: string, m: Matrix): void {
  writeFileAtomic(path, formatMatrixCsv(m));
}

/**
 * The numbers of one data line, in order, to `visit`; returns how many. Errors name line and
 * column as parseMatrixCsv's do (matrix-csv-rows.ts parses rows one at a time with it).
 */
export function parseCsvRow(line: string, file: string, lineNo: number, visit: (value: number) => void): number {
  let count = 0;
  let col = 1;
  for (const raw of line.split(",")) {
    const lead = raw.length - raw.trimStart().length;
    const cell = raw.trim();
    const value = parseCell(cell);
    if (value === undefined) {
      const detail = cell === "" ? `value ${count + 1} of the row is empty` : `"${cell}" is not a number`;
      throw new UserInputError(detail, { file, line: lineNo, col: col + lead });
    }
    visit(value);
    count++;
    col += raw.length + 1;
  }
  return count;
}

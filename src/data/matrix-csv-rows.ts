/**
 * A CSV matrix read row block by row block, for inputs too big to parse whole: a first pass over
 * the bytes finds each row's line (checking the structure parseMatrixCsv checks: blank lines only
 * around the rows, the same number of values on every row), then rows are parsed when asked for.
 * Memory: 12 bytes per row plus one block of text. Errors name the file, line and column.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { UserInputError } from "../errors.js";
import { headerError, looksLikeHeader, parseCsvRow } from "./matrix-csv.js";
import type { MatrixRowSource } from "./matrix-stream.js";
import { describeReadError } from "./read-input.js";

const CHUNK = 1 << 22;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const HASH = 0x23;

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0b || b === 0x0c;

export function openCsvRows(path: string, opts: { header?: boolean } = {}): MatrixRowSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new UserInputError(describeReadError(err), { file: path });
  }
  try {
    const size = fstatSync(fd).size;
    const index = indexRows(fd, size, path, headerLine(fd, size, path, opts.header === true));
    return csvSource(fd, size, index, path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

interface RowIndex {
  rows: number;
  cols: number;
  /** Byte offset and 1-based line of each data row. */
  offset: Float64Array;
  line: Int32Array;
}

/**
 * The 1-based line of the header row to skip (0: none), as parseMatrixCsv decides: with `header`
 * the first line holding anything but a comment; without it, that line must not look like names.
 */
function headerLine(fd: number, size: number, file: string, header: boolean): number {
  const head = Buffer.alloc(Math.min(size, 1 << 20));
  readSync(fd, head, 0, head.length, 0);
  const lines = head.toString("utf8").replace(/^\uFEFF/, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (header) return i + 1;
    if (looksLikeHeader(line)) throw headerError(file, i + 1);
    return 0;
  }
  return 0;
}

function indexRows(fd: number, size: number, file: string, skipLine: number): RowIndex {
  let offset = new Float64Array(1024);
  let line = new Int32Array(1024);
  let rows = 0;
  let cols = 0;
  let firstRowLine = 0;
  let blankLine = 0;
  // State of the line being scanned.
  let lineNo = 1;
  let lineStart = 0;
  let firstByte = -1;
  let commas = 0;
  const endLine = () => {
    if (firstByte === HASH || lineNo === skipLine) return;
    if (firstByte < 0) {
      blankLine ||= lineNo;
      return;
    }
    if (blankLine && rows > 0) throw new UserInputError(`line ${blankLine} is blank but more rows follow; remove the blank line`, { file, line: blankLine, col: 1 });
    blankLine = 0;
    if (rows === 0) {
      cols = commas + 1;
      firstRowLine = lineNo;
    } else if (commas + 1 !== cols) {
      throw new UserInputError(`line ${lineNo} has ${commas + 1} values, line ${firstRowLine} has ${cols}`, { file, line: lineNo, col: 1 });
    }
    if (rows === offset.length) {
      offset = grow(offset);
      line = grow(line);
    }
    offset[rows] = lineStart;
    line[rows++] = lineNo;
  };
  const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, size)));
  for (let pos = 0; pos < size; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
    if (n === 0) break;
    for (let i = 0; i < n; i++) {
      const b = buf[i];
      const at = pos + i;
      if (b === NEWLINE) {
        endLine();
        lineNo++;
        lineStart = at + 1;
        firstByte = -1;
        commas = 0;
        continue;
      }
      // A byte-order mark at the very start is not content.
      if (at < 3 && lineNo === 1 && firstByte < 0 && (b === 0xef || b === 0xbb || b === 0xbf)) continue;
      if (firstByte < 0 && !isSpace(b)) firstByte = b;
      if (b === COMMA) commas++;
    }
    pos += n;
  }
  endLine();
  if (rows === 0) throw new UserInputError("empty file: no matrix rows found (only blank or # comment lines)", { file, line: 1 });
  return { rows, cols, offset: offset.subarray(0, rows), line: line.subarray(0, rows) };
}

function grow<T extends Float64Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

function csvSource(fd: number, size: number, index: RowIndex, file: string): MatrixRowSource {
  const { rows, cols } = index;
  const decoder = new TextDecoder("utf-8");
  return {
    file,
    rows,
    cols,
    readRows(r0, n, out, at) {
      const start = index.offset[r0];
      const end = r0 + n < rows ? index.offset[r0 + n] : size;
      const bytes = new Uint8Array(end - start);
      readSync(fd, bytes, 0, bytes.length, start);
      const lines = decoder.decode(bytes).split("\n");
      let lineNo = index.line[r0];
      let o = at;
      let row = 0;
      for (const text of lines) {
        const trimmed = text.trim();
        if (row < n && trimmed !== "" && !trimmed.startsWith("#")) {
          parseCsvRow(text.replace(/\r$/, ""), file, lineNo, (v) => (out[o++] = v));
          row++;
        }
        lineNo++;
      }
    },
    close: () => closeSync(fd),
  };
}

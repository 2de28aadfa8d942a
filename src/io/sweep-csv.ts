/**
 * Sweep tables as CSV files: written through @json2csv/node with an explicit column list and an
 * atomic file (CsvOutput), and read back for `tpusim merge`. Cells are numbers and plain names, so
 * numbers are written as JavaScript prints them (they read back exactly) and quotes are a fallback.
 */
import { readFileSync } from "node:fs";
import { UserInputError } from "../errors.js";
import { CsvOutput } from "./csv-trace-sink.js";

/** null (and a non-finite number) is an empty cell. */
export type CsvCell = number | string | null;

/** A CSV file being written. The temp file is opened at once, so a bad path fails before a long run. */
export class CsvTableWriter {
  private readonly output: CsvOutput;

  constructor(
    readonly path: string,
    readonly columns: readonly string[],
  ) {
    this.output = new CsvOutput(path, columns);
  }

  add(cells: readonly CsvCell[]): void {
    if (cells.length !== this.columns.length) throw new Error(`CSV row of ${cells.length} cells for ${this.columns.length} columns`);
    this.output.add(cells.map((c) => (c === null || (typeof c === "number" && !Number.isFinite(c)) ? "" : c)));
  }

  /** Writes everything and renames the file to its final name. */
  close(): Promise<void> {
    return this.output.close();
  }

  /** Removes the temp file; nothing appears under the final name. */
  abort(): Promise<void> {
    return this.output.abort();
  }
}

export async function writeCsvTable(path: string, columns: readonly string[], rows: readonly (readonly CsvCell[])[]): Promise<void> {
  const w = new CsvTableWriter(path, columns);
  try {
    for (const r of rows) w.add(r);
    await w.close();
  } catch (err) {
    await w.abort().catch(() => undefined);
    throw err;
  }
}

export interface CsvTable {
  file: string;
  header: string[];
  /** Data rows with their 1-based line numbers in the file. */
  rows: { line: number; cells: string[] }[];
}

/** Reads a CSV file with a header line; errors name the file and line. */
export function readCsvTable(file: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a folder" : (err as Error).message;
    throw new UserInputError(`cannot read the CSV file: ${why}`, { file });
  }
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.at(-1) === "") lines.pop();
  if (lines.length === 0) throw new UserInputError("the file is empty; expected a CSV header line", { file, line: 1 });
  const parsed = lines.map((l, i) => parseCsvLine(l, file, i + 1));
  const header = parsed[0];
  const rows: CsvTable["rows"] = [];
  for (let i = 1; i < parsed.length; i++) {
    if (lines[i] === "") continue;
    if (parsed[i].length !== header.length) {
      throw new UserInputError(`${parsed[i].length} cells where the header has ${header.length} columns`, { file, line: i + 1 });
    }
    rows.push({ line: i + 1, cells: parsed[i] });
  }
  return { file, header, rows };
}

/** One line of RFC 4180 CSV (sweep tables never put line breaks inside a cell). */
function parseCsvLine(line: string, file: string, lineNo: number): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (line[i] === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new UserInputError("unterminated quoted cell", { file, line: lineNo, col: start + 1 });
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ",") throw new UserInputError("text after a quoted cell", { file, line: lineNo, col: i + 1 });
    } else {
      const end = line.indexOf(",", i);
      cell = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

/**
 * `tpusim merge`: joins the CSV slices of a sharded sweep into one table in sweep order. Every file
 * must have the same header, and each point (the `point` column) may appear only once — or, in a
 * topology table (a `layer` column too), each (point, layer).
 */
import { UserInputError } from "../errors.js";
import { readCsvTable, writeCsvTable, type CsvCell, type CsvTable } from "../io/sweep-csv.js";

export interface MergeResult {
  out: string;
  files: string[];
  columns: string[];
  points: number;
  /** Points no file has: below the largest one, or, when the sweep's size is known, below that. */
  missing: number[];
}

export interface MergeOptions {
  /** Points in the whole sweep, when known (from a sweep plan): points up to it count as missing. */
  total?: number;
  /** Rows run now (merge --finish), in the files' column order. */
  extra?: readonly { point: number; cells: readonly CsvCell[] }[];
  /** Called with the header before anything is written (merge --finish checks its columns against it). */
  checkHeader?: (header: readonly string[]) => void;
}

/** The points the files hold, checked as merge checks them (same header, no point twice). */
export function sweepFilePoints(files: readonly string[]): Set<number> {
  return new Set(collect(files).rows.map((r) => r.point));
}

export async function mergeSweepFiles(files: readonly string[], out: string, opts: MergeOptions = {}): Promise<MergeResult> {
  const { header, rows } = collect(files);
  opts.checkHeader?.(header);
  const held = new Set(rows.map((r) => r.point));
  for (const r of opts.extra ?? []) {
    if (held.has(r.point)) throw new Error(`internal: point ${r.point} was run again although the files hold it`);
    rows.push({ point: r.point, layer: 0, cells: r.cells.map((c) => (c === null ? "" : c)) });
  }
  rows.sort((a, b) => a.point - b.point || a.layer - b.layer);
  const present = new Set(rows.map((r) => r.point));
  const last = opts.total ?? (rows.length > 0 ? rows[rows.length - 1].point + 1 : 0);
  const missing: number[] = [];
  for (let p = 0; p < last; p++) if (!present.has(p)) missing.push(p);
  await writeCsvTable(out, header, rows.map((r) => r.cells));
  return { out, files: [...files], columns: header, points: present.size, missing };
}

/** A table row: its point, its layer (0 in a sweep table) and its cells. */
interface MergeRow {
  point: number;
  layer: number;
  cells: (string | number)[];
}

function collect(files: readonly string[]): { header: string[]; rows: MergeRow[] } {
  if (files.length === 0) throw new UserInputError("give at least one CSV file to merge", { field: "files" });
  const tables = files.map(readCsvTable);
  const header = tables[0].header;
  const pointCol = header.indexOf("point");
  for (const t of tables) {
    if (t.header.join(",") !== header.join(",")) {
      throw new UserInputError(`its header differs from that of ${files[0]} (${describeDifference(header, t.header)})`, { file: t.file, line: 1 });
    }
    if (pointCol < 0) throw new UserInputError('no "point" column: not a sweep CSV', { file: t.file, line: 1 });
  }
  const layerCol = header.indexOf("layer");
  const seen = new Map<string, { table: CsvTable; line: number }>();
  const rows: MergeRow[] = [];
  for (const t of tables) {
    for (const r of t.rows) {
      const text = r.cells[pointCol];
      const point = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(point)) {
        throw new UserInputError(`point "${text}" is not a whole number >= 0`, { file: t.file, line: r.line });
      }
      const layer = layerCol < 0 ? 0 : Number(r.cells[layerCol]);
      if (layerCol >= 0 && !(/^\d+$/.test(r.cells[layerCol]) && Number.isSafeInteger(layer))) {
        throw new UserInputError(`layer "${r.cells[layerCol]}" is not a whole number >= 0`, { file: t.file, line: r.line });
      }
      const key = layerCol < 0 ? String(point) : `${point}/${layer}`;
      const what = layerCol < 0 ? `point ${point}` : `point ${point}, layer ${layer},`;
      const first = seen.get(key);
      if (first) throw new UserInputError(`${what} appears twice; first in ${first.table.file}:${first.line}`, { file: t.file, line: r.line });
      seen.set(key, { table: t, line: r.line });
      rows.push({ point, layer, cells: r.cells });
    }
  }
  return { header, rows };
}

function describeDifference(want: readonly string[], got: readonly string[]): string {
  const extra = got.filter((c) => !want.includes(c));
  const lacking = want.filter((c) => !got.includes(c));
  const parts: string[] = [];
  if (lacking.length > 0) parts.push(`missing ${lacking.join(", ")}`);
  if (extra.length > 0) parts.push(`extra ${extra.join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "same columns in another order";
}

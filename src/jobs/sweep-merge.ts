/**
 * `tpusim merge`: joins the CSV slices of a sharded sweep into one table in sweep order. Every file
 * must have the same header, and each point (the `point` column) may appear only once — or, in a
 * topology table (a `layer` column too), each (point, layer).
 */
import { UserInputError } from "../errors.js";
import { readCsvTable, writeCsvTable, type CsvTable } from "../io/sweep-csv.js";

export interface MergeResult {
  out: string;
  files: string[];
  columns: string[];
  points: number;
  /** Point indices below the largest one that no file has (a shard missing from the merge). */
  missing: number[];
}

export async function mergeSweepFiles(files: readonly string[], out: string): Promise<MergeResult> {
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
  const points = new Set<number>();
  const rows: { point: number; layer: number; cells: string[] }[] = [];
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
      points.add(point);
      rows.push({ point, layer, cells: r.cells });
    }
  }
  rows.sort((a, b) => a.point - b.point || a.layer - b.layer);
  const last = rows.length > 0 ? rows[rows.length - 1].point : -1;
  const missing: number[] = [];
  for (let p = 0; p < last; p++) if (!points.has(p)) missing.push(p);
  await writeCsvTable(out, header, rows.map((r) => r.cells));
  return { out, files: [...files], columns: header, points: points.size, missing };
}

function describeDifference(want: readonly string[], got: readonly string[]): string {
  const extra = got.filter((c) => !want.includes(c));
  const lacking = want.filter((c) => !got.includes(c));
  const parts: string[] = [];
  if (lacking.length > 0) parts.push(`missing ${lacking.join(", ")}`);
  if (extra.length > 0) parts.push(`extra ${extra.join(", ")}`);
  return parts.length > 0 ? parts.join("; ") : "same columns in another order";
}

/**
 * Merging shard CSVs (src/jobs/sweep-merge.ts, src/io/sweep-csv.ts): the merged slices are the full
 * sweep's table, row for row; mismatched headers and duplicate points are errors naming the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist.js";
import { readCsvTable, writeCsvTable } from "../../src/io/sweep-csv.js";
import { parseVary, planSweep, runSweep, type SweepInput, type SweepResult } from "../../src/jobs/sweep.js";
import { mergeSweepFiles } from "../../src/jobs/sweep-merge.js";
import { sweepColumns } from "../../src/jobs/sweep-point.js";
import { loadWorkload } from "../../src/workloads/spec.js";
import { listing, makeTemp, removeTemp } from "../cli/helpers.js";

const dir = makeTemp("tpusim-sweep-merge-");
afterAll(() => removeTemp(dir));

const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16 };
const trainSet = loadMnist("train", { limit: 64 });
const base: SweepInput = {
  spec,
  hardware: {},
  arrays: [[4, 4], [8, 8], [16, 4]],
  vary: parseVary("acc=64|512"),
  shard: null,
  mode: "fast",
  epochs: 1,
  steps: 2,
};

async function writeResult(path: string, r: SweepResult): Promise<void> {
  const columns = sweepColumns(r.vary.map((v) => v.param));
  await writeCsvTable(path, columns.map((c) => c.name), r.rows.map((row) => columns.map((c) => c.value(row))));
}

/** A CSV's text without its wall-clock column, the one column that differs between runs. */
function withoutWallClock(path: string): string[][] {
  const t = readCsvTable(path);
  const wall = t.header.indexOf("wall_seconds");
  expect(wall).toBeGreaterThan(0);
  return [t.header, ...t.rows.map((r) => r.cells)].map((cells) => cells.filter((_, i) => i !== wall));
}

describe("merge", () => {
  it("the union of all shards equals the full sweep", async () => {
    const full = join(dir, "full.csv");
    await writeResult(full, await runSweep(planSweep(base), { jobs: 1, train: trainSet }));
    const files: string[] = [];
    // Given out of order on purpose: merge sorts by the point column.
    for (const index of [3, 1, 2]) {
      const f = join(dir, `part-${index}.csv`);
      await writeResult(f, await runSweep(planSweep({ ...base, shard: { index, count: 3 } }), { jobs: 1, train: trainSet }));
      expect(readCsvTable(f).rows).toHaveLength(2);
      files.push(f);
    }
    const out = join(dir, "merged.csv");
    const r = await mergeSweepFiles(files, out);
    expect(r).toMatchObject({ points: 6, missing: [] });
    const merged = withoutWallClock(out);
    expect(merged).toHaveLength(7);
    expect(merged).toEqual(withoutWallClock(full));
    expect(merged[0].slice(0, 4)).toEqual(["point", "rows", "cols", "accumulatorRows"]);
    expect(readFileSync(out, "utf8")).toMatch(/\n$/);
  });

  it("reports gaps below the last point", async () => {
    const a = join(dir, "gap.csv");
    writeFileSync(a, "point,x\n0,1\n3,2\n");
    const r = await mergeSweepFiles([a], join(dir, "gap-out.csv"));
    expect(r.missing).toEqual([1, 2]);
  });

  it("a different header is an error naming the file", async () => {
    const a = join(dir, "h1.csv");
    const b = join(dir, "h2.csv");
    writeFileSync(a, "point,rows,cycles\n0,4,10\n");
    writeFileSync(b, "point,rows,fifo\n1,8,20\n");
    await expect(mergeSweepFiles([a, b], join(dir, "h.csv"))).rejects.toThrow(`${b}:1: its header differs from that of ${a} (missing cycles; extra fifo)`);
  });

  it("a point in two files is an error naming both", async () => {
    const a = join(dir, "d1.csv");
    const b = join(dir, "d2.csv");
    writeFileSync(a, "point,rows\n0,4\n1,8\n");
    writeFileSync(b, "point,rows\n2,4\n1,8\n");
    await expect(mergeSweepFiles([a, b], join(dir, "d.csv"))).rejects.toThrow(`${b}:3: point 1 appears twice; first in ${a}:3`);
  });

  it("bad inputs: no point column, a bad point, a short row, a missing file; nothing is written", async () => {
    const cases: [string, RegExp][] = [
      ["rows,cycles\n4,10\n", /:1: no "point" column/],
      ["point,rows\n1.5,4\n", /:2: point "1.5" is not a whole number/],
      ["point,rows\n1\n", /:2: 1 cells where the header has 2 columns/],
      ['point,rows\n1,"4\n', /:2:3: unterminated quoted cell/],
      ["", /:1: the file is empty/],
    ];
    for (const [i, [text, pattern]] of cases.entries()) {
      const f = join(dir, `bad-${i}.csv`);
      writeFileSync(f, text);
      await expect(mergeSweepFiles([f], join(dir, `never-${i}.csv`))).rejects.toThrow(pattern);
    }
    await expect(mergeSweepFiles([join(dir, "nope.csv")], join(dir, "never.csv"))).rejects.toThrow(/nope\.csv: cannot read the CSV file: it does not exist/);
    expect(listing(dir).filter((n) => n.includes("never"))).toEqual([]);
  });

  it("quoted cells read back", () => {
    const f = join(dir, "quoted.csv");
    writeFileSync(f, 'point,name\r\n0,"a, ""b"""\r\n');
    expect(readCsvTable(f).rows[0].cells).toEqual(["0", 'a, "b"']);
  });
});

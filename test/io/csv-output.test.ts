/**
 * CsvOutput's runs: json2csv formats a run's first row and the rest are that line renumbered, or,
 * when json2csv's line does not start with the first cell as the counter writes it, json2csv
 * formats every row. Either way the file is the one json2csv writes for the rows one by one.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { CsvOutput, type CsvRecord } from "../../src/io/csv-output.js";

const SEED = 20261201;
const dir = mkdtempSync(join(tmpdir(), "tpusim-csv-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = ["cycle", "unit", "value"];
let files = 0;

/** [first cell, rows, step, second cell, third cell] per run. */
type Run = [number, number, number, string, number];

/** The rows json2csv formatted and the rows renumbered in the last write(). */
let counts = { formatted: 0, renumbered: 0 };

async function write(runs: Run[], byRows: boolean, numberFormatter?: (n: number) => string): Promise<string> {
  const path = join(dir, `out-${files++}.csv`);
  const out = new CsvOutput(path, COLUMNS, false, numberFormatter);
  for (const [first, rows, step, name, value] of runs) {
    if (byRows) for (let i = 0; i < rows; i++) out.add([first + i * step, name, value]);
    else out.repeat([first, name, value] as CsvRecord, rows, step);
    if (out.needsFlush) await out.flush();
  }
  await out.close();
  counts = out.rowCounts;
  return readFileSync(path, "utf8");
}

const runArb = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 6 }).map((p) => 10 ** p - 3), fc.constant(0.5), fc.constant(-7)),
  fc.integer({ min: 1, max: 3000 }),
  fc.integer({ min: 1, max: 4 }),
  fc.constantFrom("busy", "a,b", 'say "hi"', ""),
  fc.integer({ min: -5, max: 70_000 }),
);

describe("CsvOutput runs", () => {
  it("a run writes what json2csv writes for its rows one by one (json2csv's own number formatter)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(runArb, { minLength: 1, maxLength: 8 }), async (runs) => {
        expect(await write(runs, false)).toBe(await write(runs, true));
      }),
      { seed: SEED, numRuns: 30 },
    );
  });

  it("renumbers json2csv's line: the repeated rows are its bytes with the first cell counted up", async () => {
    const text = await write([[998, 4, 1, "a,b", 3]], false);
    expect(text).toBe('cycle,unit,value\n998,"a,b",3\n999,"a,b",3\n1000,"a,b",3\n1001,"a,b",3\n');
    expect(counts).toEqual({ formatted: 1, renumbered: 3 });
  });

  for (const [name, formatter] of [
    ["prefixed", (n: number) => `n${n}`],
    ["quoted", (n: number) => `"${n}"`],
  ] as const) {
    it(`falls back to json2csv for every row when its line does not start with the counter's text (${name} numbers)`, async () => {
      const runs: Run[] = [[5, 3000, 2, "busy", 1], [6005, 3, 1, "idle", 0]];
      const text = await write(runs, false, formatter);
      expect(counts).toEqual({ formatted: 3003, renumbered: 0 });
      expect(text).toBe(await write(runs, true, formatter));
      const lines = text.trimEnd().split("\n");
      expect(lines.length).toBe(1 + 3003);
      expect(lines[2]).toBe(`${formatter(7)},busy,${formatter(1)}`);
      expect(lines[3003]).toBe(`${formatter(6007)},idle,${formatter(0)}`);
    });
  }
});

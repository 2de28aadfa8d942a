import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PeCsvSink } from "../../src/io/pe-csv-sink.js";
import type { PeTraceRow } from "../../src/sim/trace.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-pe-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** PE rows of a 4x4 array for `cycles` cycles, with fractional, negative and integer values; one reused object. */
function* peRows(cycles: number): Generator<Readonly<PeTraceRow>> {
  const row: PeTraceRow = { cycle: 0, row: 0, col: 0, actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) {
        Object.assign(row, {
          cycle,
          row: r,
          col: c,
          bank: (cycle + r + c) % 3,
          actIn: (cycle - r * 7) / 8,
          weight: -0.1 * (c + 1),
          psumIn: cycle * 1000 + r * 10 + c,
          psumOut: Math.fround(cycle / 3),
        });
        yield row;
      }
    }
  }
}

function expected(row: Readonly<PeTraceRow>): number[] {
  return [row.cycle, row.row, row.col, row.bank, row.actIn, row.weight, row.psumIn, row.psumOut];
}

describe("PeCsvSink", () => {
  it("writes the region's PEs for the window and parses back exactly", async () => {
    const path = join(dir, "run.pe.csv");
    const sink = new PeCsvSink(path, { r0: 1, r1: 3, c0: 0, c1: 2 }, { from: 5, to: 60, every: 5 });
    expect(sink.wantsPe).toBe(true);
    expect(sink.peRegion).toEqual({ r0: 1, r1: 3, c0: 0, c1: 2 });
    const want: number[][] = [];
    let n = 0;
    for (const row of peRows(100)) {
      sink.pe(row);
      const inRegion = row.row >= 1 && row.row < 3 && row.col < 2;
      const inWindow = row.cycle >= 5 && row.cycle <= 60 && row.cycle % 5 === 0;
      if (inRegion && inWindow) want.push(expected(row));
      if (++n % 100 === 0 && sink.needsFlush) await sink.flush();
    }
    await sink.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines[0]).toBe("cycle,row,col,bank,act_in,weight,psum_in,psum_out");
    const got = lines.slice(1).map((line) => line.split(",").map(Number));
    expect(want.length).toBe(12 * 4);
    expect(got).toEqual(want);
    expect(readdirSync(dir)).toEqual(["run.pe.csv"]);
  });
});

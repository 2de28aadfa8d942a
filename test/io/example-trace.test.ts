/**
 * The committed example traces (traces/examples/, the one golden file set the project keeps) are
 * exactly what a fresh detailed run of examples/matmul-8x8.s produces. Regenerate with
 * `npm run example-trace` when the machine deliberately changes.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { createTraceSink } from "../../src/io/trace-sinks.js";
import { readProgramFile } from "../../src/jobs/program-file.js";
import { runProgram } from "../../src/jobs/run-program.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-example-"));
const hw = buildHwConfig("small", { rows: 8, cols: 8 }); // what `tpusim run --array 8x8` uses

describe("traces/examples/matmul-8x8", () => {
  for (const ext of ["csv", "vcd", "perfetto.json"]) {
    it(`${ext} matches a fresh run byte for byte`, async () => {
      const path = join(dir, `matmul-8x8.${ext}`);
      const sink = createTraceSink({ path, pe: { r0: 0, r1: 8, c0: 0, c1: 8 }, vcdDate: "tpusim example" });
      const r = await runProgram({ program: readProgramFile("examples/matmul-8x8.s"), hw, mode: "detailed", sink });
      await sink.close();
      expect(r.stats.macs).toBe(512);
      const fresh = readFileSync(path, "utf8");
      expect(fresh.length).toBeGreaterThan(100);
      expect(fresh).toBe(readFileSync(`traces/examples/matmul-8x8.${ext}`, "utf8"));
      expect(readFileSync(join(dir, "matmul-8x8.pe.csv"), "utf8")).toBe(readFileSync("traces/examples/matmul-8x8.pe.csv", "utf8"));
    });
  }

  it("the trace agrees with the statistics: MACs sum, stall cycles per cause, last cycle", async () => {
    const rows = readFileSync("traces/examples/matmul-8x8.csv", "utf8").trim().split("\n");
    const header = rows[0].split(",");
    const col = (name: string) => header.indexOf(name);
    const data = rows.slice(1).map((l) => l.split(","));
    const r = await runProgram({ program: readProgramFile("examples/matmul-8x8.s"), hw, mode: "fast" });
    expect(data.reduce((s, d) => s + Number(d[col("macs")]), 0)).toBe(r.stats.macs);
    expect(Number(data[data.length - 1][col("cycle")])).toBe(r.stats.cycles - 1);
    for (const [cause, n] of Object.entries(r.stats.stalls)) {
      expect(data.filter((d) => d[col("stall")] === cause).length).toBe(n);
    }
    expect(data.filter((d) => d[col("stall")] === "none").length).toBe(r.stats.matrixBusyCycles);
  });
});

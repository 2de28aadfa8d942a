/**
 * `tpusim topology` through the compiled CLI: --json prints one object with a row per layer, --out
 * writes the documented CSV columns, shards merge into the unsharded table, and a bad row is a
 * one-line error naming the file and line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, ensureBuilt, expectCliError, makeTemp, removeTemp, runCli } from "./helpers.js";

const CLI_TIMEOUT = 60_000;
const TINY = join(FIXTURES, "topologies/tiny-conv.csv");
const MACHINE = ["--preset", "small", "--dtype", "int8"];
const SMALL = [...MACHINE, "--jobs", "1"];

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = makeTemp("tpusim-topology-cli-");
}, 180_000);
afterAll(() => removeTemp(dir));

describe("tpusim topology", () => {
  it("--json: one object, a row per layer, every one exact", async () => {
    const r = await runCli(["topology", TINY, ...SMALL, "--array", "4x8", "--json"], { timeoutMs: CLI_TIMEOUT });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(j.rows.map((x: { name: string; rows: number; cols: number; exact: boolean }) => [x.name, x.rows, x.cols, x.exact])).toEqual([
      ["stem", 4, 8, true],
      ["7", 4, 8, true],
      ["wide", 4, 8, true],
    ]);
  }, CLI_TIMEOUT);

  it("table on stdout; --out CSV with the documented columns", async () => {
    const out = join(dir, "t.csv");
    const r = await runCli(["topology", TINY, ...SMALL, "--arrays", "4x4,8x8", "--out", out], { timeoutMs: CLI_TIMEOUT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/layer\s+name\s+M\s+K\s+N\s+cycles/);
    expect(r.stdout).toMatch(/point 1 \(8x8\): 3 layers, [\d,]+ cycles/);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1 + 2 * 3);
    expect(lines[0]).toBe(
      "point,rows,cols,layer,name,kind,m,k,n,cycles,seconds,macs,utilization,tops,matrix_busy_cycles," +
        "stall_weight_load,stall_weight_shift,stall_data_dependency,stall_host_transfer,stall_non_matrix,stall_drain," +
        "host_read_bytes,host_written_bytes,weight_memory_read_bytes,weight_memory_written_bytes,unified_buffer_read_bytes," +
        "unified_buffer_written_bytes,accumulator_read_bytes,accumulator_written_bytes,host_link_bytes_per_cycle," +
        "weight_memory_bytes_per_cycle,unified_buffer_bytes_per_cycle,accumulator_bytes_per_cycle,exact,wall_seconds",
    );
  }, CLI_TIMEOUT);

  it("--shard 1/2 and 2/2, merged, equal the whole sweep (but for wall time)", async () => {
    const args = ["topology", TINY, ...MACHINE, "--arrays", "4x4,8x8,4x8"];
    const whole = join(dir, "whole.csv");
    const parts = [join(dir, "s1.csv"), join(dir, "s2.csv")];
    for (const [i, p] of parts.entries()) expect((await runCli([...args, "--jobs", "1", "--shard", `${i + 1}/2`, "--out", p], { timeoutMs: CLI_TIMEOUT })).code).toBe(0);
    expect((await runCli([...args, "--out", whole, "--jobs", "2"], { timeoutMs: CLI_TIMEOUT })).code).toBe(0);
    const merged = join(dir, "merged.csv");
    expect((await runCli(["merge", ...parts, "-o", merged], { timeoutMs: CLI_TIMEOUT })).code).toBe(0);
    const noWall = (f: string) => readFileSync(f, "utf8").trim().split("\n").map((l) => l.split(",").slice(0, -1).join(","));
    expect(noWall(merged)).toEqual(noWall(whole));
    expect(noWall(whole)).toHaveLength(1 + 9);
  }, 3 * CLI_TIMEOUT);

  it("a bad row: one line naming file and line, exit 1", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "Layer, M, N, K,\nok, 2, 2, 2,\nbroken, 2, x, 2,\n");
    const r = await runCli(["topology", bad, ...SMALL], { timeoutMs: CLI_TIMEOUT });
    expectCliError(r, [`${bad}:3:`, /layer broken: n "x" is not a whole number/], 1);
  }, CLI_TIMEOUT);
});

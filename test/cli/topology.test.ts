/**
 * `tpusim topology` through the compiled CLI: --json prints one object with a row per layer, --out
 * writes the documented CSV columns (energy included, equal to the energy model's figures for the
 * row's counters), shards merge into the unsharded table, --report writes a page that `tpusim
 * report` remakes from the saved result, and bad rows and flags are one-line errors.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENERGY_PARTS } from "../../src/energy/model.js";
import { ENERGY_CSV_COLUMNS, energyReport, energyReportCells } from "../../src/energy/report.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import type { RunStats } from "../../src/sim/stats.js";
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
    for (const row of j.rows) {
      expect(row.boundCycles).toBeGreaterThan(0);
      expect(row.boundCycles).toBeLessThanOrEqual(row.cycles);
      expect(typeof row.boundBinding).toBe("string");
    }
  }, CLI_TIMEOUT);

  it("table on stdout; --out CSV with the documented columns", async () => {
    const out = join(dir, "t.csv");
    const r = await runCli(["topology", TINY, ...SMALL, "--arrays", "4x4,8x8", "--out", out], { timeoutMs: CLI_TIMEOUT });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/layer\s+name\s+M\s+K\s+N\s+cycles\s+util\s+MACs\s+energy\s+TOPS\/W/);
    expect(r.stdout).toMatch(/point 1 \(8x8\): 3 layers, [\d,]+ cycles .*, energy per inference [\d.]+ µJ \(average [\d.]+ W, [\d.]+ TOPS\/W\)/);
    expect(r.stderr).toContain(`tpusim: wrote ${out} (topology table)`);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(1 + 2 * 3);
    expect(lines[0]).toBe(
      "point,rows,cols,layer,name,kind,m,k,n,cycles,bound_cycles,bound_ratio,seconds,clock_mhz,macs,utilization,tops,matrix_busy_cycles," +
        "stall_weight_load,stall_weight_shift,stall_data_dependency,stall_host_transfer,stall_non_matrix,stall_drain," +
        "host_read_bytes,host_written_bytes,weight_memory_read_bytes,weight_memory_written_bytes,unified_buffer_read_bytes," +
        "unified_buffer_written_bytes,accumulator_read_bytes,accumulator_written_bytes,host_link_bytes_per_cycle," +
        "weight_memory_bytes_per_cycle,unified_buffer_bytes_per_cycle,accumulator_bytes_per_cycle," +
        "energy_j,energy_per_inference_j,power_w,tops_per_w,energy_dynamic_j,energy_mac_array_j,energy_unified_buffer_j," +
        "energy_accumulators_j,energy_weight_fifo_j,energy_weight_memory_j,energy_host_link_j,energy_activation_j," +
        "energy_vector_j,energy_static_j,exact,wall_seconds",
    );
  }, CLI_TIMEOUT);

  it("energy: each CSV row's energy columns are the energy model's for the row's counters; totals add the layers up", async () => {
    const out = join(dir, "energy.csv");
    const r = await runCli(["topology", TINY, ...SMALL, "--array", "4x8", "--out", out, "--json"], { timeoutMs: CLI_TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.files).toEqual([{ role: "topology table", path: out }]);
    const hw = resolveHardware({ preset: "small", dtype: "int8", array: "4x8" });
    const [header, ...lines] = readFileSync(out, "utf8").trim().split("\n").map((l) => l.split(","));
    expect(lines).toHaveLength(3);
    for (const [i, row] of j.rows.entries()) {
      const cell = (name: string) => Number(lines[i][header.indexOf(name)]);
      const stats: RunStats = { cycles: row.cycles, instructions: 0, macs: row.macs, matrixBusyCycles: row.matrixBusyCycles, stalls: row.stalls, unitBusyCycles: {} as RunStats["unitBusyCycles"], unitStalledCycles: {} as RunStats["unitStalledCycles"], resourceStalls: {} as RunStats["resourceStalls"], bytes: row.bytes, ops: row.ops };
      const want = energyReportCells(energyReport(stats, hw, { unit: "inference", count: 1 }));
      for (const name of ENERGY_CSV_COLUMNS) expect(cell(name === "energy_per_step_j" ? "energy_per_inference_j" : name), name).toBe(want[name]);
      // The MAC array's share, from the preset's table (docs/ENERGY.md): an int8 MAC plus the PE's
      // activation (1 byte) and partial-sum (4 bytes) registers, per MAC of the layer (M x K x N).
      expect(cell("energy_mac_array_j")).toBeCloseTo(row.m * row.k * row.n * (hw.energyMacInt8Pj + 5 * 8 * hw.energyRegisterBitPj) * 1e-12, 18);
      expect(cell("energy_per_inference_j")).toBe(cell("energy_j"));
      expect(row.energy.per).toEqual({ unit: "inference", count: 1, joules: cell("energy_j") });
    }
    const [total] = j.totals;
    const sum = (f: (row: any) => number) => j.rows.reduce((s: number, row: any) => s + f(row), 0);
    expect(total).toMatchObject({ point: 0, layers: 3, cycles: sum((x) => x.cycles), macs: sum((x) => x.macs) });
    expect(total.energy.totalJ).toBeCloseTo(sum((x) => x.energy.totalJ), 18);
    for (const p of ENERGY_PARTS) expect(total.energy.parts[p]).toBeCloseTo(sum((x) => x.energy.parts[p]), 18);
    expect(total.energy.topsPerW).toBeCloseTo((2 * total.macs) / total.energy.totalJ / 1e12, 12);
  }, CLI_TIMEOUT);

  it("--report writes the page, and `tpusim report` remakes it byte for byte from the --json result", async () => {
    const page = join(dir, "topo.html");
    const r = await runCli(["topology", TINY, ...SMALL, "--arrays", "4x4,8x8", "--report", page, "--json"], { timeoutMs: CLI_TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ command: "topology", preset: "small", dtype: "int8", files: [{ role: "report", path: page }] });
    const html = readFileSync(page, "utf8");
    expect(html).toContain('data-report="topology"');
    expect(html).toContain("Cycles per layer");
    const saved = join(dir, "topo.json");
    writeFileSync(saved, r.stdout);
    const again = join(dir, "topo-again.html");
    const remade = await runCli(["report", saved, "-o", again], { timeoutMs: CLI_TIMEOUT });
    expect(remade.code, remade.stderr).toBe(0);
    expect(remade.stdout).toBe(`topology report written to ${again}\n`);
    expect(readFileSync(again, "utf8")).toBe(html);
  }, CLI_TIMEOUT);

  it.each([
    ["--seed x", ["--seed", "x"], ["--seed must be a whole number in [0, 4294967295], got NaN", "(see tpusim topology --help)"]],
    ["--seed 1.5", ["--seed", "1.5"], ["--seed must be a whole number in [0, 4294967295], got 1.5"]],
    ["--jobs 0", ["--jobs", "0"], ["--jobs must be a whole number >= 1, got 0"]],
    ["--array with --arrays", ["--array", "4x4", "--arrays", "8x8"], [/array.*arrays|arrays.*array/]],
    ["a misspelt flag", ["--arays", "4x4"], ["did you mean --arrays?"]],
    ["a bad --arrays", ["--arrays", "4x"], ["--arrays", 'expected RxC such as 16x16, got "4x"']],
    ["a bad --shard", ["--shard", "3/2"], ["--shard", "need 1 <= i <= n"]],
    ["--report not .html", ["--report", "r.txt"], ["--report", "give a file name ending in .html"]],
    ["--out in a missing folder", ["--out", "/no/such/folder/t.csv"], ["/no/such/folder"]],
  ])("flag error: %s is one line, exit 1, nothing written", async (_name, args, patterns) => {
    const r = await runCli(["topology", TINY, ...MACHINE, ...args], { cwd: dir, timeoutMs: CLI_TIMEOUT });
    expectCliError(r, patterns, 1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
    expect(existsSync(join(dir, "r.txt"))).toBe(false);
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

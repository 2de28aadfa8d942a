/**
 * Issue "Robustness: bad input, faults and long runs lose nothing": the same seed and configuration
 * give byte-identical outputs and traces. Each command runs twice, in two folders, with the same
 * relative output names. VCD files carry the time of the run in `$date` unless --trace-date fixes it,
 * so they are compared byte for byte with it and outside the `$date` block without it.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy, parseNpy } from "../../src/data/npy.js";
import { WORKLOAD, ensureBuilt, listing, makeTemp, removeTemp, runCli, type CliResult } from "./helpers.js";

let tmp: string;

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
  // Non-trivial shapes for a 4x4 array: 2 k-tiles and 2 n-tiles per row chunk.
  const values = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => (((i * 7919 + seed * 104729) % 23) - 11) / 4);
  writeFileSync(join(tmp, "a.npy"), encodeNpy({ rows: 6, cols: 7, data: values(42, 1) }));
  writeFileSync(join(tmp, "b.npy"), encodeNpy({ rows: 7, cols: 5, data: values(35, 2) }));
});
afterAll(() => removeTemp(tmp));

/** Runs the same command in tmp/<name>1 and tmp/<name>2 one after the other; returns both folders. */
async function twice(name: string, args: string[]): Promise<{ dirs: [string, string]; runs: [CliResult, CliResult] }> {
  const dirs: [string, string] = [join(tmp, `${name}1`), join(tmp, `${name}2`)];
  const runs: CliResult[] = [];
  for (const dir of dirs) {
    mkdirSync(dir);
    const r = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    runs.push(r);
  }
  return { dirs, runs: runs as [CliResult, CliResult] };
}

const read = (dir: string, file: string) => readFileSync(join(dir, file));
const withoutDate = (vcd: string) => vcd.replace(/^\$date\n[^$]*\$end\n/m, "$date <removed> $end\n");

describe("matmul: same inputs, same bytes", () => {
  const matmul = ["matmul", "../a.npy", "../b.npy", "--array", "4x4", "--mode", "detailed", "--json"];

  it("product, CSV trace and JSON report", async () => {
    const { dirs, runs } = await twice("csv", [...matmul, "-o", "c.npy", "--trace", "./x.csv", "--trace-pe", "0:4,0:4"]);
    const report = JSON.parse(runs[0].stdout);
    expect(report.stats.macs).toBeGreaterThan(0);
    expect(parseNpy(read(dirs[0], "c.npy"), "c.npy").rows).toBe(6);
    expect(read(dirs[0], "x.csv").toString().split("\n").length).toBeGreaterThan(20);
    expect(read(dirs[0], "x.pe.csv").toString().split("\n").length).toBeGreaterThan(100);
    for (const f of ["c.npy", "x.csv", "x.pe.csv"]) expect(read(dirs[1], f).equals(read(dirs[0], f)), f).toBe(true);
    expect(runs[1].stdout).toBe(runs[0].stdout);
    expect(listing(dirs[0])).toEqual(["c.npy", "x.csv", "x.pe.csv"]);
  });

  it("Perfetto trace", async () => {
    const { dirs } = await twice("perfetto", [...matmul, "-o", "c.csv", "--trace", "./x.json"]);
    expect(JSON.parse(read(dirs[0], "x.json").toString()).traceEvents.length).toBeGreaterThan(5);
    for (const f of ["c.csv", "x.json"]) expect(read(dirs[1], f).equals(read(dirs[0], f)), f).toBe(true);
  });

  it("VCD: byte-identical with --trace-date, identical outside the $date block without it", async () => {
    const fixed = await twice("vcd-fixed", [...matmul, "-o", "c.npy", "--trace", "./x.vcd", "--trace-date", "fixed"]);
    expect(read(fixed.dirs[1], "x.vcd").equals(read(fixed.dirs[0], "x.vcd"))).toBe(true);
    expect(read(fixed.dirs[0], "x.vcd").toString()).toMatch(/^\$date\n\s*fixed\n\$end$/m);

    const free = await twice("vcd", [...matmul, "-o", "c.npy", "--trace", "./x.vcd"]);
    const [v1, v2] = free.dirs.map((d) => read(d, "x.vcd").toString());
    expect(v1).toMatch(/^\$date\n/);
    expect(v1.split("\n").length).toBeGreaterThan(50);
    expect(withoutDate(v2)).toBe(withoutDate(v1));
    // And it is the same waveform as the run with a fixed date.
    expect(withoutDate(v1)).toBe(withoutDate(read(fixed.dirs[0], "x.vcd").toString()));
  });
});

describe("train: same seed, same weights", () => {
  it("weights file, trace and JSON report (except wallSeconds) are identical", async () => {
    const args = ["train", WORKLOAD, "--train-limit", "256", "--test-limit", "100", "--epochs", "1", "--save", "w.json", "--trace", "./t.csv", "--json"];
    const { dirs, runs } = await twice("train", args);
    const [j1, j2] = runs.map((r) => JSON.parse(r.stdout));
    expect(j1.steps).toBe(8);
    expect(j1.stats.macs).toBeGreaterThan(0);
    expect(typeof j1.wallSeconds).toBe("number");
    delete j1.wallSeconds;
    delete j2.wallSeconds;
    expect(j2).toEqual(j1);
    const w = JSON.parse(read(dirs[0], "w.json").toString());
    expect(w.layers[0].values.some((v: number) => v !== 0)).toBe(true);
    expect(read(dirs[1], "w.json").equals(read(dirs[0], "w.json"))).toBe(true);
    expect(read(dirs[0], "t.csv").toString().split("\n").length).toBeGreaterThan(j1.stats.cycles);
    expect(read(dirs[1], "t.csv").equals(read(dirs[0], "t.csv"))).toBe(true);
  });
});

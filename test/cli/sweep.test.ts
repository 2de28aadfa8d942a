/**
 * `tpusim sweep` and `tpusim merge` through the compiled CLI: bad flags are one-line errors naming
 * the flag, --json prints one object, the CSV has the documented columns, and shards run as
 * separate processes merge into the full sweep.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKLOAD, ensureBuilt, expectCliError, expectUsage, inPool, listing, makeTemp, removeTemp, runCli } from "./helpers.js";

const CLI_TIMEOUT = 60_000;

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = makeTemp("tpusim-sweep-cli-");
}, 180_000);
afterAll(() => removeTemp(dir));

/** A small, quick sweep: 2 training steps of batch 16 per point. */
const QUICK = ["--steps", "2", "--batch", "16", "--train-limit", "64"];

describe("tpusim sweep: bad flags", () => {
  const cases: [string[], string, RegExp][] = [
    [["--arrays", "0x4"], "field --arrays", /array dimensions must be >= 1/],
    [["--arrays", "abc"], "field --arrays", /expected RxC such as 16x16, got "abc"/],
    [["--arrays", "4x4", "--vary", "speed=1|2"], "field --vary", /unknown parameter "speed"/],
    [["--arrays", "4x4", "--vary", "ub=lots"], "field --vary", /"lots" is not a number/],
    [["--arrays", "4x4", "--vary", "fifo=0"], "field --vary", /fifo=0: weightFifoTiles must be an integer >= 1/],
    [["--arrays", "4x4", "--shard", "0/3"], "field --shard", /need 1 <= i <= n/],
    [["--arrays", "4x4", "--shard", "4/3"], "field --shard", /need 1 <= i <= n/],
    [["--arrays", "4x4", "--shard", "x"], "field --shard", /expected i\/n/],
    [["--arrays", "4x4", "--out", "/nonexistent-tpusim-dir/s.csv"], "/nonexistent-tpusim-dir/s.csv", /does not exist/],
  ];
  it("each is a one-line error naming the flag, before anything runs", async () => {
    await inPool(cases, 2, async ([args, where, pattern]) => {
      const r = await runCli(["sweep", WORKLOAD, ...args, ...QUICK], { timeoutMs: CLI_TIMEOUT });
      expectCliError(r, [where, pattern], 1);
      expect(r.stdout).toBe("");
    });
  });

  it("--steps and --epochs together, and --jobs 0, are usage errors", async () => {
    const both = await runCli(["sweep", WORKLOAD, "--arrays", "4x4", "--steps", "2", "--epochs", "1"], { timeoutMs: CLI_TIMEOUT });
    expectUsage(both);
    expectCliError(both, [/steps|epochs/], 1);
    const jobs = await runCli(["sweep", WORKLOAD, "--arrays", "4x4", "--jobs", "0"], { timeoutMs: CLI_TIMEOUT });
    expectCliError(jobs, ["--jobs must be a whole number >= 1"], 1);
  });
});

describe("tpusim sweep: output", () => {
  it("--json prints one object and --out writes the CSV", async () => {
    const out = join(dir, "json.csv");
    const r = await runCli(["sweep", WORKLOAD, "--arrays", "4x4,8x16", "--vary", "bw=16|64", ...QUICK, "--json", "--out", out], { timeoutMs: CLI_TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout);
    expect(j.total).toBe(4);
    expect(j.rows.map((x: { point: number }) => x.point)).toEqual([0, 1, 2, 3]);
    expect(j.rows[1]).toMatchObject({ rows: 4, cols: 4, params: { weightBytesPerCycle: 64 }, steps: 2, testAccuracy: null });
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      "point,rows,cols,weightBytesPerCycle,cycles,step_cycles,bound_cycles,bound_ratio,seconds,clock_mhz,macs,utilization,tops,matrix_busy_cycles," +
        "stall_weight_load,stall_weight_shift,stall_data_dependency,stall_host_transfer,stall_non_matrix,stall_drain," +
        "weight_memory_read_bytes,unified_buffer_read_bytes,unified_buffer_written_bytes," +
        "energy_j,energy_per_step_j,power_w,tops_per_w,energy_dynamic_j,energy_mac_array_j,energy_unified_buffer_j," +
        "energy_accumulators_j,energy_weight_fifo_j,energy_weight_memory_j,energy_host_link_j,energy_activation_j," +
        "energy_vector_j,energy_static_j,steps,loss,test_accuracy,wall_seconds",
    );
    const cells = lines[3].split(",");
    expect(cells.slice(0, 4)).toEqual(["2", "8", "16", "16"]);
    expect(Number(cells[4])).toBe(j.rows[2].cycles);
    // The energy columns hang together: the total is the sum of the parts, and per step, power and
    // TOPS/W are the total over steps, over the simulated seconds, and 2 * MACs per joule.
    const cell = (name: string) => Number(cells[lines[0].split(",").indexOf(name)]);
    const parts = lines[0].split(",").filter((c) => /^energy_[a-z_]+_j$/.test(c) && !["energy_per_step_j", "energy_dynamic_j"].includes(c));
    expect(parts).toHaveLength(9);
    expect(cell("energy_j")).toBeGreaterThan(0);
    expect(parts.reduce((s, c) => s + cell(c), 0)).toBeCloseTo(cell("energy_j"), 15);
    expect(cell("energy_dynamic_j")).toBeCloseTo(cell("energy_j") - cell("energy_static_j"), 15);
    expect(cell("energy_per_step_j")).toBeCloseTo(cell("energy_j") / 2, 15);
    expect(cell("power_w") / (cell("energy_j") / cell("seconds"))).toBeCloseTo(1, 12);
    expect(cell("tops_per_w") / ((2 * cell("macs")) / cell("energy_j") / 1e12)).toBeCloseTo(1, 12);
    expect(j.rows[2].energy.totalJ).toBe(cell("energy_j"));
    expect(j.rows[2].energy.per).toMatchObject({ unit: "training step", count: 2 });
  });

  it("prints the table and both plots with the grid sizes underneath", async () => {
    const r = await runCli(["sweep", WORKLOAD, "--arrays", "4x4,8x8,16x16", ...QUICK, "--jobs", "1"], { timeoutMs: CLI_TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^point\s+array\s+cycles/);
    expect(r.stdout).toMatch(/cycles per point/);
    expect(r.stdout).toMatch(/utilization per point/);
    expect(r.stdout).toMatch(/energy per training step per point/);
    expect(r.stdout).toMatch(/^point\s+array\s+cycles\s+step\s+bound\s+ratio\s+binding\s+time\s+MACs\s+util\s+TOPS\s+energy\/step\s+TOPS\/W/m);
    expect(r.stdout).toMatch(/^\s+2\s+16x16\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+1\.\d\d\s+(shift rule|critical path|[a-z -]+)\s/m);
    expect(r.stdout).toMatch(/^\s+4x4\s+8x8\s+16x16$/m);
    expect(r.stderr).toMatch(/sweeping mnist-784-16-16-10 over 3 points, 2 step\(s\) per point, fast mode, in one thread/);
    expect(r.stderr).toMatch(/\[3\/3\] point 2 16x16: /);
  });
});

describe("tpusim sweep --shard and tpusim merge", () => {
  it("slices run as separate processes merge into the full sweep", async () => {
    const args = ["sweep", WORKLOAD, "--arrays", "4x4,8x8,3x5", "--vary", "fifo=1|4", ...QUICK, "--jobs", "1", "--json"];
    const full = join(dir, "full.csv");
    const parts = [1, 2, 3, 4].map((i) => join(dir, `part-${i}.csv`));
    const runs = await inPool([full, ...parts], 2, (out) => {
      const shard = parts.indexOf(out) + 1;
      return runCli([...args, "--out", out, ...(shard > 0 ? ["--shard", `${shard}/4`] : [])], { timeoutMs: CLI_TIMEOUT });
    });
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(runs[2].stdout).rows.map((x: { point: number }) => x.point)).toEqual([1, 5]);
    const merged = join(dir, "merged.csv");
    const m = await runCli(["merge", ...parts.reverse(), "-o", merged, "--json"], { timeoutMs: CLI_TIMEOUT });
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ points: 6, missing: [] });
    const dropWall = (path: string) => readFileSync(path, "utf8").trimEnd().split("\n").map((l) => l.split(",").slice(0, -1).join(","));
    expect(dropWall(merged)).toHaveLength(7);
    expect(dropWall(merged)).toEqual(dropWall(full));
  });

  it("merge: a different header or a duplicate point is a one-line error naming the file", async () => {
    const a = join(dir, "m-a.csv");
    const b = join(dir, "m-b.csv");
    const c = join(dir, "m-c.csv");
    writeFileSync(a, "point,rows,cycles\n0,4,10\n");
    writeFileSync(b, "point,rows,macs\n1,4,10\n");
    writeFileSync(c, "point,rows,cycles\n0,4,10\n");
    const header = await runCli(["merge", a, b, "-o", join(dir, "m-out.csv")], { timeoutMs: CLI_TIMEOUT });
    expectCliError(header, [`${b}:1: its header differs from that of ${a}`], 1);
    const dup = await runCli(["merge", a, c, "-o", join(dir, "m-out.csv")], { timeoutMs: CLI_TIMEOUT });
    expectCliError(dup, [`${c}:2: point 0 appears twice; first in ${a}:2`], 1);
    expect(listing(dir).filter((n) => n.includes("m-out"))).toEqual([]);
    const gap = await runCli(["merge", a, "-o", join(dir, "m-gap.csv")], { timeoutMs: CLI_TIMEOUT });
    expect(gap.code).toBe(0);
  });
});

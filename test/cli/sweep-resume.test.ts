/**
 * Issue 19, "Sweep: Ctrl-C keeps the points that had already finished, in the CSV, marked complete.
 * merge can then finish the sweep later": an interrupted sweep commits the finished rows and a plan
 * (OUT.sweep.json) naming the missing points; `tpusim merge --finish` runs exactly those and the
 * result is the uninterrupted sweep's table (wall-clock column aside). A shard never run is finished
 * the same way.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKLOAD, ensureBuilt, expectCliError, makeTemp, removeTemp, runCli } from "./helpers.js";

const TIMEOUT = 120_000;
let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = makeTemp("tpusim-sweep-resume-");
});
afterAll(() => removeTemp(dir));

/** The first point is quick, the second takes seconds (a 2x2 array), so Ctrl-C lands while it runs. */
const SWEEP = ["sweep", WORKLOAD, "--arrays", "32x32,2x2,16x16", "--vary", "fifo=2|4", "--steps", "30", "--batch", "16", "--train-limit", "480", "--jobs", "1"];

/** CSV lines without the wall-clock column (the one figure that differs between runs). */
function table(path: string): string[] {
  return readFileSync(path, "utf8").trimEnd().split("\n").map((l) => l.split(",").slice(0, -1).join(","));
}

describe("Ctrl-C during a sweep, then merge --finish", () => {
  let full: string;
  beforeAll(async () => {
    full = join(dir, "full.csv");
    const r = await runCli([...SWEEP, "--out", full], { timeoutMs: TIMEOUT });
    expect(r.code, r.stderr).toBe(0);
    // A complete sweep leaves no plan.
    expect(existsSync(`${full}.sweep.json`)).toBe(false);
  }, TIMEOUT);

  it("keeps the finished points with a plan of the rest, and merge --finish completes the same table", async () => {
    const part = join(dir, "part.csv");
    let pid = 0;
    let stderr = "";
    const run = runCli([...SWEEP, "--out", part], { timeoutMs: TIMEOUT, onSpawn: (p) => (pid = p), onStderr: (s) => (stderr += s) });
    // Interrupt once the first point has finished (its line is on stderr).
    const started = Date.now();
    while (!/\[1\/6\] point 0 /.test(stderr) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    process.kill(pid, "SIGINT");
    const r = await run;
    expect(r.code, r.stderr).toBe(130);
    const kept = table(part).length - 1;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(6);
    expect(r.stderr).toContain(`interrupted (SIGINT): ${kept} of 6 point(s) had finished; kept them in ${part}; ${part}.sweep.json lists the rest`);
    // Every row kept is a finished row of the full sweep.
    expect(table(part)).toEqual(table(full).slice(0, kept + 1));
    const plan = JSON.parse(readFileSync(`${part}.sweep.json`, "utf8"));
    expect(plan).toMatchObject({ status: "interrupted", points: 6 });
    expect(plan.complete).toEqual(Array.from({ length: kept }, (_, i) => i));
    expect(plan.missing).toEqual(Array.from({ length: 6 - kept }, (_, i) => kept + i));

    const merged = join(dir, "merged.csv");
    const m = await runCli(["merge", part, "-o", merged, "--finish", "--jobs", "2", "--json"], { timeoutMs: TIMEOUT });
    expect(m.code, m.stderr).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ points: 6, total: 6, missing: [], ran: plan.missing, plan: null });
    expect(table(merged)).toEqual(table(full));
    expect(existsSync(`${merged}.sweep.json`)).toBe(false);
  });

  it("a shard never run: merge names the missing points and --finish runs them", async () => {
    const one = join(dir, "shard-1.csv");
    const s = await runCli([...SWEEP, "--shard", "1/2", "--out", one], { timeoutMs: TIMEOUT });
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(readFileSync(`${one}.sweep.json`, "utf8"))).toMatchObject({ status: "shard", shard: "1/2", complete: [0, 2, 4], missing: [1, 3, 5] });
    const gap = await runCli(["merge", one, "-o", join(dir, "gap.csv")], { timeoutMs: TIMEOUT });
    expect(gap.code, gap.stderr).toBe(0);
    // The sweep's size is known from the plan, so point 5 (past the last present one) is missing too.
    expect(gap.stderr).toContain(`tpusim: warning: 3 point(s) missing: 1, 3, 5; run them with \`tpusim merge ${one} -o ${join(dir, "gap.csv")} --finish\``);
    const done = join(dir, "done.csv");
    const m = await runCli(["merge", join(dir, "gap.csv"), "-o", done, "--finish", "--jobs", "1"], { timeoutMs: TIMEOUT });
    expect(m.code, m.stderr).toBe(0);
    expect(table(done)).toEqual(table(full));
  });

  it("--finish without a plan, and plans of two different sweeps, are errors", async () => {
    const bare = join(dir, "bare.csv");
    const plain = await runCli(["sweep", WORKLOAD, "--arrays", "32x32", "--steps", "1", "--batch", "16", "--train-limit", "64", "--out", bare], { timeoutMs: TIMEOUT });
    expect(plain.code, plain.stderr).toBe(0);
    const r = await runCli(["merge", bare, "-o", join(dir, "x.csv"), "--finish"]);
    expectCliError(r, [`field --finish: cannot finish: no sweep plan beside the inputs (${bare}.sweep.json)`], 1);
    const other = join(dir, "other.csv");
    const o = await runCli(["sweep", WORKLOAD, "--arrays", "32x32,16x16", "--steps", "1", "--batch", "16", "--train-limit", "64", "--shard", "1/2", "--out", other], { timeoutMs: TIMEOUT });
    expect(o.code, o.stderr).toBe(0);
    const mixed = await runCli(["merge", join(dir, "shard-1.csv"), other, "-o", join(dir, "y.csv")]);
    expectCliError(mixed, [`${other}.sweep.json: its sweep plan describes another sweep than ${join(dir, "shard-1.csv")}.sweep.json`], 1);
  });
});

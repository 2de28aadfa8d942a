/**
 * Issue 19, "Bad runs that look good" and "Everyday commands, completed": train and eval take --lr,
 * --seed and --quiet and say what they used; a batch larger than the training set is an error; a NaN in
 * a matmul input names the file and the element; a CSV header row is accepted with --header or refused
 * with a message that says so; long jobs write progress lines when stderr is not a terminal.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { weightsToJson } from "../../src/data/weights.js";
import { initParameters } from "../../src/workloads/init.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import { WORKLOAD, ensureBuilt, expectCliError, expectUsage, inPool, makeTemp, removeTemp, runCli, type CliResult } from "./helpers.js";

let tmp: string;
const at = (name: string) => join(tmp, name);
const SMALL = ["--train-limit", "64", "--test-limit", "16", "--epochs", "1"];

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

function workloadWith(name: string, edit: Record<string, unknown>): string {
  writeFileSync(at(name), JSON.stringify({ ...JSON.parse(readFileSync(WORKLOAD, "utf8")), ...edit }));
  return at(name);
}

describe("train and eval: --lr, --seed, --quiet override the workload, and the summary says so", () => {
  let runs: CliResult[];
  beforeAll(async () => {
    const seed7 = workloadWith("seed7.json", { seed: 7, learningRate: 0.25 });
    runs = await inPool(
      [
        ["train", WORKLOAD, ...SMALL, "--seed", "7", "--lr", "0.25", "--json"],
        ["train", seed7, ...SMALL, "--json"],
        ["train", WORKLOAD, ...SMALL, "--json"],
        ["train", WORKLOAD, ...SMALL, "--seed", "7", "--quiet"],
      ],
      2,
      (args) => runCli(args, { timeoutMs: 90_000 }),
    );
  });

  it("--seed 7 --lr 0.25 trains exactly as a workload that says seed 7 and learningRate 0.25", () => {
    const [flags, file, plain] = runs.slice(0, 3).map((r) => {
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    });
    expect(flags.epochs).toEqual(file.epochs);
    expect(flags.lossCurve).toEqual(file.lossCurve);
    // ...and differently from the workload's own seed 1 and rate 1 (so the flags did something).
    expect(flags.lossCurve).not.toEqual(plain.lossCurve);
  });

  it("the JSON names each setting and where it came from", () => {
    expect(JSON.parse(runs[0].stdout).settings).toEqual({
      learningRate: { value: 0.25, from: "--lr" },
      seed: { value: 7, from: "--seed" },
      batch: { value: 32, from: "workload" },
      epochs: { value: 1, from: "--epochs" },
    });
    expect(JSON.parse(runs[1].stdout).settings.seed).toEqual({ value: 7, from: "workload" });
  });

  it("--quiet: no banner, progress or epoch lines; the summary still names the settings", () => {
    const r = runs[3];
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("settings: lr 1 (workload), seed 7 (--seed), batch 32 (workload), epochs 1 (--epochs)");
  });

  it("eval takes the same flags and says the rate and seed do not change inference", async () => {
    const spec = parseWorkload(readFileSync(WORKLOAD, "utf8"));
    writeFileSync(at("w.json"), weightsToJson(spec, initParameters(spec)));
    const r = await runCli(["eval", WORKLOAD, "--weights", at("w.json"), "--test-limit", "16", "--lr", "0.5", "--seed", "3", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("settings: lr 0.5 (--lr), seed 3 (--seed), batch 32 (workload); inference uses only the batch");
  });

  it("bad values are usage errors", async () => {
    const [lr, seed] = await Promise.all([runCli(["train", WORKLOAD, "--lr", "0"]), runCli(["eval", WORKLOAD, "--weights", "w.json", "--seed", "-1"])]);
    expectCliError(lr, ["--lr must be a number > 0, got 0"], 1);
    expectUsage(lr);
    expectCliError(seed, ["--seed must be a whole number in [0, 4294967295], got -1"], 1);
  });
});

describe("bad runs that looked good", () => {
  it("train --batch 4096 --train-limit 64 is an error, not '0 steps, loss NaN' (issue 19)", async () => {
    const r = await runCli(["train", WORKLOAD, "--batch", "4096", "--train-limit", "64", "--json"]);
    expectCliError(r, ["field batch: batch 4096 is larger than the training set (64 samples): not one step would run"], 1);
    expect(r.stdout).toBe("");
  });

  it("a NaN in a matmul input names the file and the element, before the run (issue 19)", async () => {
    writeFileSync(at("a.csv"), "1,2,3\n4,nan,6\n");
    writeFileSync(at("b.npy"), encodeNpy({ rows: 3, cols: 2, data: Float64Array.from([1, 2, 3, 4, 5, Number.NaN]) }));
    writeFileSync(at("ok.npy"), encodeNpy({ rows: 3, cols: 2, data: Float64Array.from([1, 2, 3, 4, 5, 6]) }));
    const [a, b, inf] = await Promise.all([
      runCli(["matmul", at("a.csv"), at("ok.npy"), "-o", at("c.npy")]),
      (writeFileSync(at("ok23.npy"), encodeNpy({ rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) })),
      runCli(["matmul", at("ok23.npy"), at("b.npy"), "-o", at("c.npy"), "--dtype", "int8"])),
      (writeFileSync(at("inf.csv"), "1,2,3\n4,5,1e39\n"), runCli(["matmul", at("inf.csv"), at("ok.npy"), "-o", at("c.npy")])),
    ]);
    expectCliError(a, [`${at("a.csv")}: A has NaN at row 1, column 1 (counted from 0)`], 1);
    expect(a.stderr).not.toMatch(/cycle/);
    expectCliError(b, [`${at("b.npy")}: B has NaN at row 2, column 1`], 1);
    expectCliError(inf, [`${at("inf.csv")}: A has 1e+39 (not finite in bf16) at row 1, column 2`], 1);
  });

  it("a CSV with a header row: refused with a message that says so, accepted with --header", async () => {
    writeFileSync(at("h.csv"), "# columns\nx, y\n1,2\n3,4\n");
    writeFileSync(at("i.csv"), "1,0\n0,1\n");
    const bare = await runCli(["matmul", at("h.csv"), at("i.csv"), "-o", at("hc.csv"), "--array", "4x4"]);
    expectCliError(bare, [`${at("h.csv")}:2:1: line 2 looks like a header row of column names, not numbers; pass --header to skip it`], 1);
    // The identity's CSV has no header, so --header would eat its first row: give it as .npy.
    writeFileSync(at("i.npy"), encodeNpy({ rows: 2, cols: 2, data: Float64Array.from([1, 0, 0, 1]) }));
    const ok = await runCli(["matmul", at("h.csv"), at("i.npy"), "-o", at("hc.csv"), "--array", "4x4", "--header"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(at("hc.csv"), "utf8")).toBe("1,2\n3,4\n");
  });
});

describe("progress lines when stderr is not a terminal", () => {
  it("train writes steps done, rate and time left (every TPUSIM_PROGRESS_SECONDS)", async () => {
    const r = await runCli(["train", WORKLOAD, "--train-limit", "320", "--test-limit", "16"], { env: { TPUSIM_PROGRESS_SECONDS: "0" } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("tpusim: train:"));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^tpusim: train: \d+\/10 steps \(\d+\.\d %\), [\d.,]+ steps\/s, about (\d+s|\d+m \d+s|unknown) left, epoch 1, loss \d\.\d{4}$/);
    expect(lines.at(-1)).toMatch(/^tpusim: train: 10\/10 steps \(100\.0 %\), .* about 0s left/);
  });

  it("eval and sweep write theirs; --json keeps stderr free of them", async () => {
    const spec = parseWorkload(readFileSync(WORKLOAD, "utf8"));
    writeFileSync(at("w2.json"), weightsToJson(spec, initParameters(spec)));
    const env = { TPUSIM_PROGRESS_SECONDS: "0" };
    const [ev, sw, js] = await Promise.all([
      runCli(["eval", WORKLOAD, "--weights", at("w2.json"), "--test-limit", "600"], { env }),
      runCli(["sweep", WORKLOAD, "--arrays", "8x8,16x16", "--steps", "2", "--train-limit", "64", "--jobs", "1"], { env, timeoutMs: 90_000 }),
      runCli(["eval", WORKLOAD, "--weights", at("w2.json"), "--test-limit", "600", "--json"], { env }),
    ]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stderr).toMatch(/^tpusim: eval: 600\/600 images \(100\.0 %\), [\d.,]+ images\/s, about 0s left$/m);
    expect(sw.code, sw.stderr).toBe(0);
    expect(sw.stderr).toMatch(/^tpusim: sweep: 2\/2 points \(100\.0 %\), .* left, running -$/m);
    expect(js.stderr).toBe("");
  });
});

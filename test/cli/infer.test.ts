/**
 * `tpusim infer`: one JSON object with --json, the paper's counters in the human report, outputs
 * checked against the golden model, and one-line errors for what it cannot run.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, expectCliError, makeTemp, removeTemp, runCli } from "./helpers.js";

let tmp: string;
const workload = (name: string, change: Record<string, unknown> = {}) => {
  const path = join(tmp, `${name}.json`);
  const spec = {
    name,
    dataset: "random",
    inputs: 3 * 6 * 6,
    samples: 10,
    layers: [
      { type: "conv", kernel: 3, channels: 4, stride: 1, padding: 1, activation: "relu", input: { height: 6, width: 6, channels: 3 } },
      { type: "conv", kernel: 2, channels: 2, stride: 2, activation: "relu" },
      { units: 5, activation: "identity" },
    ],
    loss: "sse",
    batch: 4,
    learningRate: 0.1,
    epochs: 1,
    seed: 2,
    dtype: "int8",
    hardware: { preset: "tpu-v1", overrides: { rows: 8, cols: 8 } },
    ...change,
  };
  writeFileSync(path, JSON.stringify(spec));
  return path;
};

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

describe("tpusim infer", () => {
  it("--json --check: one object; every output equals the golden model; the paper's counters", async () => {
    const r = await runCli(["infer", workload("cnn"), "--json", "--check"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ workload: "cnn", dtype: "int8", samples: 10, batch: 4, batches: 3, weights: "initialised", accuracy: null });
    expect(j.check).toEqual({ outputs: 50, mismatches: 0, first: null });
    expect(Object.keys(j.counters)).toEqual(["arrayActive", "usefulMacs", "unusedMacs", "weightStall", "weightShift", "nonMatrix", "rawStalls", "inputStalls", "tops", "peakTops"]);
    expect(j.cycles).toBe(j.stats.cycles);
  });

  it("human report: the counters table, the check and wall time; --samples and --dtype", async () => {
    const r = await runCli(["infer", workload("cnn2"), "--samples", "3", "--dtype", "bf16", "--check"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cnn2: bf16 inference of 3 samples in 1 batch\(es\) of 4, initialised weights/);
    expect(r.stdout).toMatch(/check: all 15 outputs equal the golden model bit for bit/);
    expect(r.stdout).toMatch(/TPU v1 paper counters \(Table 3\)/);
    expect(r.stdout).toMatch(/weight stall cycles +\d+\.\d\d %/);
    expect(r.stdout).toMatch(/wall time \d+\.\d\d s \(prepare/);
  });

  it("errors are one line: a bad flag, a workload that does not validate, attacks on random data", async () => {
    expectCliError(await runCli(["infer", workload("a"), "--samples", "0"]), ["--samples must be a whole number >= 1"]);
    const bad = workload("b", { layers: [{ type: "conv", kernel: 3, channels: 2, activation: "relu" }] });
    expectCliError(await runCli(["infer", bad]), ["$.layers[0].input", "is required here"]);
    const w = join(tmp, "w.json");
    const c = workload("c", { dtype: "bf16", hardware: { preset: "small" } });
    expect((await runCli(["train", c, "--save", w, "--json"])).code).toBe(0);
    expectCliError(await runCli(["fool", c, "--weights", w, "--target", "1"]), ['uses dataset "random"']);
  });
});

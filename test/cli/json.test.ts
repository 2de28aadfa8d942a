/**
 * Issue "Robustness: bad input, faults and long runs lose nothing": with --json every command that
 * runs something prints exactly one JSON object on stdout and nothing else; progress bars go to
 * stderr, and only when stderr is a terminal and --json is off.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO, WORKLOAD, ensureBuilt, makeTemp, removeTemp, runCli, type CliResult } from "./helpers.js";

let tmp: string;
const at = (name: string) => join(tmp, name);
const EXAMPLE = join(REPO, "examples/matmul-4x4.s");

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

/** Exit 0, an empty stderr, and stdout is one line holding one JSON object; returns the object. */
function oneJsonObject(r: CliResult): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe("");
  expect(r.stdout.endsWith("\n")).toBe(true);
  expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
  const value: unknown = JSON.parse(r.stdout);
  expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  return value as Record<string, unknown>;
}

/** stats.energy: the parts, their total, power, TOPS/W and the energy per unit of work. */
function expectEnergy(j: Record<string, unknown>, per: { unit: string; count: number } | null): void {
  const e = (j.stats as { energy: Record<string, unknown> }).energy;
  const parts = e.parts as Record<string, number>;
  expect(Object.keys(parts)).toEqual(["macArray", "unifiedBuffer", "accumulators", "weightFifo", "weightMemory", "hostLink", "activation", "vector", "static"]);
  expect(e.totalJ).toBeGreaterThan(0);
  expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBeCloseTo(e.totalJ as number, 15);
  expect(e.averagePowerW).toBeGreaterThan(0);
  expect(e.topsPerW).toBeGreaterThan(0);
  if (per === null) expect(e.per).toBeNull();
  else expect(e.per).toMatchObject({ ...per, joules: (e.totalJ as number) / per.count });
}

describe("--json: one JSON object on stdout and nothing else", () => {
  // Ordered: asm writes the binary disasm reads; train writes the weights eval reads.
  it("info", async () => {
    const j = oneJsonObject(await runCli(["info", "--json"]));
    expect((j.presets as unknown[]).length).toBeGreaterThanOrEqual(3);
  });

  it("asm, then disasm of its output", async () => {
    const a = oneJsonObject(await runCli(["asm", EXAMPLE, "-o", at("m.bin"), "--json"]));
    expect(a.instructions).toBe(5);
    const d = oneJsonObject(await runCli(["disasm", at("m.bin"), "--json"]));
    expect(d.instructions).toHaveLength(5);
  });

  it("run, with a trace", async () => {
    const j = oneJsonObject(await runCli(["run", EXAMPLE, "--array", "4x4", "--trace", at("r.csv"), "--json"]));
    expect(j.cycles).toBeGreaterThan(0);
    expectEnergy(j, null);
  });

  it("matmul, with a trace", async () => {
    writeFileSync(at("a.csv"), "1,2,3\n4,5,6\n");
    writeFileSync(at("b.csv"), "1,0\n0,1\n1,1\n");
    const j = oneJsonObject(await runCli(["matmul", at("a.csv"), at("b.csv"), "-o", at("c.npy"), "--trace", at("m.vcd"), "--json"]));
    expect([j.m, j.k, j.n]).toEqual([2, 3, 2]);
    expectEnergy(j, null);
  });

  it("compile, to assembly and to a binary", async () => {
    const s = oneJsonObject(await runCli(["compile", WORKLOAD, "--array", "16x16", "-o", at("step.s"), "--json"]));
    expect(s.kind).toBe("train-step");
    const b = oneJsonObject(await runCli(["compile", WORKLOAD, "--inference", "-o", at("inf.bin"), "--json"]));
    expect(b.kind).toBe("inference");
  });

  it("compile --gradient-form: the forced forms are different programs with their own bound", async () => {
    type Compiled = { counts: Record<string, number>; cycles: number; bound: { cycles: number } };
    const [p, t] = await Promise.all(
      ["plain", "transposed"].map(async (f) => oneJsonObject(await runCli(["compile", WORKLOAD, "--array", "16x16", "--gradient-form", f, "--json"])) as unknown as Compiled),
    );
    // 784-16-16-10's self-loading step: X0 in strips keeps layer 0 plain; layers 1 and 2 transpose
    // (their VTRs of X1, X2 replace those of delta1, delta2; one VSGD each instead of two).
    expect(t.counts.VTR).toBe(p.counts.VTR);
    expect(p.counts.VSGD - t.counts.VSGD).toBe(2);
    expect(t.bound.cycles).toBeLessThanOrEqual(t.cycles);
    expect(t.cycles).not.toBe(p.cycles);
  });

  it("train, then eval of the saved weights (bf16 and int8)", async () => {
    const t = oneJsonObject(await runCli(["train", WORKLOAD, "--train-limit", "64", "--test-limit", "50", "--save", at("w.json"), "--json"]));
    expect(t.steps).toBe(2);
    expectEnergy(t, { unit: "training step", count: 2 });
    for (const dtype of ["bf16", "int8"]) {
      const e = oneJsonObject(await runCli(["eval", WORKLOAD, "--weights", at("w.json"), "--test-limit", "50", "--dtype", dtype, "--json"]));
      expect([e.dtype, e.images]).toEqual([dtype, 50]);
      expectEnergy(e, { unit: "inference", count: 50 });
    }
  });
});

describe("progress output", () => {
  it("without --json and without a terminal: human text on stdout, log lines on stderr, no progress bar", async () => {
    const r = await runCli(["train", WORKLOAD, "--train-limit", "64", "--test-limit", "50"]);
    expect(r.code, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout)).toThrow();
    expect(r.stdout).toMatch(/hardware \(training steps only\)/);
    expect(r.stderr).toMatch(/^training mnist-784-16-16-10/);
    expect(r.stderr).not.toMatch(/[\r\u001b]|batches \|/);
  });

  // `script` (util-linux) gives the command a pseudo-terminal; stdout is redirected to a file inside it.
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  const onTerminal = (args: string, stdoutFile: string) => {
    const command = `'${process.execPath}' '${CLI}' ${args} > '${stdoutFile}'`;
    const r = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stdout).toBe(0);
    return { terminal: r.stdout, stdout: readFileSync(stdoutFile, "utf8") };
  };

  it.skipIf(!hasScript)("on a terminal the bar goes to stderr, filled in and with the right total; stdout stays clean", () => {
    const { terminal, stdout } = onTerminal(`train '${WORKLOAD}' --train-limit 64 --test-limit 50`, at("human.txt"));
    expect(terminal).toMatch(/epoch 1 \|.*\| 2\/2 batches \| \d+ images\/s/);
    expect(terminal).not.toMatch(/\{(epoch|ips|cycles|loss)\}/);
    expect(stdout).not.toMatch(/[\r\u001b]|batches \|/);
    expect(stdout).toMatch(/hardware \(training steps only\)/);
  });

  it.skipIf(!hasScript)("on a terminal with --json: no bar at all and one JSON object on stdout", () => {
    const { terminal, stdout } = onTerminal(`train '${WORKLOAD}' --train-limit 64 --test-limit 50 --json`, at("json.txt"));
    expect(terminal.trim()).toBe("");
    expect(stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(stdout).steps).toBe(2);
  });
});

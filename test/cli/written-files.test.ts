/**
 * Issue 19, "Every command prints where it wrote each output file. It creates traces/ only when it
 * writes a trace there, and says so": the JSON object's `files` names every file written (and only
 * files that exist afterwards), human output names them on stderr, and a failed run leaves no traces/.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { weightsToJson } from "../../src/data/weights.js";
import { initParameters } from "../../src/workloads/init.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import { PROGRAMS, REPO, WORKLOAD, ensureBuilt, expectCliError, inPool, listing, makeTemp, removeTemp, runCli } from "./helpers.js";

let tmp: string;
const at = (name: string) => join(tmp, name);
beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
  writeFileSync(at("a.npy"), encodeNpy({ rows: 3, cols: 4, data: Float64Array.from({ length: 12 }, (_, i) => i - 5) }));
  writeFileSync(at("b.npy"), encodeNpy({ rows: 4, cols: 2, data: Float64Array.from({ length: 8 }, (_, i) => i / 2) }));
  const spec = parseWorkload(readFileSync(WORKLOAD, "utf8"));
  writeFileSync(at("w.json"), weightsToJson(spec, initParameters(spec)));
  writeFileSync(at("part.csv"), "point,x\n0,1\n");
});
afterAll(() => removeTemp(tmp));

const EXAMPLE = join(REPO, "examples/matmul-4x4.s");

describe("traces/ is made only for a trace written there", () => {
  it("a bare --trace name: the folder is created, and the output says so (JSON and stderr)", async () => {
    const dir = makeTemp();
    const dir2 = makeTemp();
    try {
      const [json, human] = await Promise.all([
        runCli(["run", EXAMPLE, "--trace", "m.vcd", "--json"], { cwd: dir }),
        runCli(["run", EXAMPLE, "--trace", "m.csv"], { cwd: dir2 }),
      ]);
      expect(json.code, json.stderr).toBe(0);
      const out = JSON.parse(json.stdout);
      expect(out.files).toEqual([{ role: "trace", path: "traces/m.vcd" }]);
      expect(out.createdFolders).toEqual(["traces"]);
      expect(listing(join(dir, "traces"))).toEqual(["m.vcd"]);
      expect(human.stderr).toContain("tpusim: created the folder traces/ for the output\ntpusim: wrote traces/m.csv (trace)\n");
    } finally {
      removeTemp(dir);
      removeTemp(dir2);
    }
  });

  it("an existing traces/ is not reported as created", async () => {
    const dir = makeTemp();
    try {
      await runCli(["run", EXAMPLE, "--trace", "one.csv"], { cwd: dir });
      const r = await runCli(["run", EXAMPLE, "--trace", "two.csv", "--json"], { cwd: dir });
      expect(JSON.parse(r.stdout).createdFolders).toBeUndefined();
    } finally {
      removeTemp(dir);
    }
  });

  it("a run that fails leaves no traces/ behind", async () => {
    const dir = makeTemp();
    try {
      const r = await runCli(["run", join(PROGRAMS, "no-halt.s"), "--trace", "t.csv", "--max-cycles", "50"], { cwd: dir });
      expectCliError(r, [], 2);
      expect(existsSync(join(dir, "traces"))).toBe(false);
    } finally {
      removeTemp(dir);
    }
  });
});

describe("every command names the files it wrote", () => {
  const cases: [string, string[], { role: string; path: string }[]][] = [
    ["matmul", ["matmul", "a.npy", "b.npy", "-o", "c.csv", "--trace", "./t.vcd", "--trace-pe", "0:2,0:2", "--mode", "detailed", "--array", "4x4"],
      [{ role: "product", path: "c.csv" }, { role: "trace", path: "./t.vcd" }, { role: "PE trace", path: "./t.pe.csv" }]],
    ["asm", ["asm", EXAMPLE, "-o", "m.bin"], [{ role: "binary program", path: "m.bin" }]],
    ["disasm", ["disasm", "long.bin", "-o", "d.s"], [{ role: "assembly", path: "d.s" }]],
    ["compile", ["compile", WORKLOAD, "-o", "step.s"], [{ role: "assembly", path: "step.s" }]],
    ["train", ["train", WORKLOAD, "--train-limit", "64", "--test-limit", "16", "--save", "trained.json", "--trace", "./train.json", "--trace-to", "100"],
      [{ role: "weights", path: "trained.json" }, { role: "trace", path: "./train.json" }]],
    ["eval", ["eval", WORKLOAD, "--weights", "w.json", "--test-limit", "16"], []],
    ["sweep", ["sweep", WORKLOAD, "--arrays", "8x8", "--steps", "1", "--batch", "16", "--train-limit", "64", "--out", "s.csv", "--jobs", "1"],
      [{ role: "sweep table", path: "s.csv" }]],
    ["merge", ["merge", "part.csv", "-o", "merged.csv"], [{ role: "merged sweep table", path: "merged.csv" }]],
    ["fool", ["fool", WORKLOAD, "--weights", "w.json", "--target", "3", "--steps", "1", "--save-image", "f"],
      [{ role: "image", path: "f-noise.pgm" }, { role: "image", path: "f-pattern.pgm" }]],
    ["adversarial", ["adversarial", WORKLOAD, "--weights", "w.json", "--save-npy", "adv"],
      [{ role: "image", path: "adv-original.npy" }, { role: "image", path: "adv-perturbed.npy" }]],
  ];

  const results = new Map<string, Awaited<ReturnType<typeof runCli>>>();
  beforeAll(async () => {
    // disasm reads a binary: assemble one first.
    await runCli(["asm", join(PROGRAMS, "long.s"), "-o", "long.bin"], { cwd: tmp });
    const runs = await inPool(cases, 2, ([, args]) => runCli([...args, "--json"], { cwd: tmp, timeoutMs: 90_000 }));
    cases.forEach(([name], i) => results.set(name, runs[i]));
  });

  for (const [name] of cases) {
    it(name, () => {
      const r = results.get(name)!;
      expect(r.code, r.stderr).toBe(0);
      const files = JSON.parse(r.stdout).files as { role: string; path: string }[];
      const want = cases.find((c) => c[0] === name)![2];
      expect(files).toEqual(want);
      for (const f of files) expect(existsSync(join(tmp, f.path)), f.path).toBe(true);
    });
  }
});

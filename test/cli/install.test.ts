/**
 * Issue 19, "npx tpusim works from any folder once installed": the bin is the compiled CLI with a
 * shebang, the published files hold everything the CLI reads at run time, and the shipped workloads
 * and examples are found from any working folder (an installed tpusim runs in the user's folder).
 * The install itself (npm link, npm install -g, a packed tarball) was verified by hand; README
 * "Install" gives the commands.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, resolveShipped } from "../../src/io/package-files.js";
import { CLI, REPO, ensureBuilt, makeTemp, removeTemp, runCli } from "./helpers.js";

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

describe("the package", () => {
  it("bin is the compiled CLI, which starts with a node shebang", () => {
    expect(join(REPO, pkg.bin.tpusim)).toBe(CLI);
    expect(readFileSync(CLI, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("publishes the compiled sources, the workloads and the examples", () => {
    expect(pkg.files).toEqual(expect.arrayContaining(["dist/src", "workloads", "examples"]));
  });

  it("finds its own folder", () => {
    expect(packageRoot()).toBe(REPO);
  });
});

describe("shipped files from any folder", () => {
  it("resolveShipped: a path that exists is kept; a shipped name is found by relative path, bare name or name without .json", () => {
    expect(resolveShipped(CLI)).toBe(CLI);
    const w = join(REPO, "workloads/mnist-784-16-16-10.json");
    expect(resolveShipped("workloads/mnist-784-16-16-10.json")).toBe(process.cwd() === REPO ? "workloads/mnist-784-16-16-10.json" : w);
    expect(resolveShipped("mnist-784-16-16-10")).toBe(w);
    expect(resolveShipped("no-such-thing.json")).toBe("no-such-thing.json");
    // Only shipped folders count: nothing outside workloads/ and examples/ is reached this way.
    expect(resolveShipped("package.json")).toBe("package.json");
  });

  it("run examples/... and compile workloads/... work in an empty folder, and write only there", async () => {
    const [run, compile] = await Promise.all([
      runCli(["run", "examples/matmul-4x4.s", "--json"], { cwd: tmp }),
      runCli(["compile", "workloads/mnist-784-16-16-10.json", "-o", "step.s", "--json"], { cwd: tmp }),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).program).toBe(join(REPO, "examples/matmul-4x4.s"));
    expect(compile.code, compile.stderr).toBe(0);
    expect(readFileSync(join(tmp, "step.s"), "utf8")).toMatch(/MMUL/);
  });
});

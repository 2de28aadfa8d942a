/**
 * `--report` and `tpusim report` from the command line: a page is written atomically beside
 * nothing else, and every misuse is one line naming the flag, the file or the JSON path, before
 * anything runs.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { REPO, WORKLOAD, ensureBuilt, expectCliError, inPool, listing, makeTemp, removeTemp, runCli, type CliResult } from "./helpers.js";

const PROGRAM = join(REPO, "examples/matmul-8x8.s");
let tmp: string;

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
  writeFileSync(join(tmp, "page.html"), "<p>not a result</p>");
  writeFileSync(join(tmp, "a.npy"), encodeNpy({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4) }));
});
afterAll(() => removeTemp(tmp));

describe("--report", () => {
  it("writes the page and says so; nothing else is left in the folder", async () => {
    const r = await runCli(["run", PROGRAM, "--array", "8x8", "--report", join(tmp, "out", "..", "run.html")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/report written to .*run\.html\n$/);
    const html = readFileSync(join(tmp, "run.html"), "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http|https?:\/\/(?!www\.w3\.org\/)/);
    expect(listing(tmp)).toEqual(["a.npy", "page.html", "run.html"]);
  });

  const cases: { name: string; args: () => string[]; expect: (string | RegExp)[] }[] = [
    { name: "not an .html name", args: () => ["run", PROGRAM, "--report", join(tmp, "r.txt")], expect: ["field --report: a report is an HTML page: give a file name ending in .html"] },
    { name: "a folder that does not exist (before the run)", args: () => ["run", PROGRAM, "--report", join(tmp, "nope", "r.html")], expect: [/cannot write .*nope\/r\.html: folder .*nope does not exist/] },
    { name: "the PE flags without --trace or --report", args: () => ["run", PROGRAM, "--trace-pe", "0:4,0:4"], expect: ["--trace-pe needs --trace FILE or --report FILE.html"] },
    { name: "the PE flags with --report in fast mode", args: () => ["matmul", "a.npy", "a.npy", "-o", "c.npy", "--report", join(tmp, "m.html"), "--trace-pe", "0:2,0:2"], expect: ["field --trace-pe: PE traces need the register model: add --mode detailed"] },
    { name: "train has no array view: --trace-pe still needs --trace", args: () => ["train", WORKLOAD, "--report", join(tmp, "t.html"), "--trace-pe", "0:2,0:2"], expect: ["--trace-pe needs --trace FILE"] },
    { name: "report: over its own input", args: () => ["report", join(tmp, "page.html"), "-o", join(tmp, "page.html")], expect: [/--out .*page\.html is the same file as the result .*page\.html: refusing to overwrite an input/] },
    { name: "report: a file that is not a result", args: () => ["report", WORKLOAD, "-o", join(tmp, "w.html")], expect: [/mnist-784-16-16-10\.json, \$\.command: no "command" field; reports are made from the --json results of train, eval/] },
    { name: "report: no such file", args: () => ["report", join(tmp, "missing.json"), "-o", join(tmp, "x.html")], expect: [/missing\.json: no such file$/] },
  ];
  let results: CliResult[] = [];
  beforeAll(async () => {
    results = await inPool(cases, 2, (c) => runCli(c.args(), { cwd: tmp }));
  }, 120_000);
  cases.forEach((c, i) => {
    it(c.name, () => {
      expectCliError(results[i], c.expect, 1);
      expect(results[i].stdout).toBe("");
    });
  });

  it("nothing was written by the failed runs", () => {
    for (const name of ["r.txt", "m.html", "c.npy", "t.html", "w.html", "x.html"]) expect(existsSync(join(tmp, name)), name).toBe(false);
  });
});

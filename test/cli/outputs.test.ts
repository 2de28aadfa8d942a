/**
 * Issue "Robustness: bad input, faults and long runs lose nothing": every output file (trace, .npy,
 * weights, program) is written to a temp name and renamed when complete. An output that cannot be
 * written is an OutputError before any work is done, and Ctrl-C leaves neither a final nor a temp file.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { PROGRAMS, WORKLOAD, ensureBuilt, expectCliError, listing, makeTemp, removeTemp, runCli } from "./helpers.js";

let tmp: string;
let a: string;
let b: string;

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
  a = join(tmp, "inputs", "a.npy");
  b = join(tmp, "inputs", "b.npy");
  mkdirSync(join(tmp, "inputs"));
  writeFileSync(a, encodeNpy({ rows: 3, cols: 5, data: Float64Array.from({ length: 15 }, (_, i) => i - 7) }));
  writeFileSync(b, encodeNpy({ rows: 5, cols: 2, data: Float64Array.from({ length: 10 }, (_, i) => i / 4) }));
});
afterAll(() => removeTemp(tmp));

/** A fresh empty folder under tmp. */
function folder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  return dir;
}

describe("outputs that cannot be written", () => {
  it("matmul -o and --trace into a folder that does not exist: OutputError, no file anywhere", async () => {
    const dir = folder("missing-both");
    const r = await runCli(["matmul", a, b, "-o", join(dir, "nope", "out.npy"), "--trace", join(dir, "nope", "t.csv")]);
    expectCliError(r, [/cannot write .*nope\/(out\.npy|t\.csv): folder .*nope does not exist/], 1);
    expect(listing(dir)).toEqual([]);
  });

  it("matmul -o into a missing folder fails before the run, so the trace it would have written is not left (regression)", async () => {
    const dir = folder("missing-out");
    const r = await runCli(["matmul", a, b, "-o", join(dir, "nope", "out.npy"), "--trace", join(dir, "t.csv")]);
    expectCliError(r, [`cannot write ${join(dir, "nope", "out.npy")}: folder ${join(dir, "nope")} does not exist`], 1);
    expect(listing(dir)).toEqual([]);
  });

  it("matmul -o under a regular file (unwritable even for root)", async () => {
    const dir = folder("under-file");
    writeFileSync(join(dir, "file"), "");
    const r = await runCli(["matmul", a, b, "-o", join(dir, "file", "out.npy"), "--trace", join(dir, "t.vcd")]);
    expectCliError(r, ["out.npy: part of the path", "is a file, not a folder"], 1);
    expect(listing(dir)).toEqual(["file"]);
  });

  it("matmul -o naming an existing folder", async () => {
    const dir = folder("out-is-folder");
    mkdirSync(join(dir, "c.npy"));
    const r = await runCli(["matmul", a, b, "-o", join(dir, "c.npy"), "--trace", join(dir, "t.csv")]);
    expectCliError(r, ["c.npy: it is a folder"], 1);
    expect(listing(dir)).toEqual(["c.npy"]);
  });

  it("matmul --trace into a missing folder leaves no product", async () => {
    const dir = folder("missing-trace");
    const r = await runCli(["matmul", a, b, "-o", join(dir, "out.npy"), "--trace", join(dir, "nope", "t.json")]);
    expectCliError(r, ["t.json: folder", "does not exist"], 1);
    expect(listing(dir)).toEqual([]);
  });

  it("train --save into a missing folder fails at once, before training and before the trace is opened (regression)", async () => {
    const dir = folder("missing-save");
    const started = Date.now();
    const r = await runCli(["train", WORKLOAD, "--save", join(dir, "nope", "w.json"), "--trace", join(dir, "t.csv")]);
    expectCliError(r, ["w.json: folder", "does not exist"], 1);
    expect(r.stderr).not.toMatch(/training|epoch/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(listing(dir)).toEqual([]);
  });

  it("asm -o into a missing folder", async () => {
    const dir = folder("missing-asm");
    const r = await runCli(["asm", join(PROGRAMS, "long.s"), "-o", join(dir, "nope", "p.bin")]);
    expectCliError(r, ["p.bin: folder", "does not exist"], 1);
    expect(listing(dir)).toEqual([]);
  });

  it("a run that succeeds leaves exactly its outputs (no temp files)", async () => {
    const dir = folder("ok");
    const r = await runCli(["matmul", a, b, "-o", join(dir, "c.csv"), "--trace", join(dir, "t.vcd"), "--trace-pe", "0:2,0:2", "--mode", "detailed", "--array", "4x4"]);
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toEqual(["c.csv", "t.pe.csv", "t.vcd"]);
  });
});

describe("Ctrl-C during a long training run", () => {
  /** Starts `train` with a trace and --save into `dir`, interrupts it once the trace is being written. */
  async function interrupt(dir: string, signals: number) {
    let pid = 0;
    const run = runCli(["train", WORKLOAD, "--train-limit", "20000", "--trace", join(dir, "t.csv"), "--save", join(dir, "w.json")], {
      timeoutMs: 60_000,
      onSpawn: (p) => (pid = p),
    });
    const started = Date.now();
    let sawTemp = false;
    // Interrupt about 1.5 s in, and only once the trace's temp file exists (so the test is not vacuous).
    while (Date.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      sawTemp ||= listing(dir).some((f) => f.startsWith(".t.csv.tmp-"));
      if (sawTemp && Date.now() - started >= 1500) break;
    }
    expect(sawTemp, "the trace's temp file never appeared").toBe(true);
    process.kill(pid, "SIGINT");
    // Back to back: the first request may already have stopped the run when the second arrives.
    for (let i = 1; i < signals; i++) {
      try {
        process.kill(pid, "SIGINT");
      } catch {
        break;
      }
    }
    return run;
  }

  it("one SIGINT: stops at the next safe point, exit 130, no t.csv, no w.json, no temp files", async () => {
    const dir = folder("sigint");
    const r = await interrupt(dir, 1);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/^tpusim: interrupted \(SIGINT\): stopped cleanly; no partial file was left under a final name\n$/m);
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
    expect(r.stdout).toBe("");
    expect(listing(dir)).toEqual([]);
    expect(existsSync(join(dir, "w.json"))).toBe(false);
  });

  it("two SIGINTs: quits at once, exit 130, temp files removed", async () => {
    const dir = folder("sigint2");
    const r = await interrupt(dir, 2);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/tpusim: (interrupted twice; temporary files removed|interrupted \(SIGINT\))/);
    expect(listing(dir)).toEqual([]);
  });
});

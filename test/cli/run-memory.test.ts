/**
 * Issue 19, "Everyday commands, completed": `run` shows the memory a program wrote (and regions asked
 * for with --dump), runs on the preset its help names, and honours a program's `; tpusim:` header line
 * (command-line flags win); `asm` checks the header's machine and says how to run the binary on it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, ensureBuilt, expectCliError, makeTemp, removeTemp, runCli } from "./helpers.js";

const EXAMPLE = join(REPO, "examples/matmul-4x4.s");
let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

/** A and B as the example's data sections hold them, and their product, computed here. */
const A = [[1, 2, 3, 4], [5, 6, 7, 8], [-1, 0.5, 0.25, 2], [0, 0, 0, 1]];
const B = [[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1], [0, 0, 0, 1]];
const C = A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0)));

interface Dump {
  memory: string;
  address: number;
  rows: number;
  cols: number;
  stride: number;
  source: string;
  values: number[][] | null;
}

describe("run examples/matmul-4x4.s shows the product", () => {
  it("--json: the 4x4 machine from the header, and the regions the program wrote with their values", async () => {
    const r = await runCli(["run", EXAMPLE, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.header).toBe("--array 4x4");
    expect([out.hardware.name, out.hardware.rows, out.hardware.cols]).toEqual(["small", 4, 4]);
    const memory = out.memory as Dump[];
    expect(memory.map((d) => [d.memory, d.address, d.rows, d.cols, d.source])).toEqual([
      ["ub", 0, 4, 4, "pc 0 RHM"],
      ["acc", 0, 4, 4, "pc 2 MMUL"],
      ["host", 16, 4, 4, "pc 3 WHMA"],
    ]);
    expect(memory[0].values).toEqual(A);
    expect(memory[1].values).toEqual(C);
    expect(memory[2].values).toEqual(C);
    expect(out.memoryNote).toBeNull();
  });

  it("without --json: the product as aligned rows", async () => {
    const r = await runCli(["run", EXAMPLE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("examples/matmul-4x4.s on small 4x4 bf16 (from the program's header: --array 4x4)");
    expect(r.stdout).toContain("host memory at 16, 4x4 (pc 3 WHMA):");
    for (const row of C) expect(r.stdout).toMatch(new RegExp(`^\\s+${row.map((v) => String(v).replace(".", "\\.")).join("\\s+")}$`, "m"));
  });

  it("--dump regions of every memory; a flag on the command line wins over the header", async () => {
    const r = await runCli(["run", EXAMPLE, "--array", "8x8", "--json", "--dump", "ub:0:2x2:4", "--dump", "acc:1:1x8", "--dump", "host:16:1x4", "--dump", "wm:4:1x4"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.hardware.rows).toBe(8);
    const asked = (out.memory as Dump[]).filter((d) => d.source === "--dump");
    expect(asked.map((d) => d.values)).toEqual([
      [[1, 2], [5, 6]],
      [[...C[1], 0, 0, 0, 0]],
      [C[0]],
      [B[1]],
    ]);
  });

  it("bad --dump regions are refused before the run, naming the flag", async () => {
    const [syntax, past, host] = await Promise.all([
      runCli(["run", EXAMPLE, "--dump", "ub:0:4"]),
      runCli(["run", EXAMPLE, "--dump", "acc:4094:4x4"]),
      runCli(["run", EXAMPLE, "--dump", "host:30:1x4"]),
    ]);
    expectCliError(syntax, ['field --dump: expected MEM:ADDR:ROWSxCOLS[:STRIDE] with MEM one of ub, acc, host, wm (e.g. ub:0:4x4), got "ub:0:4"'], 1);
    // The small preset has 1,024 accumulator rows.
    expectCliError(past, ['field --dump: "acc:4094:4x4" ends at 4097, past the end of the accumulators (1024 rows)'], 1);
    // Host memory is as large as the program touches: 32 elements (A at 0, C at 16).
    expectCliError(host, ["past the end of the host memory (32 elements)"], 1);
  });

  it("large written regions are listed without values, and the output says so", async () => {
    // 80 rows of 64: 5,120 values, more than the 4,096 shown by default.
    writeFileSync(join(tmp, "big.s"), ".host 0\nX: .fill 5120, 0.5\n.text\n  RHM host=X hstride=64 ub=0 ustride=64 rows=80 cols=64\n  RHM host=X hstride=64 ub=8000 ustride=4 rows=2 cols=4\n  HALT\n");
    const r = await runCli(["run", join(tmp, "big.s"), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.memory.map((d: Dump) => d.values === null)).toEqual([true, false]);
    expect(out.memoryNote).toMatch(/1 written region\(s\) listed without values: more than 4096 values in all; read them with --dump/);
  });
});

describe("the preset a command's help names is the one it uses", () => {
  for (const [command, args, preset] of [
    ["run", [join(REPO, "test/fixtures/programs/long.s")], "small"],
    ["matmul", ["A", "B", "-o", "C"], "tpu-v2"],
  ] as const) {
    it(`${command}`, async () => {
      const help = await runCli([command, "--help"]);
      expect(help.stdout.replace(/\s+/g, " ")).toContain(`hardware preset (default: ${preset}`);
      let argv: string[] = [...args];
      if (command === "matmul") {
        writeFileSync(join(tmp, "a.csv"), "1,2\n3,4\n");
        argv = [join(tmp, "a.csv"), join(tmp, "a.csv"), "-o", join(tmp, "c.csv")];
      }
      const r = await runCli([command, ...argv, "--json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).hardware.name).toBe(preset);
    });
  }
});

describe("the ; tpusim: header line", () => {
  it("every example whose comments name an array size carries a header for it", () => {
    for (const f of ["dense-sigmoid", "double-buffer", "matmul-4x4", "matmul-8x8"]) {
      const text = readFileSync(join(REPO, "examples", `${f}.s`), "utf8");
      const size = /on an? (\d+x\d+) array/.exec(text)?.[1];
      expect(size, f).toBeDefined();
      expect(text.split("\n")[0]).toBe(`; tpusim: --array ${size}`);
    }
  });

  it("a bad header names the file and line; only hardware flags are allowed", async () => {
    writeFileSync(join(tmp, "h1.s"), "; about\n; tpusim: --array 0x4\nHALT\n");
    writeFileSync(join(tmp, "h2.s"), "; tpusim: --array 4x4 --mode fast\nHALT\n");
    const [bad, flag] = await Promise.all([runCli(["run", join(tmp, "h1.s")]), runCli(["asm", join(tmp, "h2.s"), "-o", join(tmp, "h2.bin")])]);
    expectCliError(bad, [`${join(tmp, "h1.s")}:2: in the tpusim: header, field --array: array dimensions must be >= 1`], 1);
    expectCliError(flag, [`${join(tmp, "h2.s")}:1:23: the tpusim: header line may give --preset, --array, --dtype and --set, not "--mode"`], 1);
  });

  it("a header after the first statement is an ordinary comment", async () => {
    writeFileSync(join(tmp, "late.s"), "NOP\n; tpusim: --array 4x4\nHALT\n");
    const r = await runCli(["run", join(tmp, "late.s"), "--json"]);
    expect(JSON.parse(r.stdout).hardware.rows).toBe(8);
  });

  it("asm says how to run the binary on the header's machine, and that command runs it there", async () => {
    const bin = join(tmp, "m.bin");
    const a = await runCli(["asm", EXAMPLE, "-o", bin, "--json"]);
    expect(a.code, a.stderr).toBe(0);
    const out = JSON.parse(a.stdout);
    expect(out.runWith).toBe(`tpusim run ${bin} --array 4x4`);
    const r = await runCli([...out.runWith.split(" ").slice(1), "--json"]);
    const run = JSON.parse(r.stdout);
    expect(run.hardware.rows).toBe(4);
    expect(run.memory.find((d: Dump) => d.memory === "host").values).toEqual(C);
  });
});

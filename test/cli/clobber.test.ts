/**
 * Issue 19, "Data loss: an output path that is an input is never checked": every command refuses,
 * before any work, an output that is the same file as one of its inputs or as another of its outputs,
 * after resolving relative paths, symlinks and hard links. The refusal is one line naming both flags
 * and the path, the input is left byte for byte as it was, and nothing else is written.
 */
import { linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { weightsToJson } from "../../src/data/weights.js";
import { assemble } from "../../src/isa/assembler.js";
import { encodeProgram } from "../../src/isa/binary.js";
import { initParameters } from "../../src/workloads/init.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import { REPO, WORKLOAD, ensureBuilt, expectCliError, inPool, listing, makeTemp, removeTemp, runCli, type CliResult } from "./helpers.js";

let tmp: string;
const at = (...parts: string[]) => join(tmp, ...parts);

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp("tpusim-clobber-");
});
afterAll(() => removeTemp(tmp));

/** Each case gets its own folder (the cwd of the run), filled by `setup`. */
interface Case {
  name: string;
  setup: (dir: string) => void;
  args: (dir: string) => string[];
  /** Every pattern must appear in the one error line. */
  expect: (string | RegExp)[];
  /** Files that must keep their bytes (relative to the case folder). */
  keep: string[];
}

const matrix = (rows: number, cols: number) => encodeNpy({ rows, cols, data: Float64Array.from({ length: rows * cols }, (_, i) => i + 1) });
const programText = readFileSync(join(REPO, "examples/matmul-4x4.s"), "utf8");
const programBin = encodeProgram(assemble(programText, "m.s"));
const workloadText = readFileSync(WORKLOAD, "utf8");
const topologyText = readFileSync(join(REPO, "test/fixtures/topologies/tiny-conv.csv"), "utf8");
const weightsText = weightsToJson(parseWorkload(workloadText), initParameters(parseWorkload(workloadText)));

function matrices(dir: string): void {
  writeFileSync(join(dir, "a.npy"), matrix(4, 3));
  writeFileSync(join(dir, "b.npy"), matrix(3, 2));
}

const CASES: Case[] = [
  {
    name: "matmul -o A",
    setup: matrices,
    args: () => ["matmul", "a.npy", "b.npy", "-o", "a.npy"],
    expect: ["--out a.npy is the same file as input A a.npy", "refusing to overwrite an input"],
    keep: ["a.npy", "b.npy"],
  },
  {
    name: "matmul -o B spelt another way (./sub/../b.npy)",
    setup: (d) => (matrices(d), mkdirSync(join(d, "sub"))),
    args: () => ["matmul", "a.npy", "b.npy", "-o", "./sub/../b.npy"],
    expect: ["--out ./sub/../b.npy is the same file as input B b.npy (both are ", "/b.npy)"],
    keep: ["a.npy", "b.npy"],
  },
  {
    name: "matmul -o through a symlink to A",
    setup: (d) => (matrices(d), symlinkSync("a.npy", join(d, "link.npy"))),
    args: () => ["matmul", "a.npy", "b.npy", "-o", "link.npy"],
    expect: ["--out link.npy is the same file as input A a.npy"],
    keep: ["a.npy"],
  },
  {
    name: "matmul -o into a symlinked folder that holds A",
    setup: (d) => (mkdirSync(join(d, "real")), writeFileSync(join(d, "real", "a.npy"), matrix(4, 3)), writeFileSync(join(d, "b.npy"), matrix(3, 2)), symlinkSync("real", join(d, "alias"))),
    args: () => ["matmul", "real/a.npy", "b.npy", "-o", "alias/a.npy"],
    expect: ["--out alias/a.npy is the same file as input A real/a.npy"],
    keep: ["real/a.npy"],
  },
  {
    name: "matmul -o a hard link to A",
    setup: (d) => (matrices(d), linkSync(join(d, "a.npy"), join(d, "hard.npy"))),
    args: () => ["matmul", "a.npy", "b.npy", "-o", "hard.npy"],
    expect: ["--out hard.npy is the same file as input A a.npy (two names for one file: a hard link)"],
    keep: ["a.npy", "hard.npy"],
  },
  {
    name: "matmul --trace onto -o (two outputs)",
    setup: matrices,
    args: () => ["matmul", "a.npy", "b.npy", "-o", "./c.csv", "--trace", "./c.csv"],
    expect: ["--out ./c.csv and --trace ./c.csv are the same file", "one output would overwrite the other"],
    keep: ["a.npy"],
  },
  {
    name: "matmul: the PE trace derived from --trace is input B",
    setup: (d) => (writeFileSync(join(d, "a.npy"), matrix(4, 3)), writeFileSync(join(d, "t.pe.csv"), "1,2\n3,4\n5,6\n")),
    args: () => ["matmul", "a.npy", "t.pe.csv", "-o", "c.npy", "--trace", "./t.csv", "--trace-pe", "0:2,0:2", "--mode", "detailed"],
    expect: ["--trace-pe ./t.pe.csv is the same file as input B t.pe.csv"],
    keep: ["t.pe.csv"],
  },
  {
    name: "asm p.s -o p.s",
    setup: (d) => writeFileSync(join(d, "p.s"), programText),
    args: () => ["asm", "p.s", "-o", "p.s"],
    expect: ["--out p.s is the same file as the program p.s"],
    keep: ["p.s"],
  },
  {
    name: "disasm p.bin -o p.bin",
    setup: (d) => writeFileSync(join(d, "p.bin"), programBin),
    args: () => ["disasm", "p.bin", "-o", "p.bin"],
    expect: ["--out p.bin is the same file as the program p.bin"],
    keep: ["p.bin"],
  },
  {
    name: "compile w.json -o w.json",
    setup: (d) => writeFileSync(join(d, "w.json"), workloadText),
    args: () => ["compile", "w.json", "-o", "w.json"],
    expect: ["--out w.json is the same file as the workload w.json"],
    keep: ["w.json"],
  },
  {
    name: "train w.json --save w.json (before loading any data)",
    setup: (d) => writeFileSync(join(d, "w.json"), workloadText),
    args: () => ["train", "w.json", "--save", "w.json"],
    expect: ["--save w.json is the same file as the workload w.json"],
    keep: ["w.json"],
  },
  {
    name: "train --trace onto --save",
    setup: (d) => writeFileSync(join(d, "w.json"), workloadText),
    args: () => ["train", "w.json", "--save", "./out.json", "--trace", "./out.json"],
    expect: ["--save ./out.json and --trace ./out.json are the same file"],
    keep: ["w.json"],
  },
  {
    name: "run prog.s --trace prog.s --trace-format csv",
    setup: (d) => writeFileSync(join(d, "prog.s"), programText),
    args: () => ["run", "./prog.s", "--trace", "./prog.s", "--trace-format", "csv"],
    expect: ["--trace ./prog.s is the same file as the program ./prog.s"],
    keep: ["prog.s"],
  },
  {
    name: "run: a bare --trace name resolves into traces/ before the check",
    setup: (d) => (mkdirSync(join(d, "traces")), writeFileSync(join(d, "traces", "p.s"), programText)),
    args: () => ["run", "traces/p.s", "--trace", "p.s", "--trace-format", "csv"],
    expect: ["--trace traces/p.s is the same file as the program traces/p.s"],
    keep: ["traces/p.s"],
  },
  {
    name: "eval --trace onto --weights",
    setup: (d) => writeFileSync(join(d, "wt.json"), weightsText),
    args: () => ["eval", WORKLOAD, "--weights", "wt.json", "--trace", "./wt.json", "--trace-format", "perfetto"],
    expect: ["--trace ./wt.json is the same file as --weights wt.json"],
    keep: ["wt.json"],
  },
  {
    name: "sweep --out onto the workload",
    setup: (d) => writeFileSync(join(d, "w.json"), workloadText),
    args: () => ["sweep", "w.json", "--arrays", "4x4", "--steps", "1", "--out", "w.json"],
    expect: ["--out w.json is the same file as the workload w.json"],
    keep: ["w.json"],
  },
  {
    name: "topology --out onto the topology",
    setup: (d) => writeFileSync(join(d, "net.csv"), topologyText),
    args: () => ["topology", "net.csv", "--preset", "small", "--jobs", "1", "--out", "./net.csv"],
    expect: ["--out ./net.csv is the same file as the topology net.csv"],
    keep: ["net.csv"],
  },
  {
    name: "topology --report through a symlink to the topology",
    setup: (d) => (writeFileSync(join(d, "net.csv"), topologyText), symlinkSync("net.csv", join(d, "page.html"))),
    args: () => ["topology", "net.csv", "--preset", "small", "--jobs", "1", "--report", "page.html"],
    expect: ["--report page.html is the same file as the topology net.csv"],
    keep: ["net.csv"],
  },
  {
    name: "topology --report onto --out",
    setup: (d) => writeFileSync(join(d, "net.csv"), topologyText),
    args: () => ["topology", "net.csv", "--preset", "small", "--jobs", "1", "--out", "t.html", "--report", "./t.html"],
    expect: ["--out t.html and --report ./t.html are the same file", "one output would overwrite the other"],
    keep: ["net.csv"],
  },
  {
    name: "merge a.csv b.csv -o b.csv",
    setup: (d) => (writeFileSync(join(d, "a.csv"), "point,x\n0,1\n"), writeFileSync(join(d, "b.csv"), "point,x\n1,2\n")),
    args: () => ["merge", "a.csv", "b.csv", "-o", "b.csv"],
    expect: ["--out b.csv is the same file as input 2 b.csv"],
    keep: ["a.csv", "b.csv"],
  },
  {
    name: "adversarial --save-npy PREFIX whose file is the weights",
    setup: (d) => writeFileSync(join(d, "w-original.npy"), weightsText),
    args: () => ["adversarial", WORKLOAD, "--weights", "w-original.npy", "--save-npy", "w"],
    expect: ["--save-npy w-original.npy is the same file as --weights w-original.npy"],
    keep: ["w-original.npy"],
  },
  {
    name: "fool --save-image PREFIX whose file is the workload",
    setup: (d) => (writeFileSync(join(d, "x-pattern.pgm"), workloadText), writeFileSync(join(d, "wt.json"), weightsText)),
    args: () => ["fool", "x-pattern.pgm", "--weights", "wt.json", "--target", "3", "--save-image", "x"],
    expect: ["--save-image x-pattern.pgm is the same file as the workload x-pattern.pgm"],
    keep: ["x-pattern.pgm"],
  },
];

describe("an output that is an input, or another output, is refused before any work", () => {
  const results = new Map<string, { r: CliResult; before: Map<string, Buffer>; files: string[] }>();
  beforeAll(async () => {
    const runs = await inPool(CASES, 2, async (c) => {
      const dir = at(c.name.replace(/[^A-Za-z0-9]+/g, "-"));
      mkdirSync(dir);
      c.setup(dir);
      const before = new Map(c.keep.map((f) => [f, readFileSync(join(dir, f))]));
      const files = listing(dir);
      const r = await runCli(c.args(dir), { cwd: dir });
      return { r, before, files, dir };
    });
    CASES.forEach((c, i) => results.set(c.name, runs[i]));
  });

  for (const c of CASES) {
    it(c.name, () => {
      const { r, before, files } = results.get(c.name)!;
      const dir = at(c.name.replace(/[^A-Za-z0-9]+/g, "-"));
      expectCliError(r, c.expect, 1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stdout).toBe("");
      // Refused before any work: no training or run started, and the folder holds what it held.
      expect(r.stderr).not.toMatch(/training|sweeping|epoch|layers on/);
      expect(listing(dir)).toEqual(files);
      for (const [f, bytes] of before) expect(readFileSync(join(dir, f)).equals(bytes), `${f} changed`).toBe(true);
    });
  }
});

describe("outputs that only look alike are allowed", () => {
  it("matmul -o beside its inputs, and the inputs themselves under other names, run", async () => {
    const dir = at("distinct");
    mkdirSync(dir);
    matrices(dir);
    const r = await runCli(["matmul", "a.npy", "b.npy", "-o", "a.npy.csv", "--array", "4x4", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual([{ role: "product", path: "a.npy.csv" }]);
  });
});

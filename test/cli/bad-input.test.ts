/**
 * Issue "Robustness: bad input, faults and long runs lose nothing": every kind of bad input gets a
 * one-line `tpusim: ...` error naming the file and line, JSON path, byte offset or flag, a non-zero
 * exit code and no stack trace. Each case spawns the real CLI.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.js";
import { weightsToJson } from "../../src/data/weights.js";
import { assemble } from "../../src/isa/assembler.js";
import { encodeProgram } from "../../src/isa/binary.js";
import { initParameters } from "../../src/workloads/init.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import {
  FIXTURES, PROGRAMS, REPO, WORKLOAD, ensureBuilt, expectCliError, expectUsage, inPool, listing, makeTemp, removeTemp, runCli,
  type CliResult,
} from "./helpers.js";

let tmp: string;
const at = (name: string) => join(tmp, name);
const base = JSON.parse(readFileSync(WORKLOAD, "utf8"));

/** The shipped 784-16-16-10 workload with `edit` applied, written to tmp/<name>. */
function workload(name: string, edit: (spec: typeof base) => void): string {
  const spec = structuredClone(base);
  edit(spec);
  writeFileSync(at(name), JSON.stringify(spec, null, 2));
  return at(name);
}

const matrix = (name: string, rows: number, cols: number) => {
  writeFileSync(at(name), encodeNpy({ rows, cols, data: Float64Array.from({ length: rows * cols }, (_, i) => i + 1) }));
  return at(name);
};

beforeAll(() => {
  ensureBuilt();
  tmp = makeTemp();
});
afterAll(() => removeTemp(tmp));

interface Case {
  name: string;
  args: () => string[];
  /** Every pattern must appear in the last stderr line. */
  expect: (RegExp | string)[];
  usage?: boolean;
  code?: number;
}

/** Runs the cases two at a time, then checks each one in its own `it`. */
function cases(title: string, list: Case[]): void {
  describe(title, () => {
    const results = new Map<string, CliResult>();
    beforeAll(async () => {
      const out = await inPool(list, 2, (c) => runCli(c.args(), { cwd: tmp }));
      list.forEach((c, i) => results.set(c.name, out[i]));
    });
    for (const c of list) {
      it(c.name, () => {
        const r = results.get(c.name) as CliResult;
        expectCliError(r, c.expect, c.code ?? 1);
        if (c.usage) expectUsage(r);
        else expect(r.stderr).not.toMatch(/Options:/);
        expect(r.stdout).toBe("");
      });
    }
  });
}

cases("workload specs name the file and the JSON path of every wrong field", [
  {
    name: "negative layer size",
    args: () => ["train", workload("neg.json", (s) => (s.layers[1].units = -3)), "--json"],
    expect: ["neg.json", "$.layers[1].units: must be an integer >= 1 (got -3)"],
  },
  {
    name: "zero sizes: every wrong field at once",
    args: () => ["compile", workload("zero.json", (s) => ((s.layers[0].units = 0), (s.batch = 0))), "-o", "x.s"],
    expect: ["zero.json", "$.layers[0].units: must be an integer >= 1 (got 0)", "$.batch: must be an integer >= 1 (got 0)"],
  },
  {
    name: "unknown activation",
    args: () => ["compile", workload("act.json", (s) => (s.layers[2].activation = "tanh")), "-o", "x.s"],
    expect: ["act.json", '$.layers[2].activation: must be "sigmoid" or "relu" or "identity" (got "tanh")'],
  },
  {
    name: "host bandwidth 0 via hardware.overrides",
    args: () => ["compile", workload("bw0.json", (s) => (s.hardware.overrides = { hostBytesPerCycle: 0 })), "-o", "x.s"],
    expect: ["bw0.json", "$.hardware.overrides.hostBytesPerCycle", "integer >= 1", "(got 0)"],
  },
  {
    name: "a fractional link width (links move whole bytes)",
    args: () => ["compile", workload("bwfrac.json", (s) => (s.hardware.overrides = { hostBytesPerCycle: 1.5 })), "-o", "x.s"],
    expect: ["bwfrac.json", "$.hardware.overrides.hostBytesPerCycle", "integer >= 1", "(got 1.5)"],
  },
  {
    name: "no unified-buffer read port",
    args: () => ["compile", workload("ports0.json", (s) => (s.hardware.overrides = { unifiedBufferReadPorts: 0 })), "-o", "x.s"],
    expect: ["ports0.json", "$.hardware.overrides.unifiedBufferReadPorts", "integer >= 1", "(got 0)"],
  },
  {
    name: "negative weight bandwidth via hardware.overrides",
    args: () => ["compile", workload("bwneg.json", (s) => (s.hardware.overrides = { weightBytesPerCycle: -1 })), "-o", "x.s"],
    expect: ["bwneg.json", "$.hardware.overrides.weightBytesPerCycle", "(got -1)"],
  },
  {
    name: "a misspelt field is unknown, not ignored",
    args: () => ["compile", workload("typo.json", (s) => ((s.epoch = 2), delete s.epochs)), "-o", "x.s"],
    expect: ["typo.json", "$.epochs: is required", "$.epoch: unknown field"],
  },
  {
    name: "a JSON syntax error names line and column",
    args: () => {
      writeFileSync(at("syntax.json"), '{\n  "name": "x",\n  "inputs": 784,,\n}\n');
      return ["compile", at("syntax.json"), "-o", "x.s"];
    },
    expect: [/syntax\.json:3:\d+: invalid JSON/],
  },
  {
    name: "a value nested too deeply to print (regression: RangeError from show())",
    args: () => {
      writeFileSync(at("deep.json"), JSON.stringify({ ...base, name: 0 }).replace('"name":0', `"name":${"[".repeat(20000)}${"]".repeat(20000)}`));
      return ["compile", at("deep.json"), "-o", "x.s"];
    },
    expect: ["deep.json", "$.name: must be a non-empty string (got [...])"],
  },
  {
    name: "one sample too large for the unified buffer (from the compiler) names the parameter",
    args: () => ["compile", workload("ub.json", (s) => (s.hardware = { preset: "small", overrides: { unifiedBufferBytes: 1024 } })), "-o", "x.s"],
    expect: ["field unifiedBufferBytes", "one sample does not fit the unified buffer", "holds 512 bf16 elements"],
  },
  {
    name: "a convolution with more positions than accumulator rows names the layer",
    args: () => ["train", join(REPO, "workloads/mnist-cnn-small.json"), "--set", "accumulatorRows=100"],
    expect: ["field accumulatorRows", "layer 0 has 144 output positions per image", "needs 144 accumulator rows"],
  },
  {
    name: "a missing workload file",
    args: () => ["train", "no-such-workload.json"],
    expect: ["no-such-workload.json", "does not exist"],
  },
]);

cases("assembly errors name the line and column", [
  {
    name: "unknown mnemonic",
    args: () => (writeFileSync(at("op.s"), "; comment\n   FOO ub=1\nHALT\n"), ["run", at("op.s")]),
    expect: ["op.s:2:4: unknown mnemonic 'FOO'"],
  },
  {
    name: "unknown field",
    args: () => (writeFileSync(at("field.s"), "MMUL ub=0 ustride=4 rows=4 colz=4 acc=0\nHALT\n"), ["asm", at("field.s"), "-o", "f.bin"]),
    expect: ["field.s:1:28, field colz: MMUL has no field 'colz'"],
  },
  {
    name: "value too wide for its field",
    args: () => (writeFileSync(at("wide.s"), "HALT\nRHM host=0 hstride=4 ub=0 ustride=4 rows=70000 cols=4\n"), ["run", at("wide.s")]),
    expect: ["wide.s:2:42, field rows: value 70000 is too wide for rows: 16 bits, maximum 65535"],
  },
  {
    name: "undefined symbol",
    args: () => (writeFileSync(at("sym.s"), "RHM host=x hstride=4 ub=0 ustride=4 rows=1 cols=4\nHALT\n"), ["run", at("sym.s")]),
    expect: ["sym.s:1:10, field host: undefined symbol 'x'"],
  },
  {
    name: "an .equ chain too long to resolve (regression: RangeError from recursion)",
    args: () => {
      const lines = Array.from({ length: 20000 }, (_, i) => `.equ s${i}, s${i + 1}`);
      writeFileSync(at("chain.s"), ["NOP", ...lines, ".equ s20000, 1", "HALT"].join("\n"));
      return ["asm", at("chain.s"), "-o", "chain.bin"];
    },
    expect: [/chain\.s:\d+:\d+: 's\d+' is defined through a chain of more than 1000 \.equ symbols/],
  },
]);

const program = encodeProgram(assemble(readFileSync(join(REPO, "examples/matmul-4x4.s"), "utf8"), "m.s"));
/** The 4x4 example's binary with `edit` applied, written to tmp/<name>. */
function binary(name: string, edit: (b: Uint8Array) => Uint8Array): string {
  writeFileSync(at(name), edit(program.slice()));
  return at(name);
}

cases("binary programs name the byte offset and the field", [
  {
    name: "unknown opcode",
    args: () => ["run", binary("op.bin", (b) => ((b[16 + 32] = 0x77), b))],
    expect: ["op.bin, byte offset 48, field opcode: unknown opcode 0x77"],
  },
  {
    name: "truncated inside an instruction",
    args: () => ["disasm", binary("cut.bin", (b) => b.subarray(0, 50))],
    expect: ["cut.bin, byte offset 48: truncated instruction 1 of 5: expected 32 bytes, found 2"],
  },
  {
    name: "truncated inside a data segment",
    args: () => ["run", binary("cutdata.bin", (b) => b.subarray(0, b.length - 3))],
    expect: [/cutdata\.bin, byte offset \d+: truncated data segment 1/],
  },
  {
    name: "bad magic",
    args: () => ["run", binary("magic.bin", (b) => ((b[0] = 0x58), b))],
    expect: ["magic.bin, byte offset 0: bad magic"],
  },
  {
    name: "a reserved bit set",
    args: () => ["disasm", binary("resv.bin", (b) => ((b[16 + 31] = 1), b))],
    expect: ["resv.bin, byte offset 16, field reserved: RHM: reserved bit 248 is set"],
  },
  {
    name: "an empty file",
    args: () => ["run", binary("empty.bin", () => new Uint8Array(0))],
    expect: ["empty.bin, byte offset 0: truncated header"],
  },
]);

cases("matrices and shapes", [
  {
    name: ".npy of an unsupported dtype (fixture)",
    args: () => ["matmul", join(FIXTURES, "bad-dtype.npy"), matrix("b32.npy", 3, 2), "-o", "c.npy"],
    expect: ["bad-dtype.npy, byte offset 20: unsupported dtype '<c8'"],
  },
  {
    name: "CSV with a ragged row (fixture)",
    args: () => ["matmul", matrix("a23.npy", 2, 3), join(FIXTURES, "ragged.csv"), "-o", "c.npy"],
    expect: ["ragged.csv:4:1: line 4 has 2 values, line 2 has 3"],
  },
  {
    name: "CSV with a cell that is not a number",
    args: () => (writeFileSync(at("cell.csv"), "1,2\n3,x4\n"), ["matmul", at("cell.csv"), matrix("b2.npy", 2, 2), "-o", "c.npy"]),
    expect: ['cell.csv:2:3: "x4" is not a number'],
  },
  {
    name: "shapes that cannot multiply",
    args: () => ["matmul", matrix("a23b.npy", 2, 3), matrix("b23.npy", 2, 3), "-o", "c.npy"],
    expect: ["b23.npy: shapes cannot multiply: A is 2x3, B is 2x3"],
  },
  {
    name: "an empty matrix (regression: was a RuntimeFault from RHM rows=0)",
    args: () => ["matmul", matrix("a03.npy", 0, 3), matrix("b32b.npy", 3, 2), "-o", "c.npy"],
    expect: ["a03.npy: A is 0x3, an empty matrix"],
  },
  {
    name: "an output name without a matrix extension fails before the run",
    args: () => ["matmul", matrix("a23c.npy", 2, 3), matrix("b32c.npy", 3, 2), "-o", "c.txt"],
    expect: ['c.txt: cannot tell the matrix format from extension ".txt"'],
  },
  {
    name: "a missing input file",
    args: () => ["matmul", "nope.npy", matrix("b32d.npy", 3, 2), "-o", "c.npy"],
    expect: ["nope.npy: cannot read the file: it does not exist"],
  },
]);

/** A weights file for `spec` (initial parameters), edited, written to tmp/<name>. */
function weights(name: string, specText: string, edit: (w: { layers: { values: unknown[]; units: unknown; activation?: unknown }[] }) => void = () => {}): string {
  const spec = parseWorkload(specText);
  const w = JSON.parse(weightsToJson(spec, initParameters(spec)));
  edit(w);
  writeFileSync(at(name), JSON.stringify(w));
  return at(name);
}
const other = readFileSync(join(REPO, "workloads/mnist-784-128-10.json"), "utf8");
const same = readFileSync(WORKLOAD, "utf8");

cases("weights files that do not match the workload (eval --weights)", [
  {
    name: "weights of another network",
    args: () => ["eval", WORKLOAD, "--weights", weights("other.json", other)],
    expect: ["other.json, $.layers: the workload has 3 layers, the weights 2"],
  },
  {
    name: "a layer with a different size",
    args: () => ["eval", WORKLOAD, "--weights", weights("units.json", same, (w) => (w.layers[1].units = 17))],
    expect: ["units.json, $.layers[1].units: the workload's layer has 16 units, the weights 17"],
  },
  {
    name: "a layer with another activation",
    args: () => ["eval", WORKLOAD, "--weights", weights("act-weights.json", same, (w) => (w.layers[2].activation = "relu"))],
    expect: ['act-weights.json, $.layers[2].activation: the workload\'s layer uses sigmoid, the weights were trained with "relu"'],
  },
  {
    name: "a value missing",
    args: () => ["eval", WORKLOAD, "--weights", weights("short.json", same, (w) => w.layers[1].values.pop())],
    expect: ["short.json, $.layers[1].values: expected 16 x 17 = 272 numbers, got 271"],
  },
  {
    name: "a value that is not a number",
    args: () => ["eval", WORKLOAD, "--weights", weights("str.json", same, (w) => (w.layers[2].values[5] = "x"))],
    expect: ['str.json, $.layers[2].values[5]: expected a finite number, got "x"'],
  },
  {
    name: "a value beyond the fp32 range (regression: became infinity in weight memory)",
    args: () => ["eval", WORKLOAD, "--weights", weights("big.json", same, (w) => (w.layers[0].values[7] = 1e39)), "--dtype", "int8"],
    expect: ["big.json, $.layers[0].values[7]: 1e+39 is beyond the fp32 range"],
  },
  {
    name: "not JSON at all",
    args: () => (writeFileSync(at("garbage.json"), "weights!"), ["eval", WORKLOAD, "--weights", at("garbage.json")]),
    expect: ["garbage.json: not valid JSON"],
  },
]);

cases("flags: unknown ones and bad values are rejected in one line that points at the help", [
  { name: "unknown flag", args: () => ["run", join(PROGRAMS, "long.s"), "--bogus"], expect: ["Unknown argument: bogus"], usage: true },
  { name: "unknown command", args: () => ["frobnicate"], expect: ["Unknown argument: frobnicate", "(see tpusim --help)"], usage: true },
  { name: "a misspelt command is named, with the nearest one", args: () => ["trian", WORKLOAD], expect: ['unknown command "trian"; did you mean train?'], usage: true },
  {
    name: "a misspelt flag suggests the nearest one (issue 19)",
    args: () => ["train", WORKLOAD, "--epoch", "3"],
    expect: ["Unknown argument: epoch; did you mean --epochs?", "(see tpusim train --help)"],
    usage: true,
  },
  {
    name: "two misspelt flags, each with its suggestion",
    args: () => ["train", WORKLOAD, "--epoch", "3", "--bach", "8"],
    expect: ["Unknown arguments: epoch, bach; did you mean --epochs for --epoch, --batch for --bach?"],
    usage: true,
  },
  {
    name: "a misspelt negated flag suggests the negation of the nearest one",
    args: () => ["compile", WORKLOAD, "--no-simulat"],
    expect: ["Unknown argument: simulat; did you mean --no-simulate?", "(see tpusim compile --help)"],
    usage: true,
  },
  {
    name: "a flag given twice says so plainly (regression: 'got 0,32', issue 19)",
    args: () => ["train", WORKLOAD, "--batch", "0", "--batch", "32"],
    expect: ["--batch was given 2 times (0, 32); give it once"],
    usage: true,
  },
  {
    name: "an output flag given twice, through its alias too",
    args: () => ["matmul", matrix("a23r.npy", 2, 3), matrix("b32r.npy", 3, 2), "-o", "c.npy", "--out", "d.npy"],
    expect: ['--out was given 2 times ("c.npy", "d.npy"); give it once', "(see tpusim matmul --help)"],
    usage: true,
  },
  { name: "--array 0x4", args: () => ["run", join(PROGRAMS, "long.s"), "--array", "0x4"], expect: ['--array must be RxC with R, C >= 1 (e.g. 16x16), got "0x4"'], usage: true },
  { name: "--epochs 0", args: () => ["train", WORKLOAD, "--epochs", "0"], expect: ["--epochs must be a whole number >= 1, got 0"], usage: true },
  { name: "--train-limit abc", args: () => ["train", WORKLOAD, "--train-limit", "abc"], expect: ["--train-limit must be a whole number >= 1, got NaN"], usage: true },
  { name: "--max-cycles 0", args: () => ["run", join(PROGRAMS, "long.s"), "--max-cycles", "0"], expect: ["--max-cycles must be a whole number >= 1, got 0"], usage: true },
  {
    name: "--trace-every 0",
    args: () => ["matmul", matrix("a23e.npy", 2, 3), matrix("b32e.npy", 3, 2), "-o", "c.npy", "--trace", "t.csv", "--trace-every", "0"],
    expect: ["--trace-every: must be a whole number of cycles >= 1, got 0"],
    usage: true,
  },
  {
    name: "--trace-to before --trace-from",
    args: () => ["run", join(PROGRAMS, "long.s"), "--trace", "t.csv", "--trace-from", "5", "--trace-to", "3"],
    expect: ["--trace-to: must not be before --trace-from 5, got 3"],
    usage: true,
  },
  { name: "--trace-every without --trace", args: () => ["run", join(PROGRAMS, "long.s"), "--trace-every", "2"], expect: ["--trace-every needs --trace FILE"], usage: true },
  {
    name: "an invalid choice stays on one line",
    args: () => ["run", join(PROGRAMS, "long.s"), "--mode", "turbo"],
    expect: ['Invalid values: Argument: mode, Given: "turbo", Choices: "fast", "detailed"'],
    usage: true,
  },
  { name: "a missing required option", args: () => ["eval", WORKLOAD], expect: ["Missing required argument: weights"], usage: true },
  { name: "a missing positional", args: () => ["run"], expect: ["Not enough non-option arguments"], usage: true },
  { name: "--set with a bad value names the parameter", args: () => ["run", join(PROGRAMS, "long.s"), "--set", "rows=0"], expect: ["--set.rows: must be an integer >= 1 (got 0)"] },
  { name: "--set of an unknown parameter", args: () => ["run", join(PROGRAMS, "long.s"), "--set", "bogus=3"], expect: ['--set.bogus: unknown hardware parameter "bogus"'] },
  { name: "--trace with an unknown extension", args: () => ["run", join(PROGRAMS, "long.s"), "--trace", "t.txt"], expect: ["field --trace: cannot tell the trace format"] },
]);

describe("rejected runs leave no files behind", () => {
  it("nothing but the inputs written above is in the temp folder", () => {
    const outputs = listing(tmp).filter((f) => /^(x\.s|f\.bin|chain\.bin|c\.npy|c\.txt|t\.csv|t\.txt)$|\.tmp-/.test(f));
    expect(outputs).toEqual([]);
  });
});

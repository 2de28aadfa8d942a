/**
 * `tpusim matmul` output types through the compiled CLI: int8 products are written as int32 ('<i4'),
 * exact above 2^24 where float32 would round (issue 14); bf16 products as fp32 ('<f4'); a CSV
 * product holds integers. The product streams through several row blocks (small accumulators).
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpy, parseNpy } from "../../src/data/npy.js";
import { ensureBuilt, expectCliError, makeTemp, removeTemp, runCli } from "./helpers.js";
import { referenceMatmulInt32 } from "../helpers/reference-matmul.js";

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = makeTemp("tpusim-matmul-cli-");
}, 180_000);
afterAll(() => removeTemp(dir));

const [m, k, n] = [40, 1100, 3];
// -128 * -128 summed 1100 times is 18022400 > 2^24 = 16777216: float32 would round it.
const a = Float64Array.from({ length: m * k }, (_, i) => (i % 97 === 0 ? 5 : -128));
const b = Float64Array.from({ length: k * n }, (_, i) => (i % 89 === 0 ? 3 : -128));

describe("tpusim matmul: exact output types", () => {
  it("int8: '<i4' .npy, exact above 2^24, streamed in row blocks", async () => {
    writeFileSync(join(dir, "a.npy"), encodeNpy({ rows: m, cols: k, data: a }));
    writeFileSync(join(dir, "b.npy"), encodeNpy({ rows: k, cols: n, data: b }));
    const out = join(dir, "c.npy");
    const r = await runCli(["matmul", join(dir, "a.npy"), join(dir, "b.npy"), "-o", out, "--array", "8x8", "--dtype", "int8", "--set", "accumulatorRows=16", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.outType).toBe("int32");
    expect(j.plan.mBlocks).toBe(5);
    // The compiler's lower bound (docs/BOUND.md): never above the simulated cycles.
    expect(j.bound.cycles).toBeGreaterThan(0);
    expect(j.bound.cycles).toBeLessThanOrEqual(j.cycles);
    expect(j.ratio).toBeCloseTo(j.cycles / j.bound.cycles, 4);
    expect(j.bound.terms[j.bound.binding]).toBe(j.bound.cycles);
    const bytes = new Uint8Array(readFileSync(out));
    expect(new TextDecoder("latin1").decode(bytes.subarray(0, 64))).toContain("'descr': '<i4'");
    const c = parseNpy(bytes, out);
    const want = referenceMatmulInt32(a, m, k, b, n);
    expect(Math.max(...want)).toBeGreaterThan(2 ** 24);
    expect(Array.from(c.data)).toEqual(Array.from(want));
  }, 60_000);

  it("int8 to CSV: integers", async () => {
    const out = join(dir, "c.csv");
    const r = await runCli(["matmul", join(dir, "a.npy"), join(dir, "b.npy"), "-o", out, "--array", "8x8", "--dtype", "int8"]);
    expect(r.code).toBe(0);
    const first = readFileSync(out, "utf8").split("\n")[0].split(",").map(Number);
    expect(first).toEqual(Array.from(referenceMatmulInt32(a, m, k, b, n).subarray(0, n)));
  }, 60_000);

  it("bf16: '<f4'", async () => {
    const out = join(dir, "f.npy");
    const r = await runCli(["matmul", join(dir, "a.npy"), join(dir, "b.npy"), "-o", out, "--array", "8x8", "--dtype", "bf16", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).outType).toBe("float32");
    expect(new TextDecoder("latin1").decode(readFileSync(out).subarray(0, 64))).toContain("'descr': '<f4'");
  }, 60_000);

  it("-o naming an input is refused before the run", async () => {
    const r = await runCli(["matmul", join(dir, "a.npy"), join(dir, "b.npy"), "-o", join(dir, "a.npy")]);
    expectCliError(r, ["--out", /is the same file as input A .*: refusing to overwrite an input/], 1);
  }, 60_000);
});

describe("tpusim matmul: B wider than weight memory", () => {
  it("runs in column panels through a scratch file; the product is still exact and row-major", async () => {
    const out = join(dir, "p.npy");
    // 8000 bytes hold one 1100-row column of B, not two: three panels of one column.
    const r = await runCli(["matmul", join(dir, "a.npy"), join(dir, "b.npy"), "-o", out, "--array", "8x1", "--dtype", "int8", "--set", "weightMemoryBytes=8000", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.panels).toBe(3);
    expect(j.bound.cycles).toBeLessThanOrEqual(j.cycles); // the sum of the three panels' bounds
    expect(Array.from(parseNpy(new Uint8Array(readFileSync(out)), out).data)).toEqual(Array.from(referenceMatmulInt32(a, m, k, b, n)));
  }, 60_000);
});

describe("tpusim matmul: a run that faults", () => {
  it("is one line, exit 2, and leaves no product or temp file (regression: the pending .npy header write crashed Node)", async () => {
    const sub = makeTemp("tpusim-matmul-fault-");
    try {
      writeFileSync(join(sub, "big.npy"), encodeNpy({ rows: 2, cols: 2, data: Float64Array.from([3e38, 3e38, 3e38, 3e38]) }));
      const r = await runCli(["matmul", join(sub, "big.npy"), join(sub, "big.npy"), "-o", join(sub, "c.npy"), "--dtype", "bf16", "--array", "2x2"]);
      expectCliError(r, [/non-finite value written to accumulator/], 2);
      expect(readdirSync(sub)).toEqual(["big.npy"]);
    } finally {
      removeTemp(sub);
    }
  }, 60_000);
});

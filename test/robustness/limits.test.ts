/**
 * Issue 19, "Refuse before allocating": hardware overrides and workload sizes are checked against the
 * documented limits (docs/LIMITS.md) by arithmetic, before any memory is allocated or any program is
 * built, naming the limit and the excess; hardware problems are all listed at once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHwConfig, PRESETS } from "../../src/config/hw-config.js";
import { MAX_CHIP_HOST_BYTES, MAX_MEMORY_HOST_BYTES, memoryDemands } from "../../src/config/limits.js";
import { compileInference, compileTrainingStep } from "../../src/compiler/index.js";
import { checkWorkloadSizes, MAX_FORWARD_OPS } from "../../src/compiler/preflight.js";
import type { Program } from "../../src/isa/program.js";
import { checkProgramHostMemory } from "../../src/jobs/program-limits.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import type { WorkloadSpec } from "../../src/workloads/types.js";
import { errorOf } from "../helpers/user-error.js";
import { REPO, WORKLOAD, ensureBuilt, expectCliError, inPool, makeTemp, removeTemp, runCli, type CliResult } from "../cli/helpers.js";

const GiB = 2 ** 30;
const specText = readFileSync(WORKLOAD, "utf8");
const base = parseWorkload(specText);
const edit = (f: (s: Record<string, any>) => void): WorkloadSpec => {
  const s = JSON.parse(specText);
  f(s);
  return parseWorkload(JSON.stringify(s));
};

describe("hardware overrides: every problem at once", () => {
  it("{rows: 0, clockMHz: -5, bogus: 1} names all three (regression: only bogus)", () => {
    const e = errorOf(() => buildHwConfig("small", { rows: 0, clockMHz: -5, bogus: 1 }, "--set"));
    expect(e.message).toContain('--set.bogus: unknown hardware parameter "bogus"');
    expect(e.message).toContain("--set.rows: must be an integer >= 1 (got 0)");
    expect(e.message).toContain("--set.clockMHz: must be a number > 0 (got -5)");
    expect(e.message.split("\n")).toHaveLength(1);
  });

  it("a workload's overrides list every problem with its JSON path", () => {
    const s = JSON.parse(specText);
    s.hardware = { preset: "small", overrides: { rows: 0, clockMHz: -5, bogus: 1 } };
    const e = errorOf(() => parseWorkload(JSON.stringify(s), "w.json"));
    for (const p of ["$.hardware.overrides.rows", "$.hardware.overrides.clockMHz", "$.hardware.overrides.bogus"]) expect(e.message).toContain(p);
  });

  it("--set unifiedBufferBytes=1e15 names the memory, the limit and the excess (regression: Invalid typed array length)", () => {
    const e = errorOf(() => buildHwConfig("tpu-v2", { unifiedBufferBytes: 1e15 }, "--set"));
    // bf16: 5e14 elements, each a 4-byte float in the simulator = 2e15 bytes against 2 GiB.
    expect(e.message).toContain("--set.unifiedBufferBytes: is too large for the simulator (got 1000000000000000)");
    expect(e.message).toContain("the unified buffer would take 1,862,645 GiB of host memory");
    expect(e.message).toContain(`${Math.round(2e15 / (2 * GiB)).toLocaleString("en-US")}x over the limit of 2 GiB per memory`);
  });

  it("each sized memory has its limit; the sum has the chip's", () => {
    const over = (param: string, value: number) => errorOf(() => buildHwConfig("small", { [param]: value }, "--set")).message;
    // bf16: 4 + 2 bytes a weight (fp32 master + bf16 copy), so 9 GiB holds 1.5 Gi weights, each a 4-byte float in the simulator.
    expect(over("weightMemoryBytes", 9 * GiB)).toMatch(/weightMemoryBytes: .*weight memory would take 6 GiB/);
    // 2^26 rows x 8 columns x 4 bytes is exactly 2 GiB: allowed; twice that is not.
    expect(() => buildHwConfig("small", { accumulatorRows: 2 ** 26 })).not.toThrow();
    expect(over("accumulatorRows", 2 ** 27)).toMatch(/accumulatorRows: .*accumulators would take 4 GiB .*2x over/);
    expect(over("weightFifoTiles", 2 ** 24)).toMatch(/weightFifoTiles: .*weight FIFO would take 4 GiB/);
    expect(over("activationLatency", 1e9)).toMatch(/activationLatency: .*activation pipeline/);
    // The vector unit's (vectorLatency + 1) pipeline slots and VEC's operand latch, vectorLanes wide, 4 bytes each:
    // (1e9 + 2) x 8 x 4 and (2 + 2) x 1e9 x 4 bytes, both over 2 GiB; the larger factor is named.
    expect(over("vectorLatency", 1e9)).toMatch(/vectorLatency: .*vector pipeline would take 29.8 GiB/);
    expect(over("vectorLanes", 1e9)).toMatch(/vectorLanes: .*vector pipeline would take 14.9 GiB/);
    // Under each per-memory limit, over the chip's (int8): 460 Mi elements of unified buffer x 4 bytes = 1840 MiB,
    // 1900 MiB / (4 + 1) = 380 Mi weights x 4 bytes = 1520 MiB, 2^22 tiles x 64 x 4 bytes = 1024 MiB: 4384 MiB > 4 GiB.
    const e = errorOf(() => buildHwConfig("small", { dtype: "int8", unifiedBufferBytes: 460 * 2 ** 20, weightMemoryBytes: 1900 * 2 ** 20, weightFifoTiles: 2 ** 22 }, "--set"));
    expect(e.message).toMatch(/the chip's memories would take .* together .*over the limit of 4 GiB per chip/);
  });

  it("the limits are the allocations: a configuration at the limit builds, every preset is far inside", () => {
    const cfg = buildHwConfig("small", { unifiedBufferBytes: MAX_MEMORY_HOST_BYTES / 2 }); // bf16: 2 bytes per element -> 4 bytes held
    expect(memoryDemands(cfg)[0].hostBytes).toBe(MAX_MEMORY_HOST_BYTES);
    for (const name of Object.keys(PRESETS)) {
      const total = memoryDemands(buildHwConfig(name)).reduce((s, d) => s + d.hostBytes, 0);
      expect(total).toBeLessThan(MAX_CHIP_HOST_BYTES / 8);
    }
  });
});

describe("workload sizes: refused by the preflight, before the graph is built", () => {
  const hw = buildHwConfig("tpu-v2");

  it('"units": 1e9 names the weight memory and the instruction count (regression: 34 s, then out of memory)', () => {
    const spec = edit((s) => (s.layers[0].units = 1e9));
    const e = errorOf(() => compileTrainingStep(spec, hw));
    expect(e.where.field).toBe("weightMemoryBytes");
    expect(e.message).toContain("the network's parameters need 801,000,000,186 fp32 values of weight memory");
    // tpu-v2 (bf16): 256 MiB / (4 + 2) bytes per weight = 44,739,242 weights; 801,000,000,186 / 44,739,242 = 17,903.7.
    expect(e.message).toContain("but it holds 44,739,242: 17,904x over");
    expect(e.message).toContain("field layers: the forward pass alone would be about");
  });

  it('"batch": 1e9 names the host memory, and the largest batch within it', () => {
    const spec = edit((s) => (s.batch = 1e9));
    const e = errorOf(() => compileInference(spec, hw));
    expect(e.where.field).toBe("batch");
    // 784 inputs + 2 x 10 outputs, 8 bytes each: 6,432 bytes a sample; 2 GiB / 6,432 = 333,874 samples.
    expect(e.message).toContain("batch 1000000000 needs 5,990 GiB of host memory");
    expect(e.message).toContain(`the largest batch within it is ${Math.floor(2 * GiB / (8 * 804))}`);
  });

  it("a convolution with a huge kernel and padding is refused by its gathers and parameters", () => {
    const spec = edit((s) => (s.layers[0] = { type: "conv", kernel: 1000, channels: 4, padding: 999, activation: "relu" }));
    const e = errorOf(() => checkWorkloadSizes(spec, hw));
    expect(e.message).toMatch(/instructions \(matrix passes and im2col gathers\)/);
  });

  it("the weight-memory check is exact at the boundary: one parameter more is refused, the limit itself compiles", () => {
    // 784-16-16-10 has 12,730 + 272 + 170 = 13,172... computed here from the layer sizes, independently.
    const params = 16 * 785 + 16 * 17 + 10 * 17;
    // small is bf16: each weight takes 4 + 2 bytes (fp32 master + bf16 copy); one byte less holds one weight less.
    const fits = buildHwConfig("small", { weightMemoryBytes: 6 * params });
    const short = buildHwConfig("small", { weightMemoryBytes: 6 * params - 1 });
    expect(() => checkWorkloadSizes(base, fits)).not.toThrow();
    expect(compileInference(base, fits).program.instructions.length).toBeGreaterThan(0);
    expect(errorOf(() => checkWorkloadSizes(base, short)).message).toContain(`need ${params.toLocaleString("en-US")} fp32 values`);
  });

  it("never refuses a shipped workload, on any preset or on a 1x1 array", () => {
    for (const file of ["mnist-784-16-16-10", "mnist-784-128-10", "mnist-784-128-10-ce", "mnist-784-256-256-10", "mnist-cnn-small"]) {
      const spec = parseWorkload(readFileSync(join(REPO, "workloads", `${file}.json`), "utf8"));
      for (const name of Object.keys(PRESETS)) expect(() => checkWorkloadSizes(spec, buildHwConfig(name)), `${file} on ${name}`).not.toThrow();
      expect(() => checkWorkloadSizes(spec, buildHwConfig("tpu-v2", { rows: 1, cols: 1 })), `${file} on 1x1`).not.toThrow();
    }
    expect(MAX_FORWARD_OPS).toBe(2 ** 20);
  });
});

describe("programs: host memory before the run", () => {
  it("an RHM at host address 4e9 is refused, naming the instruction and the size", () => {
    const program: Program = { instructions: [{ op: "RHM", f: { host: 4e9, hstride: 1, ub: 0, ustride: 1, rows: 1, cols: 1 } }, { op: "HALT", f: {} }], data: [] };
    const e = errorOf(() => checkProgramHostMemory(program, "big.s"));
    expect(e.message).toContain("big.s: instruction 0 (RHM) reaches host address 4000000000");
    expect(e.message).toContain("29.8 GiB");
  });
});

describe("the CLI refuses these in one line, with no internal error", () => {
  let tmp: string;
  const results: CliResult[] = [];
  const runs: [string[], string[]][] = [
    [["run", "examples/matmul-4x4.s", "--set", "unifiedBufferBytes=1e15"], ["--set.unifiedBufferBytes: is too large for the simulator"]],
    [["run", "examples/matmul-4x4.s", "--set", "rows=0", "--set", "clockMHz=-5", "--set", "bogus=1"], ["--set.bogus", "--set.rows", "--set.clockMHz"]],
    [["train", "UNITS"], ["field weightMemoryBytes: the network's parameters need"]],
    [["train", "BATCH"], ["field batch: batch 1000000000 needs"]],
  ];
  beforeAll(async () => {
    ensureBuilt();
    tmp = makeTemp();
    const spec = JSON.parse(specText);
    writeFileSync(join(tmp, "units.json"), JSON.stringify({ ...spec, layers: [{ ...spec.layers[0], units: 1e9 }, ...spec.layers.slice(1)] }));
    writeFileSync(join(tmp, "batch.json"), JSON.stringify({ ...spec, batch: 1e9 }));
    const args = (a: string[]) => a.map((x) => (x === "UNITS" ? join(tmp, "units.json") : x === "BATCH" ? join(tmp, "batch.json") : x));
    results.push(...(await inPool(runs, 2, ([a]) => runCli(args(a)))));
  });
  afterAll(() => removeTemp(tmp));

  runs.forEach(([args, expected], i) => {
    it(args.join(" "), () => {
      expectCliError(results[i], expected, 1);
      // Refused before the MNIST data is read: the training summary never starts.
      expect(results[i].stderr).not.toMatch(/^epoch \d|images\/s/m);
    });
  });
});

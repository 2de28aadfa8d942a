/**
 * Issue "Robustness: bad input, faults and long runs lose nothing", fuzzing: random and mutated
 * binary programs, assembly text, workload specs, data files and weights files into their parsers,
 * random matrices into the matmul job and random valid-looking programs into the simulator. The only
 * failure allowed is one of tpusim's own typed errors (a TpusimError with a message); anything else
 * (TypeError, RangeError, an "internal:" Error) is a bug. Each property counts its cases and the
 * outcomes, prints them, and checks the count so a property cannot pass by running nothing.
 *
 * The suite runs a few hundred to a few thousand cases per input kind; `npm run fuzz` runs every
 * property TPUSIM_FUZZ_RUNS times (default there 10,000). TPUSIM_FUZZ_SEED fixes fast-check's seed
 * (a failure prints the seed and path to replay).
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildHwConfig, PRESETS, type HwConfig } from "../../src/config/hw-config.js";
import { MAX_CHIP_HOST_BYTES, memoryDemands } from "../../src/config/limits.js";
import { checkWorkloadSizes } from "../../src/compiler/preflight.js";
import { parseDump } from "../../src/jobs/memory-dump.js";
import { parseProgramHeader } from "../../src/jobs/program-header.js";
import { parseIdx } from "../../src/data/idx.js";
import { parseMatrixCsv } from "../../src/data/matrix-csv.js";
import { encodeNpy, parseNpy } from "../../src/data/npy.js";
import { parseWeights, weightsToJson } from "../../src/data/weights.js";
import { TpusimError } from "../../src/errors.js";
import { assemble } from "../../src/isa/assembler.js";
import { decodeProgram, encodeProgram } from "../../src/isa/binary.js";
import { disassemble } from "../../src/isa/disassembler.js";
import { OPCODES, type FieldSpec, type Instruction } from "../../src/isa/opcodes.js";
import type { DataSegment, Program } from "../../src/isa/program.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { matmul } from "../../src/jobs/matmul.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import type { WorkloadSpec } from "../../src/workloads/types.js";
import { programArb } from "../helpers/isa-arbitraries.js";

const REPO = join(import.meta.dirname, "../..");
/** Cases per property: TPUSIM_FUZZ_RUNS for `npm run fuzz`, else the suite's counts. */
const FUZZ_RUNS = process.env.TPUSIM_FUZZ_RUNS === undefined ? undefined : Number(process.env.TPUSIM_FUZZ_RUNS);
if (FUZZ_RUNS !== undefined && !(Number.isInteger(FUZZ_RUNS) && FUZZ_RUNS > 0)) throw new Error(`TPUSIM_FUZZ_RUNS must be a whole number > 0, got ${process.env.TPUSIM_FUZZ_RUNS}`);
const PARSER_RUNS = FUZZ_RUNS ?? 2000;
const SIM_RUNS = FUZZ_RUNS ?? 500;
const DETAILED_RUNS = FUZZ_RUNS ?? 300;
/** A long fuzz run gets an hour per property instead of the suite's timeout. */
const TIMEOUT = FUZZ_RUNS === undefined ? undefined : 3_600_000;
const SEED = process.env.TPUSIM_FUZZ_SEED === undefined ? undefined : Number(process.env.TPUSIM_FUZZ_SEED);
fc.configureGlobal({ ...(SEED === undefined ? {} : { seed: SEED }) });

/** Outcome counts per property, printed at the end of the file. */
const tally = new Map<string, Record<string, number>>();
function count(property: string, outcome: string): void {
  const t = tally.get(property) ?? {};
  t[outcome] = (t[outcome] ?? 0) + 1;
  tally.set(property, t);
}
const total = (property: string) => Object.values(tally.get(property) ?? {}).reduce((a, b) => a + b, 0);

afterAll(() => {
  const lines = [...tally].map(([p, t]) => `  ${p.padEnd(34)} ${String(total(p)).padStart(5)} cases: ${Object.entries(t).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`fuzz cases run:\n${lines.join("\n")}`);
});

/**
 * Runs `fn`; returns "ok" or the typed error's class name. Any other exception fails the property,
 * as does a typed error without a message or one spread over several lines.
 */
let lastMessage = "";
function typedOutcome(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!(e instanceof TpusimError)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    lastMessage = e.message;
    return e.name;
  }
}

async function typedOutcomeAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (e) {
    if (!(e instanceof TpusimError)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    return e.name;
  }
}

/** 1 to 4 byte edits (overwrite, cut the rest, insert) of `base`: inputs that get past magic numbers. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom("set", "set", "cut", "insert") });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Array.from(base);
    for (const e of edits) {
      const p = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === "set") b[p] = e.byte;
      else if (e.kind === "cut") b = b.slice(0, p);
      else b.splice(p, 0, e.byte);
    }
    return Uint8Array.from(b);
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const smallPrograms = programArb({ maxInstructions: 6, maxValues: 6, maxSegments: 3 });

describe("parsers accept or reject with a typed error", () => {
  it(`decodeProgram: ${PARSER_RUNS} random and mutated binaries`, () => {
    const header = Uint8Array.from([0x54, 0x50, 0x55, 0x53, 1, 0, 0, 0]);
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 200 }).map((tail) => Uint8Array.from([...header, ...tail])),
      smallPrograms.chain((p) => mutated(encodeProgram(p))),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        count("decodeProgram", typedOutcome(() => decodeProgram(b, "fuzz.bin")));
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("decodeProgram")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`assemble: ${PARSER_RUNS} random texts, token soups and mutated disassembly`, () => {
    const words = [
      ...OPCODES.map((o) => o.mnemonic), ...new Set(OPCODES.flatMap((o) => o.fields.map((f) => f.name))),
      ".host", ".weights", ".text", ".f32", ".zero", ".fill", ".equ", "=", ",", ":", ";", "#", "x", "x:", "x+1", "x-0x10",
      "0", "1", "-1", "4", "0x10", "65535", "65536", "4294967295", "4294967296", "1.5", "1e39", "inf", "nan", "relu", "copy", "switch",
    ];
    const soup = fc.array(fc.array(fc.constantFrom(...words), { maxLength: 8 }).map((l) => l.join(" ")), { maxLength: 8 }).map((l) => l.join("\n"));
    const source = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      soup,
      smallPrograms.chain((p) => mutated(new TextEncoder().encode(disassemble(p))).map(text)),
    );
    fc.assert(
      fc.property(source, (s) => {
        let program: Program | undefined;
        const outcome = typedOutcome(() => (program = assemble(s, "fuzz.s")));
        // Whatever the assembler accepts must encode (encodeProgram throws plain "internal:" errors).
        if (program) encodeProgram(program);
        count("assemble", outcome);
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("assemble")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  const specText = readFileSync(join(REPO, "workloads/mnist-784-16-16-10.json"), "utf8");
  const spec = JSON.parse(specText);
  const PATHS = [
    ["name"], ["inputs"], ["layers"], ["layers", 0], ["layers", 1, "units"], ["layers", 2, "activation"], ["batch"],
    ["learningRate"], ["epochs"], ["seed"], ["init"], ["dtype"], ["loss"], ["dataset"], ["hardware"], ["hardware", "preset"],
    ["hardware", "overrides"], ["hardware", "overrides", "rows"], ["hardware", "overrides", "hostBytesPerCycle"],
    ["hardware", "overrides", "activationLatency"], ["extra"],
  ] as const;
  const edited = fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined))), { minLength: 1, maxLength: 3 }).map((edits) => {
    const s = structuredClone(spec);
    for (const [path, value] of edits) {
      let o = s;
      for (const k of path.slice(0, -1)) o = typeof o?.[k] === "object" && o[k] !== null ? o[k] : undefined;
      if (o !== undefined) o[path[path.length - 1]] = value;
    }
    return JSON.stringify(s);
  });

  it(`parseWorkload: ${PARSER_RUNS} random JSON values, edited specs and mutated text`, () => {
    const source = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"), edited, mutated(new TextEncoder().encode(specText)).map(text));
    fc.assert(
      fc.property(source, (s) => {
        let parsed: WorkloadSpec | undefined;
        const outcome = typedOutcome(() => (parsed = parseWorkload(s, "fuzz.json")));
        // A spec that validates must give a machine: its hardware section was checked by the same code.
        if (parsed) resolveHardware({}, parsed.hardware);
        count("parseWorkload", outcome);
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseWorkload")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`checkWorkloadSizes: ${PARSER_RUNS} specs with sizes from 1 to 1e12`, () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 12 }).map((e) => Math.round(10 ** e)));
    const sizes = fc.record({
      units: fc.array(size, { minLength: 1, maxLength: 3 }),
      batch: size,
      conv: fc.option(fc.record({ kernel: fc.integer({ min: 1, max: 28 }), channels: size, stride: fc.integer({ min: 1, max: 4 }), padding: fc.integer({ min: 0, max: 27 }) })),
      preset: fc.constantFrom("small", "tpu-v1", "tpu-v2"),
    });
    fc.assert(
      fc.property(sizes, (z) => {
        const s = structuredClone(spec);
        s.layers = [...z.units.map((units) => ({ units, activation: "relu" })), { units: 10, activation: "sigmoid" }];
        if (z.conv) s.layers[0] = { type: "conv", ...z.conv, activation: "relu" };
        s.batch = z.batch;
        s.hardware = { preset: z.preset, overrides: {} };
        let parsed: WorkloadSpec | undefined;
        typedOutcome(() => (parsed = parseWorkload(JSON.stringify(s), "fuzz.json")));
        if (!parsed) return count("checkWorkloadSizes", "invalid spec");
        const checked = parsed;
        // Arithmetic on the spec only: a huge size gives a typed refusal, never an allocation or a RangeError.
        count("checkWorkloadSizes", typedOutcome(() => checkWorkloadSizes(checked, resolveHardware({}, checked.hardware))));
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("checkWorkloadSizes")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`parseNpy: ${PARSER_RUNS} mutated and random .npy files`, () => {
    const valid = [encodeNpy({ rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) }), new Uint8Array(readFileSync(join(REPO, "test/fixtures/bad-dtype.npy")))];
    const bytes = fc.oneof(fc.constantFrom(...valid).chain(mutated), fc.uint8Array({ maxLength: 160 }));
    fc.assert(
      fc.property(bytes, (b) => count("parseNpy", typedOutcome(() => parseNpy(b, "fuzz.npy")))),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseNpy")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`parseMatrixCsv: ${PARSER_RUNS} texts, with and without --header`, () => {
    const unit = fc.constantFrom("1", "2", "0", ".", ",", " ", "\n", "\r", "#", "e", "-", "+", "inf", "nan", "x", "\uFEFF", "\t", "col", "a_b");
    const csv = fc.oneof(fc.string({ unit, maxLength: 80 }), fc.string({ unit: "binary", maxLength: 80 }));
    fc.assert(
      fc.property(csv, fc.boolean(), (s, header) => count("parseMatrixCsv", typedOutcome(() => parseMatrixCsv(s, "fuzz.csv", { header })))),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseMatrixCsv")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`parseIdx: ${PARSER_RUNS} mutated and random IDX files`, () => {
    const valid = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    const fixtures = ["bad-magic.idx", "truncated-images.idx", "wrong-dims-images.idx"].map((f) => new Uint8Array(readFileSync(join(REPO, "test/fixtures", f))));
    const bytes = fc.oneof(fc.constantFrom(valid, ...fixtures).chain(mutated), fc.uint8Array({ maxLength: 40 }));
    fc.assert(
      fc.property(bytes, (b) => count("parseIdx", typedOutcome(() => parseIdx(b, "fuzz.idx")))),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseIdx")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`parseWeights: ${PARSER_RUNS} edited and mutated weights files`, () => {
    // parseWeights reads only inputs and layers of the spec: a tiny network keeps the files small.
    const tiny = { ...parseWorkload(specText), inputs: 3, layers: [{ units: 4, activation: "relu" }, { units: 2, activation: "sigmoid" }] } as WorkloadSpec;
    const good = weightsToJson(tiny, [new Float32Array(16).fill(0.5), new Float32Array(10).fill(-0.25)]);
    const paths = [["format"], ["inputs"], ["layers"], ["layers", 0], ["layers", 1, "units"], ["layers", 0, "values"], ["layers", 1, "values", 3]] as const;
    const editedWeights = fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.double())).map(([path, value]) => {
      const w = JSON.parse(good);
      let o = w;
      for (const k of path.slice(0, -1)) o = o[k];
      o[path[path.length - 1]] = value;
      return JSON.stringify(w);
    });
    const source = fc.oneof(editedWeights, mutated(new TextEncoder().encode(good)).map(text), fc.jsonValue().map((v) => JSON.stringify(v) ?? ""));
    fc.assert(
      fc.property(source, (s) => {
        let params: Float32Array[] | undefined;
        const outcome = typedOutcome(() => (params = parseWeights(s, "fuzz-weights.json", tiny)));
        // Accepted weights fit weight memory: finite fp32 values, one array per layer of the right size.
        if (params) {
          expect(params.map((p) => p.length)).toEqual([16, 10]);
          expect(params.every((p) => p.every(Number.isFinite))).toBe(true);
        }
        count("parseWeights", outcome);
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseWeights")).toBe(PARSER_RUNS);
  }, TIMEOUT);
});

describe("hardware overrides, program headers and --dump regions", () => {
  const PARAMS = [...Object.keys(PRESETS.small), "bogus", "rowz"];
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5000 }),
    fc.constantFrom(0, -1, 0.5, 1e15, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER, Infinity, Number.NaN, "8", "int8", "bf16", null, true),
    fc.double(),
  );
  it(`buildHwConfig: ${PARSER_RUNS} random override sets: every problem at once, or a machine within the limits`, () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...PARAMS), value, { maxKeys: 5 }), fc.constantFrom(...Object.keys(PRESETS)), (overrides, preset) => {
        let cfg: HwConfig | undefined;
        const outcome = typedOutcome(() => (cfg = buildHwConfig(preset, overrides, "--set")));
        count("buildHwConfig", outcome);
        if (cfg) expect(memoryDemands(cfg).reduce((a, d) => a + d.hostBytes, 0)).toBeLessThanOrEqual(MAX_CHIP_HOST_BYTES);
        // One line, and every unknown key is named (problems are not cut short at the first).
        else for (const k of Object.keys(overrides).filter((k) => !PARAMS.slice(0, -2).includes(k))) expect(lastMessage).toContain(`--set.${k}`);
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("buildHwConfig")).toBe(PARSER_RUNS);
  }, TIMEOUT);

  it(`parseProgramHeader and parseDump: ${PARSER_RUNS} token soups each`, () => {
    const words = ["--array", "--preset", "--dtype", "--set", "--mode", "4x4", "0x4", "small", "tpu-v1", "int8", "rows=2", "unifiedBufferBytes=1e15", "bogus=1", ";", "tpusim:", "x"];
    const header = fc.array(fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((w) => `; tpusim: ${w.join(" ")}`), { maxLength: 3 }).map((l) => [...l, "HALT"].join("\n"));
    const dump = fc.oneof(
      fc.tuple(fc.constantFrom("ub", "acc", "host", "wm", "x"), fc.nat(1 << 21), fc.nat(2000), fc.nat(2000), fc.option(fc.nat(5000))).map(([m, a, r, c, st]) => `${m}:${a}:${r}x${c}${st === null ? "" : `:${st}`}`),
      fc.string({ maxLength: 20 }),
    );
    const hw = buildHwConfig("small");
    fc.assert(
      fc.property(header, dump, (text, d) => {
        count("parseProgramHeader", typedOutcome(() => parseProgramHeader(text, "fuzz.s")));
        count("parseDump", typedOutcome(() => parseDump(d, hw)));
      }),
      { numRuns: PARSER_RUNS },
    );
    expect(total("parseProgramHeader")).toBe(PARSER_RUNS);
    expect(total("parseDump")).toBe(PARSER_RUNS);
  }, TIMEOUT);
});

/** Round half to even, saturate to int8 (docs/ARCHITECTURE.md "Numerics"; NaN is 0), written out independently. */
function int8Of(x: number): number {
  if (Number.isNaN(x)) return 0;
  const f = Math.floor(x);
  const r = x - f > 0.5 || (x - f === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return Math.max(-128, Math.min(127, r));
}

describe("the matmul job on random shapes and values", () => {
  it(`${SIM_RUNS} products: a result of the right shape (exact for int8) or a typed error`, async () => {
    const value = fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: -40, max: 40 }).map((n) => n / 4) },
      { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e39, -3e38) },
    );
    const matrixArb = (rows: number, cols: number) => fc.array(value, { minLength: rows * cols, maxLength: rows * cols }).map((d) => ({ rows, cols, data: Float64Array.from(d) }));
    const job = fc
      .record({
        m: fc.integer({ min: 0, max: 9 }),
        k: fc.integer({ min: 0, max: 9 }),
        // B's rows: usually A's columns, sometimes a shape that cannot multiply.
        kb: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }) }),
        n: fc.integer({ min: 0, max: 9 }),
        rows: fc.integer({ min: 1, max: 5 }),
        cols: fc.integer({ min: 1, max: 5 }),
        dtype: fc.constantFrom("int8", "bf16"),
        mode: fc.constantFrom<SimMode>("fast", "detailed"),
      })
      .chain((s) => fc.tuple(fc.constant(s), matrixArb(s.m, s.k), matrixArb(s.kb ?? s.k, s.n)));
    await fc.assert(
      fc.asyncProperty(job, async ([s, a, b]) => {
        const hw = buildHwConfig("small", { rows: s.rows, cols: s.cols, dtype: s.dtype });
        let c: { rows: number; cols: number; data: Float64Array } | undefined;
        const outcome = await typedOutcomeAsync(async () => {
          c = (await matmul({ a, b, hw, mode: s.mode, maxCycles: 1_000_000, aName: "a.npy", bName: "b.npy" })).c;
        });
        count("matmul job", outcome);
        if (!c) return;
        expect([c.rows, c.cols]).toEqual([a.rows, b.cols]);
        if (s.dtype !== "int8") return;
        for (let i = 0; i < a.rows; i++) {
          for (let j = 0; j < b.cols; j++) {
            let sum = 0;
            for (let t = 0; t < a.cols; t++) sum += int8Of(Math.fround(a.data[i * a.cols + t])) * int8Of(Math.fround(b.data[t * b.cols + j]));
            expect(c.data[i * b.cols + j]).toBe(sum);
          }
        }
      }),
      { numRuns: SIM_RUNS },
    );
    expect(total("matmul job")).toBe(SIM_RUNS);
  }, TIMEOUT);
});

describe("the simulator on random valid-looking programs", () => {
  // A small machine, so that random addresses often land inside the memories and often just outside.
  const hw: HwConfig = buildHwConfig("small", { rows: 4, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 32, weightMemoryBytes: 1024, weightFifoTiles: 2 });
  const bound = { ub: hw.unifiedBufferElements, acc: hw.accumulatorRows, wm: hw.weightMemoryElements, host: 300 };

  function fieldArb(f: FieldSpec): fc.Arbitrary<number> {
    if (f.kind === "flag") return fc.constantFrom(0, 1);
    if (f.kind === "enum") return fc.integer({ min: 0, max: (f.values?.length ?? 1) - 1 });
    if (f.kind === "f32") return fc.constantFrom(1, 1, 0.5, -2, 0, 1e30, Infinity, Number.NaN);
    const limit = f.name.includes("stride") ? 12 : f.name === "rows" || f.name === "cols" ? 6 : f.name === "acc" ? bound.acc : ["wm"].includes(f.name) ? bound.wm : f.name === "host" ? bound.host : bound.ub;
    // Mostly in range, sometimes a little past the end, rarely anywhere the field allows.
    return fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0, max: limit }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: limit + 16 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 ** Math.min(f.bits, 32) - 1 }) },
    );
  }
  const instruction: fc.Arbitrary<Instruction> = fc
    .constantFrom(...OPCODES.filter((o) => o.mnemonic !== "HALT"))
    .chain((o) => fc.record(Object.fromEntries(o.fields.map((f) => [f.name, fieldArb(f)]))).map((f) => ({ op: o.mnemonic, f })));
  const values = fc.array(fc.oneof({ weight: 30, arbitrary: fc.integer({ min: -8, max: 8 }).map((n) => n / 2) }, { weight: 1, arbitrary: fc.constantFrom(Infinity, Number.NaN, 3e38) }), { maxLength: 24 }).map((v) => Float32Array.from(v));
  const segment: fc.Arbitrary<DataSegment> = fc.record({ memory: fc.constantFrom("host" as const, "weights" as const), address: fc.integer({ min: 0, max: 280 }), values });
  const programs = fc.record({
    instructions: fc.tuple(fc.array(instruction, { maxLength: 10 }), fc.integer({ min: 0, max: 9 })).map(([ins, halt]) => (halt > 0 ? [...ins, { op: "HALT", f: {} }] : ins)),
    // Non-overlapping: one segment per memory.
    data: fc.uniqueArray(segment, { maxLength: 2, selector: (s) => s.memory }),
  });

  for (const [mode, runs] of [["fast", SIM_RUNS], ["detailed", DETAILED_RUNS]] as const) {
    it(`${runs} programs in ${mode} mode halt or stop with a typed error, within a small cycle budget`, () => {
      const name = `simulator (${mode})`;
      let slowest = 0;
      fc.assert(
        fc.property(programs, (program) => {
          const started = performance.now();
          const sim = new Simulator(hw, { mode });
          const outcome = typedOutcome(() => {
            sim.load(program);
            expect(sim.run({ maxCycles: 5_000 })).toBe(true);
          });
          slowest = Math.max(slowest, performance.now() - started);
          count(name, outcome);
        }),
        { numRuns: runs },
      );
      expect(total(name)).toBe(runs);
      expect(tally.get(name)?.ok ?? 0, "no generated program halted: the generator is too hostile to test anything").toBeGreaterThan(0);
      expect(slowest).toBeLessThan(5_000);
    }, TIMEOUT);
  }
});

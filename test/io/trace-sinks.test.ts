import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutputError, UserInputError } from "../../src/errors.js";
import { CsvTraceSink } from "../../src/io/csv-trace-sink.js";
import { PeCsvSink } from "../../src/io/pe-csv-sink.js";
import { PerfettoSink } from "../../src/io/perfetto-sink.js";
import {
  MultiSink,
  createTraceSink,
  defaultPePath,
  parsePeRegion,
  traceWindow,
  type AbortableTraceSink,
} from "../../src/io/trace-sinks.js";
import { VcdSink } from "../../src/io/vcd-sink.js";
import { makeTraceRow, type PeTraceRow, type TraceSink } from "../../src/sim/trace.js";

// Streams opened while `fault.code` is set fail every write with that code: a full disk mid-run.
const fault = vi.hoisted(() => ({ code: "" }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const createWriteStream = ((...args: Parameters<typeof real.createWriteStream>) => {
    const stream = real.createWriteStream(...args);
    const code = fault.code;
    if (code) {
      const fail = (cb: (err: Error) => void): void => cb(Object.assign(new Error(`${code}: simulated`), { code }));
      stream._write = (_chunk, _encoding, cb) => fail(cb);
      stream._writev = (_chunks, cb) => fail(cb);
    }
    return stream;
  }) as typeof real.createWriteStream;
  return { ...real, createWriteStream, default: { ...real, createWriteStream } };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-sinks-"));
});
afterEach(() => {
  fault.code = "";
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

// Root ignores folder permissions, so that case would pass vacuously or fail spuriously.
const isRoot = process.getuid?.() === 0;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

/** Feeds `cycles` cycles (and a PE row per cycle when asked) like the runner, then closes. */
async function drive(sink: TraceSink, cycles: number): Promise<void> {
  const row = makeTraceRow();
  const pe: PeTraceRow = { cycle: 0, row: 0, col: 0, actIn: 1, weight: 2, psumIn: 3, psumOut: 5, bank: 1 };
  for (let cycle = 0; cycle < cycles; cycle++) {
    row.cycle = cycle;
    row.macs = cycle % 3;
    row.fifoTiles = (cycle >> 4) % 3;
    sink.cycle(row, 1);
    if (sink.wantsPe) {
      const { r0, r1, c0, c1 } = sink.peRegion;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) sink.pe(Object.assign(pe, { cycle, row: r, col: c }));
    }
    if (cycle % 64 === 0) sink.instruction("matrix", cycle, "MMUL", cycle, cycle + 3);
    if (cycle % 100 === 0 && sink.needsFlush) await sink.flush();
  }
  await sink.close();
}

async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe("createTraceSink: format", () => {
  it.each([
    ["t.csv", CsvTraceSink],
    ["t.CSV", CsvTraceSink],
    ["t.vcd", VcdSink],
    ["t.json", PerfettoSink],
    ["t.perfetto.json", PerfettoSink],
  ])("picks the format of %s from its extension", async (name, type) => {
    const sink = createTraceSink({ path: join(dir, name) });
    expect(sink).toBeInstanceOf(type);
    await sink.abort();
  });

  it("lets --trace-format override the extension", async () => {
    const sink = createTraceSink({ path: join(dir, "t.txt"), format: "vcd" });
    expect(sink).toBeInstanceOf(VcdSink);
    await sink.close();
    expect(readFileSync(join(dir, "t.txt"), "utf8")).toContain("$enddefinitions $end");
  });

  it("names the formats when the extension is unknown, and opens nothing", () => {
    const err = thrown(() => createTraceSink({ path: join(dir, "t.txt") }));
    expect(err).toBeInstanceOf(UserInputError);
    expect((err as Error).message).toMatch(/--trace\b.*csv, vcd, perfetto/);
    const bad = thrown(() => createTraceSink({ path: join(dir, "t.csv"), format: "fst" }));
    expect((bad as Error).message).toMatch(/--trace-format.*"fst".*csv, vcd, perfetto/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("createTraceSink: window options", () => {
  it("defaults to every cycle from 0", () => {
    expect(traceWindow({})).toEqual({ from: 0, to: Number.POSITIVE_INFINITY, every: 1 });
  });

  it.each([
    [{ every: 0 }, "--trace-every"],
    [{ every: 2.5 }, "--trace-every"],
    [{ every: Number.NaN }, "--trace-every"],
    [{ from: -1 }, "--trace-from"],
    [{ from: 1.5 }, "--trace-from"],
    [{ to: -3 }, "--trace-to"],
    [{ from: 10, to: 9 }, "--trace-to"],
    [{ to: Number.NaN }, "--trace-to"],
  ])("rejects %o naming %s", (window, flag) => {
    const err = thrown(() => createTraceSink({ path: join(dir, "t.csv"), ...window }));
    expect(err).toBeInstanceOf(UserInputError);
    expect((err as UserInputError).where.field).toBe(flag);
    expect((err as Error).message).toContain(flag);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("parses --trace-pe R0:R1,C0:C1 as half-open ranges", () => {
    expect(parsePeRegion("0:8,2:4")).toEqual({ r0: 0, r1: 8, c0: 2, c1: 4 });
    for (const bad of ["0:8", "8:0,0:8", "0:8,3:3", "a:b,c:d", "-1:2,0:1"]) {
      const err = thrown(() => parsePeRegion(bad));
      expect(err).toBeInstanceOf(UserInputError);
      expect((err as UserInputError).where.field).toBe("--trace-pe");
    }
    expect(thrown(() => createTraceSink({ path: join(dir, "t.csv"), pe: { r0: 2, r1: 1, c0: 0, c1: 1 } }))).toBeInstanceOf(
      UserInputError,
    );
  });
});

describe("createTraceSink: PE rows", () => {
  it("adds a PE CSV at <base>.pe.csv and combines both behind one sink", async () => {
    const path = join(dir, "run.csv");
    expect(defaultPePath(path)).toBe(join(dir, "run.pe.csv"));
    expect(defaultPePath("x/run.perfetto.json")).toBe("x/run.pe.csv");
    const sink = createTraceSink({ path, from: 10, to: 19, pe: parsePeRegion("1:3,0:2") });
    expect(sink).toBeInstanceOf(MultiSink);
    expect(sink.wantsPe).toBe(true);
    expect(sink.peRegion).toEqual({ r0: 1, r1: 3, c0: 0, c1: 2 });
    expect([sink.from, sink.to, sink.every]).toEqual([10, 19, 1]);
    await drive(sink, 40);
    expect(readdirSync(dir).sort()).toEqual(["run.csv", "run.pe.csv"]);
    expect(readFileSync(path, "utf8").trim().split("\n").length).toBe(11);
    const pe = readFileSync(join(dir, "run.pe.csv"), "utf8").trim().split("\n");
    expect(pe.length).toBe(1 + 10 * 4);
    expect(pe[1]).toBe("10,1,0,1,1,2,3,5");
  });

  it("writes PE rows to --trace-pe's own path for a VCD trace", async () => {
    const sink = createTraceSink({ path: join(dir, "run.vcd"), pe: parsePeRegion("0:1,0:1"), pePath: join(dir, "pe.csv") });
    await drive(sink, 5);
    expect(readdirSync(dir).sort()).toEqual(["pe.csv", "run.vcd"]);
    expect(() => createTraceSink({ path: join(dir, "a.csv"), pe: parsePeRegion("0:1,0:1"), pePath: join(dir, "a.csv") })).toThrow(
      UserInputError,
    );
  });

  it("MultiSink with different windows asks for the union and each child keeps its own", async () => {
    const a = new CsvTraceSink(join(dir, "a.csv"), { from: 0, to: 10, every: 2 });
    const b = new CsvTraceSink(join(dir, "b.csv"), { from: 5, to: 30, every: 5 });
    const multi = new MultiSink([a, b]);
    expect([multi.from, multi.to, multi.every, multi.wantsPe]).toEqual([0, 30, 1, false]);
    await drive(multi, 40);
    const cycles = (name: string) =>
      readFileSync(join(dir, name), "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[0]));
    expect(cycles("a.csv")).toEqual([0, 2, 4, 6, 8, 10]);
    expect(cycles("b.csv")).toEqual([5, 10, 15, 20, 25, 30]);
  });
});

describe("trace sinks: output errors", () => {
  it.each(["t.csv", "t.vcd", "t.json"])("a missing folder gives OutputError for %s and leaves no file", (name) => {
    const err = thrown(() => createTraceSink({ path: join(dir, "no-such-folder", name) }));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain("does not exist");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a path under a file gives OutputError", () => {
    writeFileSync(join(dir, "file"), "x");
    expect(() => createTraceSink({ path: join(dir, "file", "t.csv") })).toThrow(OutputError);
    expect(readdirSync(dir)).toEqual(["file"]);
  });

  it.skipIf(isRoot)("a read-only folder gives OutputError", () => {
    chmodSync(dir, 0o555);
    expect(() => createTraceSink({ path: join(dir, "t.csv") })).toThrow(/permission denied/);
    chmodSync(dir, 0o755);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("an unwritable PE path removes the main trace's temp file too", async () => {
    const err = thrown(() =>
      createTraceSink({ path: join(dir, "t.csv"), pe: parsePeRegion("0:1,0:1"), pePath: join(dir, "nope", "pe.csv") }),
    );
    expect(err).toBeInstanceOf(OutputError);
    await eventually(() => readdirSync(dir).length === 0);
  });

  it.each(["t.csv", "t.vcd", "t.json"])("a full disk mid-run gives OutputError for %s and leaves no file", async (name) => {
    fault.code = "ENOSPC";
    const path = join(dir, name);
    const sink: AbortableTraceSink = createTraceSink({ path });
    const err = await drive(sink, 20_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(`disk full while writing ${path}`);
    expect(existsSync(path)).toBe(false);
    await eventually(() => readdirSync(dir).length === 0);
  });

  it("abort() on a MultiSink removes every temp file", async () => {
    const sink = createTraceSink({ path: join(dir, "t.csv"), pe: parsePeRegion("0:2,0:2") });
    const row = makeTraceRow();
    sink.cycle(row, 1);
    await sink.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});

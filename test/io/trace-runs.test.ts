/**
 * Runs of repeated rows (TraceSink.cycle(row, count)): every sink writes a run exactly as it writes
 * the same cycles handed over one row at a time, inside any window; long runs wait for flush()
 * instead of piling up; and fast mode hands its trace over as runs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Transform, Writable } from "node:stream";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { CsvTraceSink, type TraceWindow } from "../../src/io/csv-trace-sink.js";
import { PerfettoSink } from "../../src/io/perfetto-sink.js";
import { VcdSink } from "../../src/io/vcd-sink.js";
import type { AbortableTraceSink } from "../../src/io/trace-sinks.js";
import { driveToHalt } from "../../src/jobs/drive.js";
import { Simulator } from "../../src/sim/controller.js";
import { makeTraceRow, runInWindow, type TraceRow } from "../../src/sim/trace.js";
import { RecordingSink } from "../helpers/programs.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-runs-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SEED = 20261201;

type Make = (path: string, w: TraceWindow) => AbortableTraceSink;
const SINKS: [string, Make][] = [
  ["csv", (path, w) => new CsvTraceSink(path, w)],
  ["vcd", (path, w) => new VcdSink(path, w, { date: "fixed" })],
  ["perfetto", (path, w) => new PerfettoSink(path, w)],
];

/** A row whose every column is drawn from `k` (a few distinct values, so repeats and changes both occur). */
function rowOf(cycle: number, k: number): TraceRow {
  const row = makeTraceRow();
  row.cycle = cycle;
  for (let u = 0; u < row.pc.length; u++) {
    row.pc[u] = ((k >> u) & 1) === 1 ? k % 7 : -1;
    row.state[u] = (k + u) % 3;
  }
  row.stall = k % 7;
  row.headPc = k % 5 === 0 ? -1 : k % 11;
  row.macs = (k * 37) % 65;
  row.fifoTiles = k % 4;
  row.ubReadBytes = k % 2 === 0 ? 16 : 0;
  row.accWrittenBytes = (k % 3) * 4;
  row.hostWrittenBytes = k === 3 ? 1 << 30 : 0;
  return row;
}

/** What a sink's streams hold right now (their private fields, read for this check only). */
function buffered(sink: AbortableTraceSink): { bytes: number; batches: number } {
  const s = sink as unknown as {
    file?: { stream: Writable };
    output?: { file: { stream: Writable }; transform: Transform };
  };
  const file = s.file ?? s.output?.file;
  return { bytes: file?.stream.writableLength ?? 0, batches: s.output ? s.output.transform.writableLength + s.output.transform.readableLength : 0 };
}

async function write(make: Make, path: string, w: TraceWindow, runs: [number, number, number][], rowByRow: boolean): Promise<string> {
  const sink = make(path, w);
  for (const [cycle, count, k] of runs) {
    if (rowByRow) {
      for (let i = 0; i < count; i++) sink.cycle(rowOf(cycle + i, k), 1);
    } else sink.cycle(rowOf(cycle, k), count);
    if (sink.needsFlush) await sink.flush();
  }
  await sink.close();
  return readFileSync(path, "utf8");
}

/** Consecutive runs from cycle `start`: [first cycle, count, row key]. */
const runsArb = fc
  .tuple(fc.integer({ min: 0, max: 50 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 30 }))
  .map(([start, parts]) => {
    let c = start;
    return parts.map(([count, k]) => {
      const run: [number, number, number] = [c, count, k];
      c += count;
      return run;
    });
  });

const windowArb = fc.record({
  from: fc.integer({ min: 0, max: 400 }),
  span: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }),
  every: fc.integer({ min: 1, max: 5 }),
});

describe("runs of repeated rows", () => {
  it("runInWindow keeps exactly the sampled cycles of a run inside the window", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 200 }), windowArb, (first, count, { from, span, every }) => {
        const w = { from, to: span === undefined ? Number.POSITIVE_INFINITY : from + span, every };
        const expected: number[] = [];
        for (let c = first; c < first + count; c++) if (c >= w.from && c <= w.to && (c - w.from) % w.every === 0) expected.push(c);
        const { start, n } = runInWindow(w, first, count, { start: 0, n: 0 });
        expect(Array.from({ length: n }, (_, i) => start + i * every)).toEqual(expected);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  for (const [name, make] of SINKS) {
    it(`${name}: a run writes the same bytes as its rows one by one, in any window`, async () => {
      let i = 0;
      await fc.assert(
        fc.asyncProperty(runsArb, windowArb, async (runs, { from, span, every }) => {
          const w = { from, to: span === undefined ? Number.POSITIVE_INFINITY : from + span, every };
          i++;
          const byRuns = await write(make, join(dir, `runs-${i}.${name}`), w, runs, false);
          const byRows = await write(make, join(dir, `rows-${i}.${name}`), w, runs, true);
          expect(byRuns).toBe(byRows);
        }),
        { seed: SEED, numRuns: 40 },
      );
    });
  }

  it("a long run is written as the file drains, not all at once", async () => {
    for (const [name, make] of [SINKS[0], SINKS[1]]) {
      const path = join(dir, `long.${name}`);
      const sink = make(path, { from: 0, to: Number.POSITIVE_INFINITY, every: 1 });
      sink.cycle(rowOf(0, 1), 200_000);
      // Most of the run is still pending: the sink asks to be flushed, and what its streams hold is
      // bounded (about 14 MB of CSV, 5 MB of VCD, if the whole run were handed over at once).
      expect(sink.needsFlush, name).toBe(true);
      const held = buffered(sink);
      expect(held.bytes, name).toBeLessThan(2 << 20);
      expect(held.batches, name).toBeLessThanOrEqual(8);
      await sink.flush();
      expect(sink.needsFlush, name).toBe(false);
      sink.cycle(rowOf(200_000, 2), 1);
      await sink.close();
      const text = readFileSync(path, "utf8");
      if (name === "csv") {
        const lines = text.trimEnd().split("\n");
        expect(lines.length).toBe(1 + 200_001);
        // Every row of the run, byte for byte (its rows were written into reused chunks while others were in flight).
        const tail = lines[1].slice(lines[1].indexOf(","));
        const wrong = lines.slice(1, 200_001).findIndex((line, i) => line !== `${i}${tail}`);
        expect(wrong).toBe(-1);
        expect(lines[200_001].split(",")[0]).toBe("200000");
      } else {
        // One rising clock edge per cycle: the first in $dumpvars, then one per "#<10 N>" step.
        expect(text.match(/^#\d*0\n/gm)?.length).toBe(200_001 + 1);
        // Every pulse of the run in order, byte for byte.
        const pulses = text.slice(text.indexOf("#15\n"), text.lastIndexOf("#2000000\n"));
        const expected = Array.from({ length: 199_998 }, (_, i) => `#${10 * (i + 1) + 5}\n0!\n#${10 * (i + 2)}\n1!\n`).join("") + "#1999995\n0!\n";
        expect(pulses === expected).toBe(true);
      }
    }
  });

  it("fast mode hands a long GEMM's trace over in runs, with every cycle covered once", async () => {
    const hw = buildHwConfig("tpu-v2", { rows: 8, cols: 8 });
    const m = 20_000;
    const layout = compileMatmul(new Float32Array(m * 8).fill(0.5), m, 8, new Float32Array(64).fill(0.25), 8, hw);
    const sim = new Simulator(hw, { mode: "fast" });
    sim.load(layout.program);
    const sink = new RecordingSink();
    let calls = 0;
    let next = 0;
    const cycle = sink.cycle.bind(sink);
    sink.cycle = (row, count) => {
      expect(row.cycle).toBe(next);
      next += count;
      calls++;
      cycle(row, count);
    };
    await driveToHalt(sim, { sink, sliceCycles: 7_000 });
    expect(next).toBe(sim.stats.cycles);
    expect(sink.rows.length).toBe(sim.stats.cycles);
    // A pass of thousands of vectors streams the same row for thousands of cycles.
    expect(calls).toBeLessThan(sim.stats.cycles / 20);
  });
});

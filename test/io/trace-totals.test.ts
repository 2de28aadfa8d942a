/**
 * Traces add up (docs/TRACES.md, docs/ARCHITECTURE.md "Counters"): over a full-run trace of a real
 * two-step training run, in each format (CSV, VCD, Perfetto counters), every counter column sums to
 * its RunStats total, the stall column counts each cause as often as the statistics do, the matrix
 * unit is busy exactly in its streaming cycles and every unit's busy cycles match unitBusyCycles.
 * The files are read back with small readers written here, not the sinks' own tables.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist.js";
import { createTraceSink } from "../../src/io/trace-sinks.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { train } from "../../src/jobs/train.js";
import type { SimMode } from "../../src/sim/controller.js";
import type { RunStats } from "../../src/sim/stats.js";
import { STALL_CAUSES, TRACE_UNITS } from "../../src/sim/trace.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-totals-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each counter column and the total it must sum to. */
const TOTALS: [string, (s: RunStats) => number][] = [
  ["macs", (s) => s.macs],
  ["ub_read_bytes", (s) => s.bytes.unifiedBufferRead],
  ["ub_written_bytes", (s) => s.bytes.unifiedBufferWritten],
  ["acc_read_bytes", (s) => s.bytes.accumulatorRead],
  ["acc_written_bytes", (s) => s.bytes.accumulatorWritten],
  ["weight_read_bytes", (s) => s.bytes.weightMemoryRead],
  ["weight_written_bytes", (s) => s.bytes.weightMemoryWritten],
  ["host_read_bytes", (s) => s.bytes.hostRead],
  ["host_written_bytes", (s) => s.bytes.hostWritten],
];

async function tracedSteps(file: string, mode: SimMode): Promise<RunStats> {
  const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 8 };
  const hw = resolveHardware({ array: "8x8" }, spec.hardware);
  const sink = createTraceSink({ path: join(dir, file) });
  const r = await train({ spec, hw, mode, epochs: 1, maxSteps: 2, evaluate: false, train: loadMnist("train", { limit: 16 }), sink });
  await sink.close();
  expect(r.steps).toBe(2);
  return r.stats;
}

/** Per-cycle values of every column, by name. */
type Columns = Map<string, number[] | string[]>;

function readCsv(path: string): Columns {
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  const header = lines[0].split(",");
  const cells = lines.slice(1).map((l) => l.split(","));
  return new Map(header.map((h, i): [string, number[] | string[]] => [h, /_state$|^stall$/.test(h) ? cells.map((c) => c[i]) : cells.map((c) => Number(c[i]))]));
}

/** A minimal VCD reader: `$var` ids, `#time` stamps, `b<bits> <id>` changes; each cycle N read at 10N + 5. */
function readVcd(path: string, cycles: number): Columns {
  const names = new Map<string, string>();
  const changes = new Map<string, [number, number][]>();
  let time = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const v = /^\$var \S+ \d+ (\S+) (\S+)/.exec(line);
    if (v) {
      names.set(v[1], v[2]);
      changes.set(v[2], []);
      continue;
    }
    const at = /^#(\d+)/.exec(line);
    if (at) time = Number(at[1]);
    const b = /^b([01]+) (\S+)/.exec(line);
    if (b) changes.get(names.get(b[2])!)!.push([time, parseInt(b[1], 2)]);
  }
  const out: Columns = new Map();
  for (const [name, list] of changes) {
    const values: number[] = [];
    let k = 0;
    let value = 0;
    for (let c = 0; c < cycles; c++) {
      while (k < list.length && list[k][0] <= 10 * c + 5) value = list[k++][1];
      values.push(value);
    }
    out.set(name, values);
  }
  return out;
}

/** Perfetto counter events hold their value until the next one; expand them to one value per cycle. */
function readPerfettoCounters(path: string, cycles: number): Columns {
  const json = JSON.parse(readFileSync(path, "utf8")) as { traceEvents: { ph: string; name: string; ts: number; args?: Record<string, number> }[] };
  const out: Columns = new Map();
  for (const [name] of TOTALS) {
    const changes = json.traceEvents.filter((e) => e.ph === "C" && e.name === name).sort((a, b) => a.ts - b.ts);
    const values: number[] = [];
    let k = 0;
    let value = 0;
    for (let c = 0; c < cycles; c++) {
      while (k < changes.length && changes[k].ts <= c) value = changes[k++].args![name];
      values.push(value);
    }
    out.set(name, values);
  }
  return out;
}

const sum = (xs: number[] | string[]) => (xs as number[]).reduce((a, b) => a + b, 0);

function expectTotals(cols: Columns, s: RunStats): void {
  for (const [name, total] of TOTALS) expect(sum(cols.get(name)!), name).toBe(total(s));
  expect(sum(cols.get("macs")!)).toBeGreaterThan(0);
}

describe("a full-run trace of two training steps sums to the run's statistics", () => {
  it("CSV (detailed mode): counters, stall causes, unit busy cycles, one row per cycle", async () => {
    const s = await tracedSteps("steps.csv", "detailed");
    const cols = readCsv(join(dir, "steps.csv"));
    expect(cols.get("cycle")!.length).toBe(s.cycles);
    expectTotals(cols, s);
    const stall = cols.get("stall") as string[];
    for (const cause of STALL_CAUSES) {
      const n = stall.filter((c) => c === cause).length;
      expect(n, cause).toBe(cause === "none" ? s.matrixBusyCycles : s.stalls[cause]);
    }
    for (const unit of TRACE_UNITS) {
      const states = cols.get(`${unit}_state`) as string[];
      expect(states.filter((x) => x === "busy").length, unit).toBe(s.unitBusyCycles[unit]);
      expect(states.filter((x) => x === "busy").length).toBeGreaterThan(0);
    }
    expect((cols.get("matrix_state") as string[]).filter((x) => x === "busy").length).toBe(s.matrixBusyCycles);
  });

  it("VCD (fast mode): the same sums from the waveform", async () => {
    const s = await tracedSteps("steps.vcd", "fast");
    const cols = readVcd(join(dir, "steps.vcd"), s.cycles);
    expect(cols.get("macs")!.length).toBe(s.cycles);
    expectTotals(cols, s);
    for (const unit of TRACE_UNITS) expect((cols.get(`${unit}_state`) as number[]).filter((x) => x === 1).length, unit).toBe(s.unitBusyCycles[unit]);
    const stall = cols.get("stall") as number[];
    STALL_CAUSES.forEach((cause, code) => expect(stall.filter((x) => x === code).length, cause).toBe(cause === "none" ? s.matrixBusyCycles : s.stalls[cause]));
  });

  it("Perfetto (fast mode): the counter tracks expand to the same sums", async () => {
    const s = await tracedSteps("steps.perfetto.json", "fast");
    expectTotals(readPerfettoCounters(join(dir, "steps.perfetto.json"), s.cycles), s);
  });
});

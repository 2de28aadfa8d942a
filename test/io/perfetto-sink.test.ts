import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as AjvModule from "ajv";

// ajv is CommonJS: under NodeNext its class is the module's `default` export.
const Ajv = AjvModule.default.default;
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PerfettoSink } from "../../src/io/perfetto-sink.js";
import { TRACE_UNITS, makeTraceRow, type TraceUnit } from "../../src/sim/trace.js";

/**
 * The Trace Event Format's "JSON Object Format", as far as this sink uses it: a traceEvents array;
 * every event has name, ph, ts, pid, tid; complete events (X) a dur; counter events (C) numeric
 * args; metadata events (M) one of the metadata names, thread_name with a string args.name.
 */
const TRACE_SCHEMA = {
  type: "object",
  required: ["traceEvents"],
  properties: {
    traceEvents: { type: "array", items: { $ref: "#/definitions/event" } },
    displayTimeUnit: { enum: ["ms", "ns"] },
    otherData: { type: "object" },
  },
  definitions: {
    event: {
      type: "object",
      required: ["name", "ph", "ts", "pid", "tid"],
      properties: {
        name: { type: "string" },
        cat: { type: "string" },
        ph: { enum: ["B", "E", "X", "i", "I", "C", "b", "n", "e", "s", "t", "f", "P", "N", "O", "D", "M", "V", "v", "R", "c"] },
        ts: { type: "number", minimum: 0 },
        dur: { type: "number", minimum: 0 },
        pid: { type: "integer" },
        tid: { type: "integer" },
        args: { type: "object" },
      },
      allOf: [
        { if: { properties: { ph: { const: "X" } } }, then: { required: ["dur"] } },
        {
          if: { properties: { ph: { const: "C" } } },
          then: {
            required: ["args"],
            properties: { args: { type: "object", minProperties: 1, additionalProperties: { type: "number" } } },
          },
        },
        {
          if: { properties: { ph: { const: "M" } } },
          then: {
            required: ["args"],
            properties: {
              name: {
                enum: ["process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"],
              },
            },
          },
        },
        {
          if: { properties: { ph: { const: "M" }, name: { const: "thread_name" } } },
          then: {
            properties: { args: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
          },
        },
      ],
    },
  },
};

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  cat?: string;
  args?: Record<string, unknown>;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-perfetto-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Fed {
  unit: TraceUnit;
  pc: number;
  text: string;
  issue: number;
  complete: number;
}

/** Runs `cycles` cycles: counters change now and then, instructions complete on every unit. */
async function run(sink: PerfettoSink, cycles: number): Promise<{ instructions: Fed[]; fifo: number[]; macs: number[] }> {
  const row = makeTraceRow();
  const instructions: Fed[] = [];
  const fifo: number[] = [];
  const macs: number[] = [];
  let pc = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    row.cycle = cycle;
    row.fifoTiles = Math.floor(cycle / 13) % 4;
    row.macs = cycle % 50 < 20 ? 64 : 0;
    fifo.push(row.fifoTiles);
    macs.push(row.macs);
    sink.cycle(row, 1);
    if (cycle % 9 === 8) {
      const unit = TRACE_UNITS[cycle % TRACE_UNITS.length];
      const fed = { unit, pc: pc++, text: `MMUL "x" ${cycle}`, issue: cycle - 8 + (cycle % 3), complete: cycle };
      instructions.push(fed);
      sink.instruction(fed.unit, fed.pc, fed.text, fed.issue, fed.complete);
    }
    if (cycle % 100 === 0 && sink.needsFlush) await sink.flush();
  }
  await sink.close();
  return { instructions, fifo, macs };
}

function load(path: string): { json: { traceEvents: TraceEvent[]; otherData: Record<string, string> }; events: TraceEvent[] } {
  const json = JSON.parse(readFileSync(path, "utf8"));
  const validate = new Ajv({ allErrors: true }).compile(TRACE_SCHEMA);
  const ok = validate(json);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
  return { json, events: json.traceEvents };
}

/** Replays counter events into a per-cycle series (value holds until the next event). */
function series(events: TraceEvent[], name: string, cycles: number): number[] {
  const at = new Map(events.filter((e) => e.ph === "C" && e.name === name).map((e) => [e.ts, e.args?.[name] as number]));
  const out: number[] = [];
  let value = Number.NaN;
  for (let c = 0; c < cycles; c++) out.push((value = at.get(c) ?? value));
  return out;
}

describe("the trace-event schema", () => {
  it("rejects what the format forbids, so passing it means something", () => {
    const validate = new Ajv().compile(TRACE_SCHEMA);
    const doc = (event: object) => ({ traceEvents: [event] });
    expect(validate(doc({ name: "a", ph: "X", ts: 0, dur: 1, pid: 1, tid: 1 }))).toBe(true);
    expect(validate(doc({ name: "a", ph: "X", ts: 0, pid: 1, tid: 1 }))).toBe(false);
    expect(validate(doc({ name: "a", ph: "C", ts: 0, pid: 1, tid: 0, args: { a: "1" } }))).toBe(false);
    expect(validate(doc({ name: "thread_name", ph: "M", ts: 0, pid: 1, tid: 1, args: {} }))).toBe(false);
    expect(validate(doc({ name: "a", ph: "X", dur: 1, pid: 1, tid: 1 }))).toBe(false);
    expect(validate({ events: [] })).toBe(false);
  });
});

describe("PerfettoSink", () => {
  it("writes valid trace-event JSON with one X event per instruction and changed-only counters", async () => {
    const path = join(dir, "run.json");
    const { instructions, fifo, macs } = await run(new PerfettoSink(path), 3000);
    expect(readdirSync(dir)).toEqual(["run.json"]);
    const { json, events } = load(path);
    expect(json.otherData.timeUnit).toMatch(/1 us .* = 1 clock cycle/);

    const threads = events.filter((e) => e.ph === "M" && e.name === "thread_name");
    for (const [i, unit] of TRACE_UNITS.entries()) {
      expect(threads).toContainEqual(expect.objectContaining({ tid: i + 1, args: { name: unit } }));
    }

    const complete = events.filter((e) => e.ph === "X");
    expect(instructions.length).toBeGreaterThan(300);
    expect(complete.map((e) => [e.name, e.cat, e.ts, e.dur, e.tid, e.args?.pc])).toEqual(
      instructions.map((f) => [f.text, f.unit, f.issue, f.complete - f.issue + 1, TRACE_UNITS.indexOf(f.unit) + 1, f.pc]),
    );

    expect(series(events, "fifo_tiles", 3000)).toEqual(fifo);
    expect(series(events, "macs", 3000)).toEqual(macs);
    const counters = events.filter((e) => e.ph === "C");
    for (const name of ["fifo_tiles", "macs"]) {
      const values = counters.filter((e) => e.name === name).map((e) => e.args?.[name]);
      for (let i = 1; i < values.length; i++) expect(values[i]).not.toBe(values[i - 1]);
    }
    expect(counters.length).toBeLessThan(3000 / 4);
  });

  it("keeps instructions that overlap the window and counters inside it", async () => {
    const path = join(dir, "window.perfetto.json");
    const { instructions } = await run(new PerfettoSink(path, { from: 1000, to: 1100, every: 1 }), 3000);
    const { json, events } = load(path);
    expect(json.otherData.traceFrom).toBe("1000");
    const want = instructions.filter((f) => f.complete >= 1000 && f.issue <= 1100).map((f) => f.pc);
    expect(want.length).toBeGreaterThan(5);
    expect(events.filter((e) => e.ph === "X").map((e) => e.args?.pc)).toEqual(want);
    const ts = events.filter((e) => e.ph === "C").map((e) => e.ts);
    expect(Math.min(...ts)).toBe(1000);
    expect(Math.max(...ts)).toBeLessThanOrEqual(1100);
  });

  it("is valid JSON with no events besides metadata", async () => {
    const path = join(dir, "empty.json");
    await new PerfettoSink(path).close();
    const { events } = load(path);
    expect(events.every((e) => e.ph === "M")).toBe(true);
  });
});

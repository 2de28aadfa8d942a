import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VcdSink } from "../../src/io/vcd-sink.js";
import {
  STALL_CAUSES,
  TRACE_UNITS,
  UNIT_BUSY,
  UNIT_IDLE,
  makeTraceRow,
  type TraceRow,
} from "../../src/sim/trace.js";

/** vcd-parser 1.0.1 (CommonJS, no types): an independent reader, so the sink is not checked against itself. */
interface VcdSignalWave {
  size: number;
  signalName: string;
  module: string;
  wave: [string, string][];
}
interface VcdParsed {
  date: string;
  timescale: string;
  comment?: string;
  signal: VcdSignalWave[];
}
const VcdParser = createRequire(import.meta.url)("vcd-parser") as {
  parse(text: string): Promise<VcdParsed>;
};

/**
 * vcd-parser yields to the event loop with setTimeout(0) after every line (at least 1 ms each);
 * setImmediate keeps the schedule but makes a few thousand cycles parse in well under a second.
 */
async function parseVcd(text: string): Promise<VcdParsed> {
  vi.stubGlobal("setTimeout", (fn: () => void) => setImmediate(fn));
  try {
    return await VcdParser.parse(text);
  } finally {
    vi.unstubAllGlobals();
  }
}

/** Deterministic rows: units change state every few cycles. One reused row, as the simulator does. */
function* syntheticRows(count: number): Generator<Readonly<TraceRow>> {
  const row = makeTraceRow();
  let seed = 777;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const nextPc = TRACE_UNITS.map(() => 0);
  for (let cycle = 0; cycle < count; cycle++) {
    row.cycle = cycle;
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      if (rand(6) !== 0) continue;
      row.state[u] = rand(3);
      row.pc[u] = row.state[u] === UNIT_IDLE ? -1 : nextPc[u]++;
    }
    if (rand(4) === 0) row.stall = row.state[2] === UNIT_BUSY ? 0 : rand(STALL_CAUSES.length);
    if (rand(3) === 0) row.headPc = rand(2) === 0 ? -1 : 2_000_000_000 + cycle;
    row.macs = row.state[2] === UNIT_BUSY ? 64 * (1 + rand(4)) : 0;
    if (rand(8) === 0) row.fifoTiles = rand(5);
    row.ubReadBytes = rand(4) === 0 ? 16 : 0;
    row.ubWrittenBytes = rand(4) === 0 ? 8 : 0;
    row.accReadBytes = rand(5) === 0 ? 32 : 0;
    row.accWrittenBytes = rand(5) === 0 ? 64 : 0;
    row.weightReadBytes = rand(6) === 0 ? 4096 : 0;
    row.weightWrittenBytes = rand(6) === 0 ? 100 : 0;
    row.hostReadBytes = rand(7) === 0 ? 3_000_000_000 : 0;
    row.hostWrittenBytes = rand(7) === 0 ? 20 : 0;
    yield row;
  }
}

/** Signal name -> value per the row, independent of the sink's tables. */
function expectedSignals(row: Readonly<TraceRow>): Record<string, number> {
  const s: Record<string, number> = {};
  TRACE_UNITS.forEach((unit, u) => {
    s[`${unit}_pc`] = row.pc[u];
    s[`${unit}_state`] = row.state[u];
  });
  Object.assign(s, {
    stall: row.stall,
    head_pc: row.headPc,
    macs: row.macs,
    fifo_tiles: row.fifoTiles,
    ub_read_bytes: row.ubReadBytes,
    ub_written_bytes: row.ubWrittenBytes,
    acc_read_bytes: row.accReadBytes,
    acc_written_bytes: row.accWrittenBytes,
    weight_read_bytes: row.weightReadBytes,
    weight_written_bytes: row.weightWrittenBytes,
    host_read_bytes: row.hostReadBytes,
    host_written_bytes: row.hostWrittenBytes,
  });
  return s;
}

/** The value a signal holds at `time`: its last change at or before it, read as unsigned binary. */
function valueAt(wave: [string, string][], time: number): number | undefined {
  let value: string | undefined;
  for (const [t, v] of wave) {
    if (Number(t) > time) break;
    value = v;
  }
  return value === undefined ? undefined : parseInt(value, 2);
}

/** Reads an n-bit vector the way the sink documents: 32-bit pcs are two's complement. */
function decode(name: string, raw: number): number {
  return name.endsWith("pc") ? raw | 0 : raw;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-vcd-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("VcdSink", () => {
  it("dumps the signals fed, as an independent VCD reader sees them", async () => {
    const path = join(dir, "run.vcd");
    const sink = new VcdSink(path, undefined, { date: "2024-01-01" });
    const fed = new Map<number, Record<string, number>>();
    let n = 0;
    for (const row of syntheticRows(3000)) {
      sink.cycle(row, 1);
      fed.set(row.cycle, expectedSignals(row));
      if (++n % 200 === 0 && sink.needsFlush) await sink.flush();
    }
    await sink.close();
    expect(readdirSync(dir)).toEqual(["run.vcd"]);
    const text = readFileSync(path, "utf8");
    expect(text).toMatch(/^\$date\n\s+2024-01-01\n\$end\n\$version\n/);
    expect(text).toContain("$scope module tpu $end");
    expect(text).toMatch(/\$enddefinitions \$end\n#0\n\$dumpvars\n/);

    const vcd = await parseVcd(text);
    expect(vcd.timescale.trim()).toBe("100ps");
    expect(vcd.comment).toContain("stall (matrix unit): 0 none, 1 weight_load");
    const signals = new Map(vcd.signal.map((s) => [s.signalName.replace(/\[.*\]$/, ""), s]));
    expect(signals.get("clk")?.size).toBe(1);
    expect(signals.get("dma_state")?.size).toBe(2);
    expect(signals.get("stall")?.size).toBe(3);
    expect(signals.get("matrix_pc")?.size).toBe(32);
    expect([...signals.keys()].sort()).toEqual(["clk", ...Object.keys(fed.get(0) ?? {})].sort());
    for (const s of vcd.signal) expect(s.module).toBe("tpu");

    // Cycle N is at time 10*N with clk high, and clk is low half-way through.
    const clk = signals.get("clk")?.wave ?? [];
    expect(clk.length).toBe(6000);
    for (const cycle of [0, 1, 2, 1234, 2999]) {
      expect(valueAt(clk, cycle * 10)).toBe(1);
      expect(valueAt(clk, cycle * 10 + 5)).toBe(0);
    }
    for (let cycle = 0; cycle < 3000; cycle += 7) {
      const want = fed.get(cycle) ?? {};
      for (const [name, value] of Object.entries(want)) {
        const wave = signals.get(name)?.wave ?? [];
        const raw = valueAt(wave, cycle * 10 + 5);
        expect(raw === undefined ? undefined : decode(name, raw), `${name} at cycle ${cycle}`).toBe(
          name === "host_read_bytes" ? value >>> 0 : value,
        );
      }
    }
    // Value-change semantics: one entry per actual change, plus the initial dump.
    for (const [name, wave] of [...signals].map(([k, s]) => [k, s.wave] as const)) {
      if (name === "clk") continue;
      let changes = 1;
      for (let cycle = 1; cycle < 3000; cycle++) if (fed.get(cycle)?.[name] !== fed.get(cycle - 1)?.[name]) changes++;
      expect(wave.length, name).toBe(changes);
      expect(changes, `${name} should vary`).toBeGreaterThan(5);
    }
    expect(text.trimEnd().endsWith("#30000")).toBe(true);
  });

  it("keeps only the traced window, with one clock pulse per traced cycle", async () => {
    const path = join(dir, "window.vcd");
    const sink = new VcdSink(path, { from: 50, to: 150, every: 10 }, { date: "fixed" });
    for (const row of syntheticRows(400)) sink.cycle(row, 1);
    await sink.close();
    const vcd = await parseVcd(readFileSync(path, "utf8"));
    const clk = vcd.signal.find((s) => s.signalName === "clk")?.wave ?? [];
    const rising = clk.filter(([, v]) => v === "1").map(([t]) => Number(t));
    expect(rising).toEqual([500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500]);
    const times = new Set(vcd.signal.flatMap((s) => s.wave.map(([t]) => Number(t) % 100)));
    expect([...times].sort()).toEqual([0, 5]);
  });

  it("refuses rows out of cycle order", () => {
    const sink = new VcdSink(join(dir, "order.vcd"));
    const row = makeTraceRow();
    row.cycle = 5;
    sink.cycle(row, 1);
    row.cycle = 5;
    expect(() => sink.cycle(row, 1)).toThrow(/increasing cycle order/);
    return sink.abort();
  });
});

/**
 * The per-cycle CSV of a real run, byte for byte: what CsvTraceSink writes (json2csv, batched,
 * pre-escaped names, early slice returns when its stream is full) equals a plain serialization of
 * the same rows, written here without json2csv: the header, one line per row (values joined by
 * commas, numbers as JavaScript prints them), a final newline.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { CsvTraceSink } from "../../src/io/csv-trace-sink.js";
import { driveToHalt } from "../../src/jobs/drive.js";
import { Simulator } from "../../src/sim/controller.js";
import {
  STALL_CAUSES, TRACE_COUNTERS, TRACE_UNITS, UNIT_STATE_NAMES, type PeTraceRow, type TraceRow, type TraceSink, type TraceUnit,
} from "../../src/sim/trace.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-csv-bytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = [
  "cycle",
  ...TRACE_UNITS.flatMap((u) => [`${u}_pc`, `${u}_state`]),
  "stall",
  "head_pc",
  "macs,fifo_tiles,ub_read_bytes,ub_written_bytes,acc_read_bytes,acc_written_bytes",
  "weight_read_bytes,weight_written_bytes,host_read_bytes,host_written_bytes",
].join(",");

function plainLine(row: Readonly<TraceRow>): string {
  const cells: (string | number)[] = [row.cycle];
  for (let u = 0; u < TRACE_UNITS.length; u++) cells.push(row.pc[u], UNIT_STATE_NAMES[row.state[u]]);
  cells.push(STALL_CAUSES[row.stall], row.headPc);
  for (const c of TRACE_COUNTERS) cells.push(row[c.field]);
  return cells.join(",");
}

/** Passes every call to the CSV sink and keeps its own plain text of the rows. */
class Tee implements TraceSink {
  readonly lines: string[] = [HEADER];
  constructor(readonly csv: CsvTraceSink) {}
  get from() {
    return this.csv.from;
  }
  get to() {
    return this.csv.to;
  }
  get every() {
    return this.csv.every;
  }
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  /** Each cycle of a run as its own line: the row with that cycle number. */
  cycle(row: Readonly<TraceRow>, count: number): void {
    for (let i = 0; i < count; i++) this.lines.push(plainLine({ ...row, cycle: row.cycle + i }));
    this.csv.cycle(row, count);
  }
  pe(_row: Readonly<PeTraceRow>): void {}
  instruction(_u: TraceUnit, _pc: number, _text: string, _issue: number, _complete: number): void {}
  get needsFlush() {
    return this.csv.needsFlush;
  }
  flush() {
    return this.csv.flush();
  }
  close() {
    return this.csv.close();
  }
}

describe("per-cycle CSV bytes", () => {
  for (const mode of ["fast", "detailed"] as const) {
    it(`${mode} mode: a 40,000-cycle run equals the plain serialization of its rows`, async () => {
      const hw = buildHwConfig("tpu-v2", { rows: 8, cols: 8 });
      const m = 20_000;
      const a = new Float32Array(m * 8).map((_, i) => ((i * 7) % 11) / 4 - 1);
      const b = new Float32Array(64).map((_, i) => ((i * 5) % 9) / 8 - 0.5);
      const layout = compileMatmul(a, m, 8, b, 8, hw);
      const path = join(dir, `${mode}.csv`);
      const tee = new Tee(new CsvTraceSink(path));
      const sim = new Simulator(hw, { mode });
      sim.load(layout.program);
      await driveToHalt(sim, { sink: tee, sliceCycles: 7_000 });
      await tee.close();
      const text = readFileSync(path, "utf8");
      expect(tee.lines.length - 1).toBe(sim.stats.cycles);
      expect(sim.stats.cycles).toBeGreaterThan(20_000);
      // Several stall causes and unit states appear, so the names' path is exercised.
      expect(new Set(tee.lines.slice(1).map((l) => l.split(",")[11])).size).toBeGreaterThan(1);
      expect(text).toBe(tee.lines.join("\n") + "\n");
    });
  }
});

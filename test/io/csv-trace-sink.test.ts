import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CsvTraceSink, TRACE_CSV_COLUMNS } from "../../src/io/csv-trace-sink.js";
import {
  STALL_CAUSES,
  TRACE_UNITS,
  UNIT_BUSY,
  UNIT_IDLE,
  UNIT_STATE_NAMES,
  makeTraceRow,
  type TraceRow,
  type TraceSink,
} from "../../src/sim/trace.js";

/** Deterministic rows: units change state every few cycles. One reused row, as the simulator does. */
function* syntheticRows(count: number): Generator<Readonly<TraceRow>> {
  const row = makeTraceRow();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const nextPc = TRACE_UNITS.map(() => 0);
  for (let cycle = 0; cycle < count; cycle++) {
    row.cycle = cycle;
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      if (rand(5) !== 0) continue;
      row.state[u] = rand(3);
      row.pc[u] = row.state[u] === UNIT_IDLE ? -1 : nextPc[u]++;
    }
    if (rand(4) === 0) row.stall = row.state[2] === UNIT_BUSY ? 0 : rand(STALL_CAUSES.length);
    row.headPc = rand(3) === 0 ? -1 : cycle * 1009;
    row.macs = row.state[2] === UNIT_BUSY ? 64 * (1 + rand(4)) : 0;
    if (rand(8) === 0) row.fifoTiles = rand(5);
    row.ubReadBytes = rand(2) * 16;
    row.ubWrittenBytes = rand(2) * 8;
    row.accReadBytes = rand(3) * 32;
    row.accWrittenBytes = rand(3) * 64;
    row.weightReadBytes = rand(3) === 0 ? 4096 : 0;
    row.weightWrittenBytes = rand(4) === 0 ? 100 : 0;
    row.hostReadBytes = rand(5) === 0 ? 512 : 0;
    row.hostWrittenBytes = rand(6) === 0 ? 20 : 0;
    yield row;
  }
}

/** The CSV cells a row must become, written out independently of the sink. */
function expectedCells(row: Readonly<TraceRow>): string[] {
  const cells = [String(row.cycle)];
  for (let u = 0; u < TRACE_UNITS.length; u++) cells.push(String(row.pc[u]), UNIT_STATE_NAMES[row.state[u]]);
  cells.push(STALL_CAUSES[row.stall]);
  for (const n of [row.headPc, row.macs, row.fifoTiles, row.ubReadBytes, row.ubWrittenBytes]) cells.push(String(n));
  for (const n of [row.accReadBytes, row.accWrittenBytes, row.weightReadBytes, row.weightWrittenBytes]) cells.push(String(n));
  for (const n of [row.hostReadBytes, row.hostWrittenBytes]) cells.push(String(n));
  return cells;
}

/** Feeds rows like the runner: synchronous calls, awaiting flush() between slices when asked. */
async function drive(sink: TraceSink, rows: Iterable<Readonly<TraceRow>>, slice = 250): Promise<void> {
  let n = 0;
  for (const row of rows) {
    sink.cycle(row, 1);
    if (++n % slice === 0 && sink.needsFlush) await sink.flush();
  }
  await sink.close();
}

function parseCsv(text: string): { header: string[]; rows: string[][] } {
  expect(text.endsWith("\n")).toBe(true);
  const lines = text.slice(0, -1).split("\n");
  return { header: lines[0].split(","), rows: lines.slice(1).map((line) => line.split(",")) };
}

const HEADER =
  "cycle,dma_pc,dma_state,weights_pc,weights_state,matrix_pc,matrix_state,activation_pc,activation_state," +
  "vector_pc,vector_state,stall,head_pc,macs,fifo_tiles,ub_read_bytes,ub_written_bytes,acc_read_bytes," +
  "acc_written_bytes,weight_read_bytes,weight_written_bytes,host_read_bytes,host_written_bytes";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-csv-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("CsvTraceSink", () => {
  it("writes the documented header and parses back to the rows fed", async () => {
    const path = join(dir, "run.csv");
    await drive(new CsvTraceSink(path), syntheticRows(3000));
    const { header, rows } = parseCsv(readFileSync(path, "utf8"));
    expect(header.join(",")).toBe(HEADER);
    expect(header).toEqual(TRACE_CSV_COLUMNS);
    const expected: string[][] = [];
    for (const row of syntheticRows(3000)) expected.push(expectedCells(row));
    expect(rows.length).toBe(3000);
    // Guards against a vacuous pass: the rows really vary.
    expect(new Set(rows.map((r) => r[6])).size).toBe(3);
    expect(new Set(rows.map((r) => r[11])).size).toBeGreaterThan(3);
    expect(rows).toEqual(expected);
    expect(readdirSync(dir)).toEqual(["run.csv"]);
  });

  it("keeps only cycles in [from, to] that are a multiple of every from `from`", async () => {
    const path = join(dir, "window.csv");
    await drive(new CsvTraceSink(path, { from: 100, to: 400, every: 7 }), syntheticRows(1000));
    const { rows } = parseCsv(readFileSync(path, "utf8"));
    const cycles = rows.map((r) => Number(r[0]));
    const want: number[] = [];
    for (let c = 100; c <= 400; c += 7) want.push(c);
    expect(cycles).toEqual(want);
    let i = 0;
    for (const row of syntheticRows(1000)) {
      if (row.cycle === want[i]) expect(rows[i++]).toEqual(expectedCells(row));
    }
    expect(i).toBe(want.length);
  });

  it("writes just the header when no cycle is traced", async () => {
    const path = join(dir, "empty.csv");
    await new CsvTraceSink(path).close();
    expect(readFileSync(path, "utf8")).toBe(HEADER + "\n");
  });

  it("abort() leaves no file, final or temp", async () => {
    const sink = new CsvTraceSink(join(dir, "gone.csv"));
    for (const row of syntheticRows(2000)) sink.cycle(row, 1);
    await sink.flush();
    await sink.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("streams 1,000,000 rows with bounded memory", async () => {
    const path = join(dir, "big.csv");
    const sink = new CsvTraceSink(path);
    const total = 1_000_000;
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let n = 0;
    const started = performance.now();
    for (const row of syntheticRows(total)) {
      sink.cycle(row, 1);
      if (++n % 1000 === 0) {
        if (sink.needsFlush) await sink.flush();
        if (n % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    await sink.close();
    const seconds = (performance.now() - started) / 1000;
    const growth = (peak - baseline) / 2 ** 20;
    console.log(
      `CSV trace: ${total} rows in ${seconds.toFixed(2)} s, ${Math.round(total / seconds)} rows/s, heap +${growth.toFixed(1)} MB`,
    );
    expect(peak - baseline).toBeLessThan(64 * 1024 * 1024);
    const text = readFileSync(path, "utf8");
    const lines = text.split("\n");
    expect(lines.length).toBe(total + 2);
    expect(lines[total].split(",")[0]).toBe(String(total - 1));
    expect(existsSync(path)).toBe(true);
  });
});

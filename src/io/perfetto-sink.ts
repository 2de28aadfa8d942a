/**
 * Instruction timeline as Chrome trace-event JSON ("JSON Object Format" of the Trace Event Format),
 * which ui.perfetto.dev and chrome://tracing open (docs/TRACES.md "Perfetto").
 *
 * One thread per unit (TRACE_UNITS order), one complete event ("X") per instruction, counters
 * ("C") for the per-cycle counters (TRACE_COUNTERS) written only when they change. Timestamps are cycles written as
 * microseconds. The file is streamed: the opening goes out first, events as they come, the
 * closing bracket on close().
 *
 * Slices on one track must nest or not overlap, or Perfetto draws them wrongly. A unit that overlaps
 * its own instructions (the matrix unit streams the next pass while the last one drains) gets more
 * tracks, "matrix 2", "matrix 3", ...: each instruction goes on the first track of its unit that is
 * free from its issue cycle on. Instructions arrive in completion order, so a track's last slice is
 * the one that ends latest.
 */
import {
  TRACE_COUNTERS, TRACE_UNITS, readTraceCounters, runInWindow, type PeTraceRow, type TraceRow, type TraceUnit, type WindowedRun,
} from "../sim/trace.js";
import {
  FULL_WINDOW,
  SinkFile,
  type AbortableTraceSink,
  type TraceWindow,
} from "./csv-trace-sink.js";

/** The single process every event belongs to; counters sit on its thread 0, units on 1..5. */
export const PERFETTO_PID = 1;
export const PERFETTO_COUNTER_TID = 0;

/** A unit's first track; further tracks get the next free thread ids as they are opened. */
export function perfettoTid(unit: TraceUnit): number {
  return TRACE_UNITS.indexOf(unit) + 1;
}

/** Tracks of one unit sort together, in lane order. */
function sortIndex(unitIndex: number, lane: number): number {
  return (unitIndex + 1) * 1000 + lane;
}

/** Counters sampled from per-cycle rows: event name (also its args key, the CSV column). */
const COUNTERS = TRACE_COUNTERS.map((c) => ({ name: c.column }));

/**
 * A counter event's text around its cycle and value, exactly as JSON.stringify writes
 * `{ name, ph: "C", ts, pid, tid, args: { [name]: value } }` (counters change on most cycles of a
 * pass's wavefront, so the per-event object and stringify were most of this sink's cost).
 */
const COUNTER_TEXT = COUNTERS.map(({ name }) => {
  const n = JSON.stringify(name);
  return {
    head: `,\n{"name":${n},"ph":"C","ts":`,
    middle: `,"pid":${PERFETTO_PID},"tid":${PERFETTO_COUNTER_TID},"args":{${n}:`,
  };
});

/** A number as JSON.stringify writes it (integers and other finite numbers: their shortest text). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : "null";
}

/** Writes the trace-event JSON. Ignores PE rows. */
export class PerfettoSink implements AbortableTraceSink {
  readonly from: number;
  readonly to: number;
  readonly every: number;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  private readonly file: SinkFile;
  private readonly lastCounter: number[] = COUNTERS.map(() => Number.NaN);
  private readonly values = new Float64Array(COUNTERS.length);
  /** Per unit, per track: its thread id and the cycle after its last slice ends. */
  private readonly lanes: { tid: number; end: number }[][] = TRACE_UNITS.map((unit) => [{ tid: perfettoTid(unit), end: Number.NEGATIVE_INFINITY }]);
  private nextTid = TRACE_UNITS.length + 1;
  private readonly run: WindowedRun = { start: 0, n: 0 };

  /** Opens the temp file now, so an unwritable path fails (OutputError) before the run starts. */
  constructor(path: string, window: TraceWindow = FULL_WINDOW) {
    ({ from: this.from, to: this.to, every: this.every } = window);
    this.file = new SinkFile(path);
    const otherData = {
      generator: "tpusim",
      timeUnit: "1 us in this file = 1 clock cycle (ts = cycle number, dur = cycles)",
      instructions: "X event per instruction: ts = issue cycle, dur = complete - issue + 1",
      counters: "the per-cycle counters of the CSV trace (macs .. host_written_bytes), written when the value changes",
      traceFrom: String(this.from),
      traceTo: Number.isFinite(this.to) ? String(this.to) : "end of run",
      traceEvery: String(this.every),
    };
    const meta = (name: string, tid: number, args: object) => ({
      name,
      ph: "M",
      ts: 0,
      pid: PERFETTO_PID,
      tid,
      args,
    });
    const metadata = [
      meta("process_name", 0, { name: "tpu" }),
      meta("thread_name", PERFETTO_COUNTER_TID, { name: "counters" }),
      ...TRACE_UNITS.flatMap((unit, i) => [
        meta("thread_name", i + 1, { name: unit }),
        meta("thread_sort_index", i + 1, { sort_index: sortIndex(i, 0) }),
      ]),
    ];
    this.file.append(
      `{"displayTimeUnit":"ns","otherData":${JSON.stringify(otherData)},"traceEvents":[\n` +
        metadata.map((event) => JSON.stringify(event)).join(",\n"),
    );
  }

  private event(event: object): void {
    this.file.append(`,\n${JSON.stringify(event)}`);
  }

  /** The run's first sampled cycle writes what changed; the rest repeat it, so nothing changes. */
  cycle(row: Readonly<TraceRow>, count: number): void {
    const { start, n } = runInWindow(this, row.cycle, count, this.run);
    if (n === 0) return;
    let out = "";
    const values = this.values;
    readTraceCounters(row, values, 0);
    for (let i = 0; i < COUNTERS.length; i++) {
      const value = values[i];
      if (value === this.lastCounter[i]) continue;
      this.lastCounter[i] = value;
      const text = COUNTER_TEXT[i];
      out += `${text.head}${jsonNumber(start)}${text.middle}${jsonNumber(value)}}}`;
    }
    if (out !== "") this.file.append(out);
  }

  pe(_row: Readonly<PeTraceRow>): void {}

  /** Kept when the instruction's lifetime overlaps the window; not clipped to it. */
  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void {
    if (complete < this.from || issue > this.to) return;
    this.event({
      name: text || `pc ${pc}`,
      cat: unit,
      ph: "X",
      ts: issue,
      dur: complete - issue + 1,
      pid: PERFETTO_PID,
      tid: this.trackFor(unit, issue, complete + 1),
      args: { pc, issue, complete },
    });
  }

  /** The first track of `unit` free at `start`, opened (and named) when none is. */
  private trackFor(unit: TraceUnit, start: number, end: number): number {
    const u = TRACE_UNITS.indexOf(unit);
    const lanes = this.lanes[u];
    let lane = lanes.findIndex((l) => l.end <= start);
    if (lane < 0) {
      lane = lanes.length;
      const tid = this.nextTid++;
      lanes.push({ tid, end: start });
      const meta = (name: string, args: object) => ({ name, ph: "M", ts: 0, pid: PERFETTO_PID, tid, args });
      this.event(meta("thread_name", { name: `${unit} ${lane + 1}` }));
      this.event(meta("thread_sort_index", { sort_index: sortIndex(u, lane) }));
    }
    lanes[lane].end = Math.max(lanes[lane].end, end);
    return lanes[lane].tid;
  }

  get needsFlush(): boolean {
    return this.file.needsDrain;
  }

  flush(): Promise<void> {
    return this.file.drain();
  }

  async close(): Promise<void> {
    this.file.append("\n]}\n");
    await this.file.commit();
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

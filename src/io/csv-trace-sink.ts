/**
 * The per-cycle CSV trace (docs/TRACES.md "CSV"), streamed through @json2csv/node (csv-output.ts),
 * plus what every trace sink shares: the cycle window, the output file (sink-file.ts) and the
 * json2csv pipeline the PE CSV sink reuses, both re-exported here.
 *
 * Memory stays bounded however long the run: rows are copied into small records and handed to
 * json2csv in batches straight away (a run of repeated rows as one record: json2csv formats its
 * first row, the rest are that line renumbered, written as the file takes it); when a stream
 * refuses more (write() returns false) `needsFlush` asks the runner to await flush(), which waits
 * for that stream's 'drain'.
 */
import {
  STALL_CAUSES,
  TRACE_COUNTERS,
  TRACE_UNITS,
  UNIT_STATE_NAMES,
  readTraceCounters,
  runInWindow,
  type PeTraceRow,
  type TraceRow,
  type TraceSink,
  type TraceUnit,
  type WindowedRun,
} from "../sim/trace.js";
import { CsvOutput, csvString, type CsvRecord } from "./csv-output.js";

/** Cycles a sink records: `from..to` inclusive, every `every`-th cycle counted from `from`. */
export interface TraceWindow {
  readonly from: number;
  readonly to: number;
  readonly every: number;
}

export const FULL_WINDOW: TraceWindow = Object.freeze({ from: 0, to: Number.POSITIVE_INFINITY, every: 1 });

/** The simulator only produces rows inside the window; sinks check again so a MultiSink can mix windows. */
export function inWindow(w: TraceWindow, cycle: number): boolean {
  return cycle >= w.from && cycle <= w.to && (cycle - w.from) % w.every === 0;
}

/** A TraceSink whose unfinished output can be thrown away (Ctrl-C, a failed run). */
export interface AbortableTraceSink extends TraceSink {
  /** Removes the temp file; nothing is left under the final name. */
  abort(): Promise<void>;
}

export { SinkFile } from "./sink-file.js";
export { CsvOutput, csvString, type CsvRecord } from "./csv-output.js";

/** Column names of the per-cycle CSV, in order (docs/TRACES.md). */
export const TRACE_CSV_COLUMNS: readonly string[] = Object.freeze([
  "cycle",
  ...TRACE_UNITS.flatMap((unit) => [`${unit}_pc`, `${unit}_state`]),
  "stall",
  "head_pc",
  ...TRACE_COUNTERS.map((c) => c.column),
]);

export function unitStateName(code: number): string {
  return UNIT_STATE_NAMES[code] ?? String(code);
}

export function stallCauseName(code: number): string {
  return STALL_CAUSES[code] ?? String(code);
}

/**
 * A trace sink writing one CSV file: window bookkeeping and the file's flush/close/abort. Subclasses
 * turn the rows they care about into records; the rest are ignored.
 */
export abstract class CsvFileSink implements AbortableTraceSink {
  readonly from: number;
  readonly to: number;
  readonly every: number;
  abstract readonly wantsPe: boolean;
  abstract readonly peRegion: { r0: number; r1: number; c0: number; c1: number };
  protected readonly output: CsvOutput;

  /** Opens the temp file now, so an unwritable path fails (OutputError) before the run starts. */
  constructor(path: string, columns: readonly string[], window: TraceWindow, preEscaped = false) {
    ({ from: this.from, to: this.to, every: this.every } = window);
    this.output = new CsvOutput(path, columns, preEscaped);
  }

  cycle(_row: Readonly<TraceRow>, _count: number): void {}

  pe(_row: Readonly<PeTraceRow>): void {}

  instruction(_unit: TraceUnit, _pc: number, _text: string, _issue: number, _complete: number): void {}

  get needsFlush(): boolean {
    return this.output.needsFlush;
  }

  /** Rows formatted by json2csv and rows written as a run's first line renumbered (the bench reports them). */
  get rowCounts(): { formatted: number; renumbered: number } {
    return this.output.rowCounts;
  }

  flush(): Promise<void> {
    return this.output.flush();
  }

  close(): Promise<void> {
    return this.output.close();
  }

  abort(): Promise<void> {
    return this.output.abort();
  }
}

/** Writes one CSV row per traced cycle. Ignores PE rows and instructions. */
export class CsvTraceSink extends CsvFileSink {
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };

  /** State and stall names, escaped once (the output is told its strings are pre-escaped). */
  private readonly stateNames = UNIT_STATE_NAMES.map(csvString);
  private readonly stallNames = STALL_CAUSES.map(csvString);

  constructor(path: string, window: TraceWindow = FULL_WINDOW) {
    super(path, TRACE_CSV_COLUMNS, window, true);
  }

  private readonly run: WindowedRun = { start: 0, n: 0 };

  override cycle(row: Readonly<TraceRow>, count: number): void {
    const { start, n } = runInWindow(this, row.cycle, count, this.run);
    if (n === 0) return;
    // One record per run: json2csv formats its first row, the output renumbers that line for the rest.
    const record: CsvRecord = new Array(TRACE_CSV_COLUMNS.length);
    let i = 0;
    record[i++] = start;
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      record[i++] = row.pc[u];
      record[i++] = this.stateNames[row.state[u]] ?? csvString(unitStateName(row.state[u]));
    }
    record[i++] = this.stallNames[row.stall] ?? csvString(stallCauseName(row.stall));
    record[i++] = row.headPc;
    readTraceCounters(row, record, i);
    if (n === 1) this.output.add(record);
    else this.output.repeat(record, n, this.every);
  }
}

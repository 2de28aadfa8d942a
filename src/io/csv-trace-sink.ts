/**
 * The per-cycle CSV trace (docs/TRACES.md "CSV"), streamed through @json2csv/node, plus what every
 * trace sink shares: the cycle window, the output file (sink-file.ts, re-exported here) and the
 * json2csv pipeline the PE CSV sink reuses.
 *
 * Memory stays bounded however long the run: rows are copied into small records and handed to
 * json2csv in batches straight away (a run of repeated rows as one record, written as the file
 * takes it); when a stream refuses more (write() returns false)
 * `needsFlush` asks the runner to await flush(), which waits for that stream's 'drain'.
 */
import { Transform, type ParserOptions } from "@json2csv/node";
import {
  STALL_CAUSES,
  TRACE_COUNTERS,
  TRACE_UNITS,
  UNIT_STATE_NAMES,
  runInWindow,
  type PeTraceRow,
  type TraceRow,
  type TraceSink,
  type TraceUnit,
  type WindowedRun,
} from "../sim/trace.js";
import { SinkFile } from "./sink-file.js";

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

export type CsvRecord = (number | string)[];

/**
 * Rows handed to json2csv per write: one write per batch keeps the stream machinery out of the
 * per-row cost; much larger batches were slower (json2csv gathers a batch's text into one string).
 */
const CSV_BATCH_ROWS = 256;

const identity = (value: string): string => value;

/** Our strings are fixed identifiers (state and stall names), so quotes are only a fallback. */
export function csvString(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A CSV file with a fixed header: records go to json2csv's object-mode Transform in batches (its
 * `transforms` option expands one batch into its rows), and the Transform is piped into the file.
 * The file ends with a newline; json2csv writes none after the last row.
 *
 * A run of rows that differ only in their first cell (a cycle number counting up by a step) is one
 * record placed in the batches once per row: column 0's getter counts up while json2csv meets the
 * same record again, so no row of the run is an object of its own. A run is written as far as the
 * file takes it without waiting (`needsFlush` stays true while some is left); flush() writes the
 * rest, waiting for the file to drain between chunks, so memory stays bounded however long it is.
 */
export class CsvOutput {
  private readonly file: SinkFile;
  private readonly transform: Transform<CsvRecord[], CsvRecord>;
  private batch: CsvRecord[] = [];
  /** Index of the hidden cell holding a repeated record's step (past the last column). */
  private readonly stepCell: number;
  /** The record json2csv read last and the first cell it gave for it. */
  private lastRecord: CsvRecord | null = null;
  private lastFirstCell = 0;
  /** The run not yet handed to json2csv: its record and how many rows are left. */
  private pending: CsvRecord | null = null;
  private pendingRows = 0;

  /**
   * `preEscaped`: every string cell was already passed through csvString (names from fixed
   * tables, escaped once), so json2csv writes strings as they are instead of testing each one.
   */
  constructor(
    path: string,
    readonly columns: readonly string[],
    preEscaped = false,
  ) {
    this.file = new SinkFile(path);
    this.stepCell = columns.length;
    const options: ParserOptions<CsvRecord[], CsvRecord> = {
      fields: columns.map((label, i) => ({ label, value: i === 0 ? (record: CsvRecord) => this.firstCell(record) : (record: CsvRecord) => record[i] })),
      eol: "\n",
      formatters: { string: preEscaped ? identity : csvString, header: csvString },
      // Our rows always have a cycle number, so json2csv's test for all-empty rows is skipped.
      includeEmptyRows: true,
      transforms: [(batch: CsvRecord[]) => batch],
    };
    this.transform = new Transform(options, {}, { objectMode: true, highWaterMark: 4 });
    this.file.watch(this.transform);
    this.transform.pipe(this.file.stream, { end: false });
  }

  /** json2csv reads each row's cells in order, once: a record met again is the next row of its run. */
  private firstCell(record: CsvRecord): number | string {
    if (record !== this.lastRecord) {
      this.lastRecord = record;
      const first = record[0];
      if (typeof first === "number") this.lastFirstCell = first;
      return first;
    }
    this.lastFirstCell += record[this.stepCell] as number;
    return this.lastFirstCell;
  }

  add(record: CsvRecord): void {
    if (this.pendingRows > 0) this.writePending(Number.POSITIVE_INFINITY);
    this.batch.push(record);
    if (this.batch.length >= CSV_BATCH_ROWS) this.writeBatch();
  }

  /** `rows` rows of `record` (a new array, not changed afterwards), the first cell counting up by `step` from record[0]. */
  repeat(record: CsvRecord, rows: number, step: number): void {
    if (this.pendingRows > 0) this.writePending(Number.POSITIVE_INFINITY);
    record[this.stepCell] = step;
    this.pending = record;
    this.pendingRows = rows;
    this.writePending(0);
  }

  private writeBatch(): void {
    this.file.push(this.transform, this.batch);
    this.batch = [];
  }

  /** Hands the pending run to json2csv until the file is full, but at least `atLeast` rows. */
  private writePending(atLeast: number): void {
    const record = this.pending;
    let written = 0;
    while (this.pendingRows > 0 && (written < atLeast || !this.file.needsDrain)) {
      const n = Math.min(this.pendingRows, CSV_BATCH_ROWS - this.batch.length);
      for (let i = 0; i < n; i++) this.batch.push(record as CsvRecord);
      this.pendingRows -= n;
      written += n;
      if (this.batch.length >= CSV_BATCH_ROWS) this.writeBatch();
    }
    if (this.pendingRows === 0) this.pending = null;
  }

  get needsFlush(): boolean {
    return this.pendingRows > 0 || this.file.needsDrain;
  }

  async flush(): Promise<void> {
    await this.file.drain();
    while (this.pendingRows > 0) {
      this.writePending(0);
      await this.file.drain();
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.batch.length > 0) this.file.push(this.transform, this.batch);
    this.batch = [];
    await this.file.drain();
    const ended = this.file.until(this.transform, "end");
    this.transform.end();
    await ended;
    this.file.append("\n");
    await this.file.commit();
  }

  async abort(): Promise<void> {
    this.batch = [];
    this.pending = null;
    this.pendingRows = 0;
    this.transform.unpipe();
    this.transform.destroy();
    await this.file.abort();
  }
}

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
    // One record per run; the output repeats it with the cycle counting up.
    const record: CsvRecord = new Array(TRACE_CSV_COLUMNS.length);
    let i = 0;
    record[i++] = start;
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      record[i++] = row.pc[u];
      record[i++] = this.stateNames[row.state[u]] ?? csvString(unitStateName(row.state[u]));
    }
    record[i++] = this.stallNames[row.stall] ?? csvString(stallCauseName(row.stall));
    record[i++] = row.headPc;
    for (let k = 0; k < TRACE_COUNTERS.length; k++) record[i++] = row[TRACE_COUNTERS[k].field];
    if (n === 1) this.output.add(record);
    else this.output.repeat(record, n, this.every);
  }
}

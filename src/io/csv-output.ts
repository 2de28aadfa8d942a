/**
 * A CSV file written by @json2csv/node: records go to json2csv's object-mode Transform in batches,
 * and the Transform is piped into an atomic output file (sink-file.ts) with backpressure.
 *
 * Runs of rows that differ only in their first cell (the per-cycle trace's cycle number, counting
 * up by a step): json2csv formats the run's first row, every cell through its own formatters; the
 * run's other rows are that same line with the first cell renumbered (json2csv's number formatter
 * writes a whole number n as `${n}`, which DecimalCounter writes too). That holds only while the
 * line json2csv wrote starts with the first cell's text and the delimiter; when it does not, json2csv
 * formats every row of the run. So every distinct row is formatted by json2csv; a repeated row
 * costs a copy of the line's bytes and a few digits.
 */
import { Transform, type ParserOptions } from "@json2csv/node";
import type { TransformCallback } from "node:stream";
import { DecimalCounter, countedLinesBytes, isCountable, writeCountedLines } from "./decimal-counter.js";
import { OUTPUT_CHUNK_BYTES, takeOutputChunk } from "./output-chunks.js";
import { SinkFile } from "./sink-file.js";

export type CsvRecord = (number | string)[];

/**
 * Rows handed to json2csv per write: one write per batch keeps the stream machinery out of the
 * per-row cost; much larger batches were slower (json2csv gathers a batch's text into one string).
 */
const CSV_BATCH_ROWS = 256;

/** Repeated rows of a run per chunk (about 70 KB of per-cycle trace): memory stays bounded by a few chunks. */
const RUN_CHUNK_ROWS = 1024;

const EOL = "\n";
const DELIMITER = ",";

const identity = (value: string): string => value;

/** Our strings are fixed identifiers (state and stall names), so quotes are only a fallback. */
export function csvString(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A run of rows: `record` (its first row) repeated with the first cell counting up by `step`. */
interface CsvRun {
  readonly record: CsvRecord;
  readonly step: number;
  /** Every first cell of the run is a whole number the counter can write (else json2csv formats each row). */
  readonly countable: boolean;
}

/** What json2csv's Transform gets: records, then maybe more rows of a run. */
interface CsvChunk {
  /** Records json2csv formats, one row each, in order. */
  readonly records: CsvRecord[];
  /** The run these rows belong to; its first row is the last record when `startsRun`. */
  readonly run: CsvRun | null;
  readonly startsRun: boolean;
  /** After the records, `rows` more rows of `run`, first cells `from`, `from + run.step`, ... */
  readonly from: number;
  readonly rows: number;
}

const NO_RECORDS: CsvRecord[] = [];

/** json2csv's Transform, which also writes the repeated rows of a run after json2csv's line of its first row. */
class CsvRunTransform extends Transform<CsvChunk, CsvRecord> {
  private lastLine = "";
  private readonly keepLine = (line: string): void => {
    this.lastLine = line;
  };
  /** json2csv's line of the current run's first row after its first cell (delimiter included); null: json2csv formats each row. */
  private tail: Uint8Array | null = null;
  private readonly counter = new DecimalCounter();
  private readonly eol = Buffer.from(EOL);
  /** Rows json2csv formatted, and rows written as a run's first line renumbered. */
  rowsFormatted = 0;
  rowsRenumbered = 0;

  constructor(options: ParserOptions<CsvChunk, CsvRecord>) {
    super(options, {}, { objectMode: true, highWaterMark: 4 });
  }

  override _transform(chunk: CsvChunk, encoding: BufferEncoding, done: TransformCallback): void {
    if (chunk.records.length === 0) {
      this.repeatRows(chunk, encoding, done);
      return;
    }
    if (chunk.startsRun) {
      this.lastLine = "";
      this.on("line", this.keepLine);
    }
    this.rowsFormatted += chunk.records.length;
    super._transform(chunk, encoding, (err?: Error | null) => {
      if (chunk.startsRun) {
        this.off("line", this.keepLine);
        this.tail = this.renumberable(chunk.run as CsvRun, this.lastLine);
      }
      if (err) done(err);
      else this.repeatRows(chunk, encoding, done);
    });
  }

  /** The line after the run's first cell, if the line starts with that cell as the counter writes it. */
  private renumberable(run: CsvRun, line: string): Uint8Array | null {
    if (!run.countable) return null;
    const head = `${run.record[0] as number}${DELIMITER}`;
    return line.startsWith(head) ? Buffer.from(line.slice(head.length - DELIMITER.length)) : null;
  }

  private repeatRows(chunk: CsvChunk, encoding: BufferEncoding, done: TransformCallback): void {
    const run = chunk.run;
    if (chunk.rows === 0 || run === null) {
      done();
      return;
    }
    const tail = this.tail;
    if (tail === null) {
      // json2csv formats each row of the run.
      const records: CsvRecord[] = [];
      for (let i = 0; i < chunk.rows; i++) {
        const record = run.record.slice();
        record[0] = chunk.from + i * run.step;
        records.push(record);
      }
      this.rowsFormatted += records.length;
      super._transform({ records, run: null, startsRun: false, from: 0, rows: 0 }, encoding, done);
      return;
    }
    // Into pooled chunks, as many rows as fit in each (SinkFile.feedFrom copies and recycles them).
    const parts = [this.eol, tail];
    const perChunk = Math.max(1, Math.floor(OUTPUT_CHUNK_BYTES / countedLinesBytes(parts, 1)));
    for (let from = chunk.from, left = chunk.rows; left > 0; ) {
      const n = Math.min(left, perChunk);
      const bytes = countedLinesBytes(parts, n);
      const out = bytes <= OUTPUT_CHUNK_BYTES ? takeOutputChunk() : Buffer.allocUnsafe(bytes);
      this.counter.set(from);
      this.push(out.subarray(0, writeCountedLines(out, 0, parts, this.counter, n, run.step)));
      from += n * run.step;
      left -= n;
    }
    this.rowsRenumbered += chunk.rows;
    done();
  }
}

/**
 * A CSV file with a fixed header. The file ends with a newline; json2csv writes none after the last
 * row. A run is written as far as the file takes it without waiting (`needsFlush` stays true while
 * some is left); flush() writes the rest, waiting for the file to drain between chunks, so memory
 * stays bounded however long the run.
 */
export class CsvOutput {
  private readonly file: SinkFile;
  private readonly transform: CsvRunTransform;
  private batch: CsvRecord[] = [];
  /** The run not yet handed over whole, its next row's first cell and how many rows are left. */
  private pending: CsvRun | null = null;
  private pendingFrom = 0;
  private pendingRows = 0;

  /**
   * `preEscaped`: every string cell was already passed through csvString (names from fixed
   * tables, escaped once), so json2csv writes strings as they are instead of testing each one.
   * `numberFormatter` replaces json2csv's own (tests: lines that cannot be renumbered). Renumbering
   * assumes that a formatter writing a run's first cell n as `${n}` writes every whole number so, as
   * json2csv's own does.
   */
  constructor(
    path: string,
    readonly columns: readonly string[],
    preEscaped = false,
    numberFormatter?: (value: number) => string,
  ) {
    this.file = new SinkFile(path);
    const options: ParserOptions<CsvChunk, CsvRecord> = {
      fields: columns.map((label, i) => ({ label, value: (record: CsvRecord) => record[i] })),
      eol: EOL,
      delimiter: DELIMITER,
      formatters: {
        string: preEscaped ? identity : csvString,
        header: csvString,
        ...(numberFormatter === undefined ? {} : { number: numberFormatter }),
      },
      // Our rows always have a first cell, so json2csv's test for all-empty rows is skipped.
      includeEmptyRows: true,
      transforms: [(chunk: CsvChunk) => chunk.records],
    };
    this.transform = new CsvRunTransform(options);
    this.file.watch(this.transform);
    this.file.feedFrom(this.transform);
  }

  add(record: CsvRecord): void {
    if (this.pendingRows > 0) this.writePending(Number.POSITIVE_INFINITY);
    this.batch.push(record);
    if (this.batch.length >= CSV_BATCH_ROWS) this.writeBatch();
  }

  /**
   * `rows` rows of `record` (a new array, not changed afterwards; its first cell a number), the
   * first cell counting up by `step`.
   */
  repeat(record: CsvRecord, rows: number, step: number): void {
    if (this.pendingRows > 0) this.writePending(Number.POSITIVE_INFINITY);
    const first = record[0];
    if (typeof first !== "number") throw new Error("a repeated CSV row needs a number in its first cell");
    if (rows <= 1) {
      this.add(record);
      return;
    }
    const countable = isCountable(first) && isCountable(step) && isCountable(first + (rows - 1) * step);
    const run: CsvRun = { record, step, countable };
    // The batch ends with the run's first row; the next rows follow it in the same chunk, up to a chunk's worth.
    this.batch.push(record);
    const n = Math.min(rows - 1, RUN_CHUNK_ROWS);
    this.file.push(this.transform, { records: this.batch, run, startsRun: true, from: first + step, rows: n });
    this.batch = [];
    this.pending = run;
    this.pendingFrom = first + (n + 1) * step;
    this.pendingRows = rows - 1 - n;
    this.writePending(0);
  }

  private writeBatch(): void {
    this.file.push(this.transform, { records: this.batch, run: null, startsRun: false, from: 0, rows: 0 });
    this.batch = [];
  }

  /** Hands the pending run's rows over until the file is full, but at least `atLeast` rows. */
  private writePending(atLeast: number): void {
    const run = this.pending;
    let written = 0;
    while (run !== null && this.pendingRows > 0 && (written < atLeast || !this.file.needsDrain)) {
      const n = Math.min(this.pendingRows, RUN_CHUNK_ROWS);
      this.file.push(this.transform, { records: NO_RECORDS, run, startsRun: false, from: this.pendingFrom, rows: n });
      this.pendingFrom += n * run.step;
      this.pendingRows -= n;
      written += n;
    }
    if (this.pendingRows === 0) this.pending = null;
  }

  get needsFlush(): boolean {
    return this.pendingRows > 0 || this.file.needsDrain;
  }

  /** Rows written so far: formatted by json2csv, and repeated rows written as a renumbered line. */
  get rowCounts(): { formatted: number; renumbered: number } {
    return { formatted: this.transform.rowsFormatted, renumbered: this.transform.rowsRenumbered };
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
    if (this.batch.length > 0) this.writeBatch();
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
    this.transform.destroy();
    await this.file.abort();
  }
}

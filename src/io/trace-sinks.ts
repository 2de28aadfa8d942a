/**
 * Choosing and combining trace sinks from the `--trace*` options (docs/TRACES.md "Options").
 * Option values are checked here and reported as UserInputError naming the flag; the sinks trust
 * the window they are given.
 */
import { UserInputError } from "../errors.js";
import type { PeTraceRow, TraceRow, TraceUnit } from "../sim/trace.js";
import { CsvTraceSink, type AbortableTraceSink, type TraceWindow } from "./csv-trace-sink.js";
import { PeCsvSink, type PeRegion } from "./pe-csv-sink.js";
import { PerfettoSink } from "./perfetto-sink.js";
import { VcdSink } from "./vcd-sink.js";

export type { AbortableTraceSink, TraceWindow } from "./csv-trace-sink.js";
export type { PeRegion } from "./pe-csv-sink.js";

export const TRACE_FORMATS = ["csv", "vcd", "perfetto"] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export interface TraceSinkOptions {
  /** `--trace FILE`. */
  readonly path: string;
  /** `--trace-format`; default: from the extension (.csv, .vcd, .json / .perfetto.json). */
  readonly format?: string;
  /** `--trace-from`, `--trace-to` (inclusive cycles), `--trace-every`. Defaults 0, +Infinity, 1. */
  readonly from?: number;
  readonly to?: number;
  readonly every?: number;
  /** `--trace-pe`: PE rows r0 <= row < r1, columns c0 <= col < c1 (half-open). */
  readonly pe?: PeRegion;
  /** Where PE rows go; default `<path without extension>.pe.csv`. */
  readonly pePath?: string;
  /** `$date` text of a VCD (default now); fixed for byte-reproducible example traces. */
  readonly vcdDate?: string;
}

const EXTENSIONS: readonly [string, TraceFormat][] = [
  [".perfetto.json", "perfetto"],
  [".json", "perfetto"],
  [".csv", "csv"],
  [".vcd", "vcd"],
];

function formatList(): string {
  return `${TRACE_FORMATS.join(", ")} (extensions ${EXTENSIONS.map(([ext]) => ext).join(", ")})`;
}

/** The format named by `format`, or else by the file extension. */
export function traceFormatFor(path: string, format?: string): TraceFormat {
  if (format !== undefined) {
    const known = TRACE_FORMATS.find((f) => f === format);
    if (known === undefined) {
      throw new UserInputError(`unknown trace format "${format}"; formats: ${formatList()}`, {
        field: "--trace-format",
      });
    }
    return known;
  }
  const lower = path.toLowerCase();
  const match = EXTENSIONS.find(([ext]) => lower.endsWith(ext));
  if (match === undefined) {
    throw new UserInputError(
      `cannot tell the trace format of "${path}" from its extension; ` +
        `formats: ${formatList()}, or give --trace-format`,
      { field: "--trace" },
    );
  }
  return match[1];
}

/** `<path without its trace extension>.pe.csv`. */
export function defaultPePath(path: string): string {
  const lower = path.toLowerCase();
  const match = EXTENSIONS.find(([ext]) => lower.endsWith(ext));
  return (match ? path.slice(0, path.length - match[0].length) : path) + ".pe.csv";
}

function isWholeNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 0;
}

/** Checks `--trace-from/--trace-to/--trace-every` and fills in the defaults. */
export function traceWindow(opts: { from?: number; to?: number; every?: number }): TraceWindow {
  const from = opts.from ?? 0;
  const to = opts.to ?? Number.POSITIVE_INFINITY;
  const every = opts.every ?? 1;
  const notACycle = (value: number) => `must be a cycle number (a whole number >= 0), got ${value}`;
  if (!isWholeNumber(from)) {
    throw new UserInputError(notACycle(from), { field: "--trace-from" });
  }
  if (!(isWholeNumber(to) || to === Number.POSITIVE_INFINITY)) {
    throw new UserInputError(notACycle(to), { field: "--trace-to" });
  }
  if (to < from) {
    throw new UserInputError(`must not be before --trace-from ${from}, got ${to}`, { field: "--trace-to" });
  }
  if (!Number.isInteger(every) || every < 1) {
    throw new UserInputError(`must be a whole number of cycles >= 1, got ${every}`, {
      field: "--trace-every",
    });
  }
  return { from, to, every };
}

/** Checks a PE region: whole numbers, r0 < r1 and c0 < c1 (half-open). */
export function checkPeRegion(pe: PeRegion): PeRegion {
  const { r0, r1, c0, c1 } = pe;
  if (![r0, r1, c0, c1].every(isWholeNumber) || r0 >= r1 || c0 >= c1) {
    throw new UserInputError(
      `rows ${r0}:${r1}, columns ${c0}:${c1} is not a region; want R0:R1,C0:C1 with whole numbers, ` +
        `R0 < R1 and C0 < C1 (R1 and C1 excluded)`,
      { field: "--trace-pe" },
    );
  }
  return { r0, r1, c0, c1 };
}

/** Parses `--trace-pe R0:R1,C0:C1` (end excluded: `0:8,0:8` is the top-left 8x8 PEs). */
export function parsePeRegion(text: string): PeRegion {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*,\s*(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (m === null) {
    throw new UserInputError(`expected R0:R1,C0:C1 such as 0:8,0:8, got "${text}"`, { field: "--trace-pe" });
  }
  return checkPeRegion({ r0: Number(m[1]), r1: Number(m[2]), c0: Number(m[3]), c1: Number(m[4]) });
}

/**
 * Opens the sink(s) the options ask for: the main trace in its format, plus a PE CSV when `pe` is
 * given. Files are opened at once (OutputError for an unwritable path) and committed on close().
 */
export function createTraceSink(opts: TraceSinkOptions): AbortableTraceSink {
  const format = traceFormatFor(opts.path, opts.format);
  const window = traceWindow(opts);
  const pe = opts.pe === undefined ? undefined : checkPeRegion(opts.pe);
  const pePath = pe === undefined ? undefined : (opts.pePath ?? defaultPePath(opts.path));
  if (pePath !== undefined && pePath === opts.path) {
    throw new UserInputError(`the PE trace would overwrite the trace ${opts.path}; give another PE path`, {
      field: "--trace-pe",
    });
  }
  const main = openSink(format, opts.path, window, opts.vcdDate);
  if (pe === undefined || pePath === undefined) return main;
  let peSink: PeCsvSink;
  try {
    peSink = new PeCsvSink(pePath, pe, window);
  } catch (err) {
    // The main trace's temp file is already open; it goes (asynchronously: the stream must close first).
    void main.abort();
    throw err;
  }
  return new MultiSink([main, peSink]);
}

function openSink(
  format: TraceFormat,
  path: string,
  window: TraceWindow,
  vcdDate: string | undefined,
): AbortableTraceSink {
  switch (format) {
    case "csv":
      return new CsvTraceSink(path, window);
    case "vcd":
      return new VcdSink(path, window, { date: vcdDate });
    case "perfetto":
      return new PerfettoSink(path, window);
  }
}

/**
 * Several sinks behind one. The window is the children's when they agree, else the union as
 * every cycle from the earliest `from` to the latest `to` (each child filters its own rows); PE
 * rows are asked for over the bounding box of the children that want them.
 */
export class MultiSink implements AbortableTraceSink {
  readonly from: number;
  readonly to: number;
  readonly every: number;
  readonly wantsPe: boolean;
  readonly peRegion: { r0: number; r1: number; c0: number; c1: number };

  constructor(readonly sinks: readonly AbortableTraceSink[]) {
    const first = sinks[0];
    const same = sinks.every((s) => s.from === first?.from && s.every === first.every);
    this.from = Math.min(...sinks.map((s) => s.from));
    this.to = Math.max(...sinks.map((s) => s.to));
    this.every = same && first !== undefined ? first.every : 1;
    const pe = sinks.filter((s) => s.wantsPe);
    this.wantsPe = pe.length > 0;
    this.peRegion = this.wantsPe
      ? {
          r0: Math.min(...pe.map((s) => s.peRegion.r0)),
          r1: Math.max(...pe.map((s) => s.peRegion.r1)),
          c0: Math.min(...pe.map((s) => s.peRegion.c0)),
          c1: Math.max(...pe.map((s) => s.peRegion.c1)),
        }
      : { r0: 0, r1: 0, c0: 0, c1: 0 };
  }

  cycle(row: Readonly<TraceRow>, count: number): void {
    for (const s of this.sinks) s.cycle(row, count);
  }

  pe(row: Readonly<PeTraceRow>): void {
    for (const s of this.sinks) s.pe(row);
  }

  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void {
    for (const s of this.sinks) s.instruction(unit, pc, text, issue, complete);
  }

  get needsFlush(): boolean {
    return this.sinks.some((s) => s.needsFlush);
  }

  async flush(): Promise<void> {
    await this.settle((s) => s.flush());
  }

  /** Closes every sink even if one fails (each commits or removes its own file); throws the first error. */
  async close(): Promise<void> {
    await this.settle((s) => s.close());
  }

  async abort(): Promise<void> {
    await this.settle((s) => s.abort());
  }

  private async settle(step: (s: AbortableTraceSink) => Promise<void>): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map(step));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}

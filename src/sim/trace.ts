/**
 * Per-cycle trace rows and the sink interface. The simulator fills one reused row and hands it to
 * the sink with a count: the row stands for that many consecutive cycles in which nothing but the
 * cycle number changes (fast mode's stretches between events; detailed mode sends count 1). A sink
 * must copy what it keeps. NULL_SINK is used when nothing is traced, so the per-cycle loop pays one
 * predictable call at most. Columns are documented in docs/TRACES.md.
 */

/** Unit state codes in trace rows. */
export const UNIT_IDLE = 0;
export const UNIT_BUSY = 1;
export const UNIT_STALLED = 2;
export const UNIT_STATE_NAMES = ["idle", "busy", "stalled"] as const;

/** The units that appear in a trace, in column order. */
export const TRACE_UNITS = ["dma", "weights", "matrix", "activation", "vector"] as const;
export type TraceUnit = (typeof TRACE_UNITS)[number];

/** Matrix-unit stall causes (docs/ARCHITECTURE.md "Stall attribution"); index = code. */
export const STALL_CAUSES = [
  "none",
  "weight_load",
  "weight_shift",
  "data_dependency",
  "host_transfer",
  "non_matrix",
  "drain",
] as const;
export type StallCause = (typeof STALL_CAUSES)[number];

export interface TraceRow {
  cycle: number;
  /** Program counter (instruction index) each unit works on, -1 when idle. Order: TRACE_UNITS. */
  pc: Int32Array;
  /** UNIT_IDLE | UNIT_BUSY | UNIT_STALLED per unit. Order: TRACE_UNITS. */
  state: Uint8Array;
  /** Index into STALL_CAUSES for the matrix unit (0 when it streams a vector). */
  stall: number;
  /** Program counter of the head instruction waiting to issue, -1 when none. */
  headPc: number;
  /** Useful multiply-accumulates done in the array this cycle. */
  macs: number;
  /** Weight FIFO slots in use (filling, ready or shifting) at the end of this cycle. */
  fifoTiles: number;
  /**
   * Bytes moved this cycle, counted as the RunStats totals are (docs/ARCHITECTURE.md "Counters"):
   * each column of a full-run trace sums to its total.
   */
  ubReadBytes: number;
  ubWrittenBytes: number;
  accReadBytes: number;
  accWrittenBytes: number;
  weightReadBytes: number;
  weightWrittenBytes: number;
  hostReadBytes: number;
  hostWrittenBytes: number;
}

/** The numeric per-cycle columns after `head_pc`, in order: the one list every trace format uses. */
export const TRACE_COUNTERS = [
  { column: "macs", field: "macs" },
  { column: "fifo_tiles", field: "fifoTiles" },
  { column: "ub_read_bytes", field: "ubReadBytes" },
  { column: "ub_written_bytes", field: "ubWrittenBytes" },
  { column: "acc_read_bytes", field: "accReadBytes" },
  { column: "acc_written_bytes", field: "accWrittenBytes" },
  { column: "weight_read_bytes", field: "weightReadBytes" },
  { column: "weight_written_bytes", field: "weightWrittenBytes" },
  { column: "host_read_bytes", field: "hostReadBytes" },
  { column: "host_written_bytes", field: "hostWrittenBytes" },
] as const satisfies readonly { column: string; field: keyof TraceRow }[];

/**
 * The TRACE_COUNTERS columns of `row`, in that order, into `out` from `at`: the sinks read them per
 * run, and a loop over the field names was a slow keyed load per cell. test/sim/trace.test.ts checks
 * it against TRACE_COUNTERS.
 */
export function readTraceCounters(row: Readonly<TraceRow>, out: { [index: number]: number } | (number | string)[], at: number): void {
  out[at] = row.macs;
  out[at + 1] = row.fifoTiles;
  out[at + 2] = row.ubReadBytes;
  out[at + 3] = row.ubWrittenBytes;
  out[at + 4] = row.accReadBytes;
  out[at + 5] = row.accWrittenBytes;
  out[at + 6] = row.weightReadBytes;
  out[at + 7] = row.weightWrittenBytes;
  out[at + 8] = row.hostReadBytes;
  out[at + 9] = row.hostWrittenBytes;
}

export function makeTraceRow(): TraceRow {
  return {
    cycle: 0,
    pc: new Int32Array(TRACE_UNITS.length).fill(-1),
    state: new Uint8Array(TRACE_UNITS.length),
    stall: 0,
    headPc: -1,
    macs: 0,
    fifoTiles: 0,
    ubReadBytes: 0,
    ubWrittenBytes: 0,
    accReadBytes: 0,
    accWrittenBytes: 0,
    weightReadBytes: 0,
    weightWrittenBytes: 0,
    hostReadBytes: 0,
    hostWrittenBytes: 0,
  };
}

/** One PE's registers at one cycle (detailed mode only). */
export interface PeTraceRow {
  cycle: number;
  row: number;
  col: number;
  actIn: number;
  weight: number;
  psumIn: number;
  psumOut: number;
  /** 0 bubble, 1 or 2: weight bank used (bank index + 1). */
  bank: number;
}

/** Receives trace rows. Synchronous; buffering and backpressure are the sink's business. */
export interface TraceSink {
  /** Cycle window and sampling the simulator should honour (rows outside are not produced). */
  readonly from: number;
  readonly to: number;
  readonly every: number;
  /** Does this sink want per-PE rows (forces detailed stepping inside the window)? */
  readonly wantsPe: boolean;
  readonly peRegion: { r0: number; r1: number; c0: number; c1: number };
  /**
   * `row` repeated for `count` (>= 1) consecutive cycles: row.cycle .. row.cycle + count - 1, every
   * column but the cycle number the same. The run may reach outside the window; the sink keeps only
   * the sampled cycles inside it. A long run may be kept pending and written by flush() or close().
   */
  cycle(row: Readonly<TraceRow>, count: number): void;
  pe(row: Readonly<PeTraceRow>): void;
  /** Instruction lifetimes for timeline views: unit, pc, mnemonic text, issue and completion cycles. */
  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void;
  /** True when the sink's buffer is full and the producer should await flush(). */
  readonly needsFlush: boolean;
  flush(): Promise<void>;
  close(): Promise<void>;
}

class NullSink implements TraceSink {
  readonly from = Number.POSITIVE_INFINITY;
  readonly to = Number.NEGATIVE_INFINITY;
  readonly every = 1;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  readonly needsFlush = false;
  cycle(): void {}
  pe(): void {}
  instruction(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export const NULL_SINK: TraceSink = new NullSink();

/** Where a run of cycles meets a window: the first sampled cycle inside it and how many (n 0: none). */
export interface WindowedRun {
  start: number;
  n: number;
}

/** The cycles of `first .. first + count - 1` that a sink with window `w` records, into `out`. */
export function runInWindow(
  w: { readonly from: number; readonly to: number; readonly every: number }, first: number, count: number, out: WindowedRun,
): WindowedRun {
  const last = Math.min(first + count - 1, w.to);
  let start = first > w.from ? first : w.from;
  const r = (start - w.from) % w.every;
  if (r !== 0) start += w.every - r;
  out.start = start;
  out.n = start > last ? 0 : Math.floor((last - start) / w.every) + 1;
  return out;
}

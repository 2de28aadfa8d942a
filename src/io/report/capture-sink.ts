/**
 * The trace sink behind a report: it records a timeline and, optionally, the array's PE registers,
 * and passes every call on to the user's own trace sink (`--trace`) when there is one. Its window
 * is the union of what it records and what the other sink wants; once a recorder is full its
 * window shrinks, so fast mode goes back to jumping from event to event.
 */
import { makeTraceRow, runInWindow, type PeTraceRow, type TraceRow, type TraceSink, type TraceUnit, type WindowedRun } from "../../sim/trace.js";
import type { AbortableTraceSink } from "../trace-sinks.js";
import { ArrayRecorder, DEFAULT_ARRAY_LIMITS, type ArrayLimits } from "./array-recorder.js";
import { DEFAULT_TIMELINE_LIMITS, TimelineRecorder, type TimelineLimits } from "./timeline-recorder.js";
import type { ArrayView, Timeline } from "./views.js";

export interface CaptureOptions {
  /** Record a timeline from this cycle (limits default to DEFAULT_TIMELINE_LIMITS). */
  timeline?: Partial<TimelineLimits> & { from: number };
  /** Record the PE registers of a region (detailed mode only). */
  array?: Omit<ArrayLimits, "maxPes" | "maxSamples"> & Partial<Pick<ArrayLimits, "maxPes" | "maxSamples">>;
  /** The user's own sink, which gets every call too. */
  forward?: TraceSink;
}

const NO_REGION = { r0: 0, r1: 0, c0: 0, c1: 0 };

export class CaptureSink implements AbortableTraceSink {
  readonly every = 1;
  readonly wantsPe: boolean;
  readonly peRegion: { r0: number; r1: number; c0: number; c1: number };
  private readonly timelineRecorder: TimelineRecorder | null;
  private readonly arrayRecorder: ArrayRecorder | null;
  private readonly forward: TraceSink | null;
  private readonly run: WindowedRun = { start: 0, n: 0 };
  /** A run clipped to the other sink's window (its typed arrays are shared with the simulator's row). */
  private readonly clipped: TraceRow = makeTraceRow();

  constructor(opts: CaptureOptions) {
    this.timelineRecorder = opts.timeline ? new TimelineRecorder({ ...DEFAULT_TIMELINE_LIMITS, ...opts.timeline }) : null;
    this.arrayRecorder = opts.array
      ? new ArrayRecorder({ maxPes: DEFAULT_ARRAY_LIMITS.maxPes, maxSamples: DEFAULT_ARRAY_LIMITS.maxSamples, ...opts.array })
      : null;
    this.forward = opts.forward ?? null;
    const regions = [this.arrayRecorder?.region, this.forward?.wantsPe ? this.forward.peRegion : undefined].filter(
      (r): r is { r0: number; r1: number; c0: number; c1: number } => r !== undefined && r.r1 > r.r0 && r.c1 > r.c0,
    );
    this.wantsPe = regions.length > 0;
    this.peRegion = this.wantsPe
      ? {
          r0: Math.min(...regions.map((r) => r.r0)),
          r1: Math.max(...regions.map((r) => r.r1)),
          c0: Math.min(...regions.map((r) => r.c0)),
          c1: Math.max(...regions.map((r) => r.c1)),
        }
      : NO_REGION;
  }

  /** Read every cycle by the simulator's run loop: no allocation here. */
  get from(): number {
    let from = Number.POSITIVE_INFINITY;
    if (this.timelineRecorder && !this.timelineRecorder.done) from = this.timelineRecorder.from;
    if (this.arrayRecorder) from = Math.min(from, this.arrayRecorder.from);
    if (this.forward) from = Math.min(from, this.forward.from);
    return from;
  }

  get to(): number {
    let to = Number.NEGATIVE_INFINITY;
    if (this.timelineRecorder && !this.timelineRecorder.done) to = this.timelineRecorder.to;
    if (this.arrayRecorder) to = Math.max(to, this.arrayRecorder.to);
    if (this.forward) to = Math.max(to, this.forward.to);
    return to;
  }

  cycle(row: Readonly<TraceRow>, count: number): void {
    this.timelineRecorder?.cycle(row, count);
    this.arrayRecorder?.cycle(row, count);
    const f = this.forward;
    if (f === null) return;
    const { start, n } = runInWindow(f, row.cycle, count, this.run);
    if (n === 0) return;
    if (start === row.cycle) {
      f.cycle(row, (n - 1) * f.every + 1);
      return;
    }
    // The run starts before the other sink's window: hand it the part from its first cycle on.
    const clipped = this.clipped;
    Object.assign(clipped, row);
    clipped.cycle = start;
    f.cycle(clipped, (n - 1) * f.every + 1);
  }

  pe(row: Readonly<PeTraceRow>): void {
    this.arrayRecorder?.pe(row);
    if (this.forward?.wantsPe && row.cycle >= this.forward.from && row.cycle <= this.forward.to && (row.cycle - this.forward.from) % this.forward.every === 0) {
      this.forward.pe(row);
    }
  }

  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void {
    this.timelineRecorder?.instruction(pc, text, issue, complete);
    this.arrayRecorder?.instruction(pc, text, issue, complete);
    this.forward?.instruction(unit, pc, text, issue, complete);
  }

  get needsFlush(): boolean {
    return this.forward?.needsFlush ?? false;
  }

  async flush(): Promise<void> {
    await this.forward?.flush();
  }

  async close(): Promise<void> {
    await this.forward?.close();
  }

  async abort(): Promise<void> {
    const f = this.forward as (TraceSink & { abort?: () => Promise<void> }) | null;
    await f?.abort?.();
  }

  timeline(label: string, runEnd: number): Timeline | null {
    return this.timelineRecorder?.result(label, runEnd) ?? null;
  }

  arrayView(runEnd: number): ArrayView | null {
    return this.arrayRecorder?.result(runEnd) ?? null;
  }
}

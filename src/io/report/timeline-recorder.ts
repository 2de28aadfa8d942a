/**
 * Records a timeline from the per-cycle trace rows: for each unit, runs of cycles on one
 * instruction in one state (busy or stalled), and a lane of the matrix unit's stall causes. The
 * rows are compressed as they come, so a long window costs one segment per change, not per cycle.
 */
import { STALL_CAUSES, TRACE_UNITS, UNIT_IDLE, UNIT_STATE_NAMES, type TraceRow } from "../../sim/trace.js";
import type { Timeline, TimelineSegment } from "./views.js";

export const TIMELINE_LANES: readonly string[] = [...TRACE_UNITS, "matrix stall"];
/** State codes of a segment: the unit states, then the stall causes (the stall lane). */
export const TIMELINE_STATES: readonly string[] = [...UNIT_STATE_NAMES, ...STALL_CAUSES.slice(1)];
const STALL_LANE = TRACE_UNITS.length;
const CAUSE_BASE = UNIT_STATE_NAMES.length - 1;

export interface TimelineLimits {
  /** First absolute cycle recorded. */
  readonly from: number;
  /** Most cycles recorded. */
  readonly maxCycles: number;
  /** Most segments kept; the capture ends at the cycle that would exceed it. */
  readonly maxSegments: number;
}

export const DEFAULT_TIMELINE_LIMITS = { maxCycles: 200_000, maxSegments: 6_000 } as const;

export class TimelineRecorder {
  private readonly segments: TimelineSegment[] = [];
  private readonly texts = new Map<number, string>();
  private readonly wanted = new Set<number>();
  /** Open segment per lane: start cycle (relative), state code, pc; start -1 when none. */
  private readonly openStart = new Int32Array(TIMELINE_LANES.length).fill(-1);
  private readonly openState = new Int32Array(TIMELINE_LANES.length);
  private readonly openPc = new Int32Array(TIMELINE_LANES.length);
  private last = -1;
  private full = false;

  constructor(private readonly limits: TimelineLimits) {}

  get from(): number {
    return this.limits.from;
  }

  /** Last absolute cycle this recorder still wants (for the sink's window). */
  get to(): number {
    return this.full ? this.limits.from + this.last : this.limits.from + this.limits.maxCycles - 1;
  }

  get done(): boolean {
    return this.full;
  }

  /** `row` for `count` cycles: its first cycle in the window as one row, the rest only lengthen the open segments. */
  cycle(row: Readonly<TraceRow>, count: number): void {
    const { from, maxCycles, maxSegments } = this.limits;
    const first = Math.max(row.cycle, from);
    const last = row.cycle + count - 1;
    if (last < first) return;
    this.record(row, first);
    if (last === first || this.full) return;
    // The next cycle would stop a capture whose segments are already over the limit.
    if (this.segments.length + TIMELINE_LANES.length > maxSegments) {
      this.stop();
      return;
    }
    this.last = Math.min(last - from, maxCycles - 1);
    if (last - from >= maxCycles) this.stop();
  }

  private record(row: Readonly<TraceRow>, cycle: number): void {
    const t = cycle - this.limits.from;
    if (this.full || t < 0 || t >= this.limits.maxCycles) {
      if (t >= this.limits.maxCycles) this.stop();
      return;
    }
    // A gap (sampled rows) closes every run: a bar must not claim cycles nobody saw.
    if (this.last >= 0 && t !== this.last + 1) this.closeAll();
    if (this.segments.length + TIMELINE_LANES.length > this.limits.maxSegments) {
      this.stop();
      return;
    }
    for (let u = 0; u < TRACE_UNITS.length; u++) {
      const idle = row.state[u] === UNIT_IDLE;
      this.extend(u, t, idle ? -1 : row.state[u], row.pc[u]);
    }
    this.extend(STALL_LANE, t, row.stall === 0 ? -1 : CAUSE_BASE + row.stall, -1);
    this.last = t;
  }

  instruction(pc: number, text: string, issue: number, complete: number): void {
    if (this.wanted.has(pc) || (complete >= this.limits.from && issue <= this.to)) this.texts.set(pc, text);
  }

  private extend(lane: number, t: number, state: number, pc: number): void {
    const open = this.openStart[lane] >= 0;
    if (open && this.openState[lane] === state && this.openPc[lane] === pc) return;
    if (open) this.close(lane);
    if (state < 0) return;
    this.openStart[lane] = t;
    this.openState[lane] = state;
    this.openPc[lane] = pc;
    if (pc >= 0) this.wanted.add(pc);
  }

  private close(lane: number): void {
    this.segments.push([lane, this.openStart[lane], this.last, this.openState[lane], this.openPc[lane]]);
    this.openStart[lane] = -1;
  }

  private closeAll(): void {
    for (let lane = 0; lane < TIMELINE_LANES.length; lane++) if (this.openStart[lane] >= 0) this.close(lane);
  }

  private stop(): void {
    if (this.full) return;
    this.closeAll();
    this.full = true;
  }

  /** The timeline; `runEnd` is the cycle after the run's last, so a capture cut short says so. */
  result(label: string, runEnd: number): Timeline {
    this.closeAll();
    const truncated = this.full || runEnd > this.limits.from + this.last + 1;
    const texts: Record<string, string> = {};
    for (const pc of this.wanted) {
      const text = this.texts.get(pc);
      if (text !== undefined) texts[pc] = text;
    }
    return {
      label,
      fromCycle: this.limits.from,
      cycles: this.last + 1,
      truncated,
      limitCycles: this.limits.maxCycles,
      lanes: TIMELINE_LANES,
      states: TIMELINE_STATES,
      segments: this.segments.slice(),
      texts,
    };
  }
}

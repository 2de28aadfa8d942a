/**
 * Fast mode's replay of whole runs (docs/ARCHITECTURE.md "Fast mode", "Replayed runs"). In fast
 * mode a program's timing (every cycle, stall cause, counter, completion and the machine state it
 * halts in) is a deterministic function of its instructions, the machine's configuration and the
 * timing state it starts from: the values only decide faults (non-finite bf16 results), and a run
 * with a fault never gets here. So the first run of a program from a given idle state is simulated
 * in full and recorded: the order in which instructions issued and weight shifts started (with the
 * bank, FIFO slot and tile extent each used), the timing state it halted in and the statistics it
 * added. A later run of the same program from an equal state only moves the data, instruction by
 * instruction in that order with the recorded banks and slots, then takes the recorded end state
 * and adds the recorded statistics. If the data raise a fault on the way, the controller simulates
 * the run in full after all, skipping the data already moved (controller.ts `dataDone`).
 */
import type { HwConfig } from "../config/hw-config.js";
import { UNIT_COUNT } from "../hw/activity.js";
import type { DecodedOp } from "./decode.js";
import type { Simulator } from "./controller.js";
import { issueToUnit } from "./issue.js";
import { cloneStats, diffStats, type RunStats } from "./stats.js";

/** Recorded events, five integers each: an issue (its index, bank, tile columns, FIFO slot) or a shift start. */
export const EV_ISSUE = 0;
export const EV_SHIFT = 1;
export const EVENT_SIZE = 5;

/** Start states kept per program: a training run alternates a few programs from a few states. */
const ENTRIES_PER_PROGRAM = 8;

export interface ReplayEntry {
  readonly config: string;
  /** The instructions recorded (their identities: DecodedOps are immutable). */
  readonly ops: readonly DecodedOp[];
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly endPc: number;
  readonly cycles: number;
  readonly shifts: number;
  readonly stats: RunStats;
  readonly events: Int32Array;
}

/** Recorded runs by program, configuration and start state. One per Simulator unless shared. */
export class ReplayMemo {
  private readonly byProgram = new WeakMap<readonly DecodedOp[], ReplayEntry[]>();
  /** Runs replayed, runs recorded, replays whose data raised a fault (then simulated). */
  hits = 0;
  recorded = 0;
  faulted = 0;

  find(ops: readonly DecodedOp[], config: string, start: ArrayLike<number>): ReplayEntry | null {
    const list = this.byProgram.get(ops);
    if (list === undefined) return null;
    for (const e of list) if (e.config === config && sameValues(e.start, start) && sameOps(e.ops, ops)) return e;
    return null;
  }

  add(ops: readonly DecodedOp[], e: ReplayEntry): void {
    let list = this.byProgram.get(ops);
    if (list === undefined) this.byProgram.set(ops, (list = []));
    if (list.length >= ENTRIES_PER_PROGRAM) list.shift();
    list.push(e);
    this.recorded++;
  }
}

/** The key's configuration part: every parameter of the machine. */
export function configKey(hw: HwConfig): string {
  return JSON.stringify(hw);
}

function sameValues(a: Float64Array, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return false;
  return true;
}

function sameOps(a: readonly DecodedOp[], b: readonly DecodedOp[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Idle: nothing in flight or held, no unit working, the matrix unit not streaming. Only runs that
 * start idle are recorded or replayed (a host appending to a running machine never is).
 */
export function isIdle(m: Simulator, now: number): boolean {
  if (m.inflight.length !== 0 || m.heldPassFaults !== 0 || m.fast.heldFaults !== 0 || m.dataDone !== 0) return false;
  if (m.mmFreeAt > now || (m.stream !== null && m.streamT0 + m.stream.vectors > now)) return false;
  for (let u = 0; u < UNIT_COUNT; u++) if (m.fast.kind[u] !== 0) return false;
  for (let u = 0; u < m.unitOp.length; u++) if (m.unitOp[u] !== null || m.unitBusy[u] !== 0) return false;
  return true;
}

/**
 * Every register fast mode's timing reads, cycle numbers relative to `base`. Mirrored by
 * restoreTiming. The timing rules look back at most R + C cycles from the current cycle (a bank is
 * free C - 1 cycles after its last read, a shift's counters span R cycles, the rest compare with the
 * current cycle), so any cycle further back is the same as `farPast` cycles back.
 */
export function captureTiming(m: Simulator, base: number): Float64Array {
  return Float64Array.from(captureTimingInto(m, base, []));
}

/** captureTiming into `v` (emptied first; a caller comparing many states reuses one array). */
export function captureTimingInto(m: Simulator, base: number, v: number[]): number[] {
  const farPast = -2 * (m.hw.rows + m.hw.cols) - 16;
  const rel = (t: number) => Math.max(t - base, farPast);
  v.length = 0;
  v.push(rel(m.mmFreeAt), rel(m.streamT0), m.activeBank, rel(m.shiftStart), rel(m.shiftEnd), rel(m.fastGrantsCycle));
  for (let b = 0; b < 2; b++) {
    v.push(m.bankState[b], rel(m.bankReadyAt[b]), rel(m.bankLastUse[b]), m.bankSeq[b] - m.shiftSeq, m.bankRows[b], m.bankCols[b]);
  }
  for (const x of m.totals.counts) v.push(x);
  const f = m.fast;
  for (const a of [f.kind, f.pos, f.total, f.s, f.rows, f.cols, f.S, f.g, f.gw, f.q, f.k, f.Sr, f.faultAt, f.completed, f.faultDue]) for (const x of a) v.push(x);
  const r = f.requests;
  for (const a of [r.active, r.ubRead, r.ubWrite, r.accRead, r.weightBytes, r.hostBytes]) for (const x of a) v.push(x);
  const g = f.arbiter;
  for (const a of [g.granted, g.weightGranted, g.hostGranted, g.refusedBy]) for (const x of a) v.push(x);
  v.push(f.eventCycles);
  m.dp.fifo.saveControl(v);
  return v;
}

/** Write back what captureTiming saved, relative to `base`, with the shift sequence at `shiftSeq`. */
export function restoreTiming(m: Simulator, v: ArrayLike<number>, base: number, shiftSeq: number): void {
  let i = 0;
  m.mmFreeAt = v[i++] + base;
  m.streamT0 = v[i++] + base;
  m.activeBank = v[i++];
  m.shiftStart = v[i++] + base;
  m.shiftEnd = v[i++] + base;
  m.fastGrantsCycle = v[i++] + base;
  m.shiftSeq = shiftSeq;
  for (let b = 0; b < 2; b++) {
    m.bankState[b] = v[i++];
    m.bankReadyAt[b] = v[i++] + base;
    m.bankLastUse[b] = v[i++] + base;
    m.bankSeq[b] = v[i++] + shiftSeq;
    m.bankRows[b] = v[i++];
    m.bankCols[b] = v[i++];
  }
  const put = (a: { length: number; [k: number]: number }) => {
    for (let k = 0; k < a.length; k++) a[k] = v[i++];
  };
  put(m.totals.counts);
  const f = m.fast;
  for (const a of [f.kind, f.pos, f.total, f.s, f.rows, f.cols, f.S, f.g, f.gw, f.q, f.k, f.Sr, f.faultAt, f.completed, f.faultDue]) put(a);
  const r = f.requests;
  for (const a of [r.active, r.ubRead, r.ubWrite, r.accRead, r.weightBytes, r.hostBytes]) put(a);
  const g = f.arbiter;
  for (const a of [g.granted, g.weightGranted, g.hostGranted, g.refusedBy]) put(a);
  f.eventCycles = v[i++];
  // Both states restored are idle (a run's start, or the end of a run that halted), so no unit
  // holds a fault; a replay whose data faulted may have counted one before this undo.
  f.heldFaults = 0;
  i = m.dp.fifo.restoreControl(v, i);
  if (i !== v.length) throw new Error("internal: replay state layout mismatch");
  m.stream = null;
}

/** What a recording needs from the run's start. */
export interface RecordingStart {
  readonly start: Float64Array;
  readonly stats: RunStats;
  readonly now: number;
  readonly shiftSeq: number;
}

export function beginRecording(m: Simulator, start: ArrayLike<number>): RecordingStart {
  m.recording = [];
  return { start: Float64Array.from(start), stats: cloneStats(m.stats), now: m.now, shiftSeq: m.shiftSeq };
}

/** After a run that halted: store it, if it ended idle with nothing counted ahead. */
export function finishRecording(m: Simulator, memo: ReplayMemo, config: string, r: RecordingStart): void {
  const events = m.recording;
  m.recording = null;
  if (events === null || !m.halted || !isIdle(m, m.now)) return;
  for (const x of m.totals.counts) if (x !== 0) return;
  memo.add(m.ops, {
    config,
    ops: m.ops.slice(),
    start: r.start,
    end: captureTiming(m, m.now),
    endPc: m.pc,
    cycles: m.now - r.now,
    shifts: m.shiftSeq - r.shiftSeq,
    stats: diffStats(m.stats, r.stats),
    events: Int32Array.from(events),
  });
}

/** A fault the data raised during a replay: where the controller must hold it (see Simulator.dataDone). */
export interface ReplayFault {
  /** MMUL: the flat accumulator index of the first non-finite result; else -1. */
  readonly passBad: number;
  readonly unit: number;
  readonly faultAt: number;
  readonly text: string;
}

/**
 * Move the data of `e`'s run in its recorded order. Returns null when done, or the number of events
 * whose data moved and the fault the last one raised.
 */
export function replayData(m: Simulator, e: ReplayEntry): { events: number; fault: ReplayFault } | null {
  const ev = e.events;
  const fifo = m.dp.fifo;
  const fast = m.fast;
  for (let i = 0; i < ev.length; i += EVENT_SIZE) {
    if (ev[i] === EV_SHIFT) {
      const slot = ev[i + 2];
      m.issueContext.nonzeros.build(ev[i + 1], fifo.tiles, fifo.slotOffset(slot), ev[i + 3], ev[i + 4]);
      continue;
    }
    const op = e.ops[ev[i + 1]];
    const slot = ev[i + 4];
    if (slot >= 0) fifo.prepareSlot(slot, op.f.rows, op.f.cols);
    const bad = issueToUnit(m.issueContext, op, ev[i + 2], ev[i + 3], slot);
    if (bad >= 0 || fast.heldFaults > 0) {
      let unit = -1;
      for (let u = 0; u < UNIT_COUNT; u++) if (fast.faultAt[u] !== Number.POSITIVE_INFINITY) unit = u;
      const fault = { passBad: bad, unit, faultAt: unit >= 0 ? fast.faultAt[unit] : 0, text: unit >= 0 ? fast.faultText[unit] : "" };
      return { events: i / EVENT_SIZE + 1, fault };
    }
  }
  return null;
}

/**
 * Run statistics: sums of what the units did cycle by cycle (docs/ARCHITECTURE.md "Counters",
 * "Stall attribution"), and the derived figures people quote.
 */
import type { HwConfig } from "../config/hw-config.js";
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_ACTIVATION_ELEMENTS, CNT_FIFO_READ, CNT_FIFO_WRITTEN, CNT_HOST_READ, CNT_HOST_WRITTEN,
  CNT_MACS, CNT_TILES_SHIFTED, CNT_UB_READ, CNT_UB_WRITTEN, CNT_VECTOR_ELEMENTS, CNT_WEIGHT_REGISTER_WRITES, CNT_WM_READ,
  CNT_WM_WRITTEN, COUNTER_COUNT, UNIT_COUNT, type CycleActivity,
} from "../hw/activity.js";
import { STALL_CAUSES, TRACE_UNITS, type StallCause, type TraceUnit } from "./trace.js";

/** Causes a non-busy matrix-unit cycle is charged to. */
export type StallReason = Exclude<StallCause, "none">;

export interface BytesMoved {
  hostRead: number;
  hostWritten: number;
  weightMemoryRead: number;
  weightMemoryWritten: number;
  unifiedBufferRead: number;
  unifiedBufferWritten: number;
  accumulatorRead: number;
  accumulatorWritten: number;
  /** Tile bytes the loader writes into FIFO slots (valid extent); bytes the shifter reads (all R*C). */
  weightFifoWritten: number;
  weightFifoRead: number;
}

/** Operation counts besides MACs (docs/ARCHITECTURE.md "Counters"). */
export interface OpsCounted {
  tilesShifted: number;
  /** PE weight registers written by shifts: C * R*(R+1)/2 per tile. */
  weightRegisterWrites: number;
  /** Values through the activation unit. */
  activationElements: number;
  /** VEC result elements, VTR/VSMX source elements, VSGD weights. */
  vectorElements: number;
}

/** Unit-cycles refused, by the first resource that refused them (RES_* order). */
export interface ResourceStalls {
  unifiedBufferRead: number;
  unifiedBufferWrite: number;
  accumulatorRead: number;
  weightMemory: number;
}

export const RESOURCE_NAMES: readonly (keyof ResourceStalls)[] = ["unifiedBufferRead", "unifiedBufferWrite", "accumulatorRead", "weightMemory"];

export interface RunStats {
  cycles: number;
  instructions: number;
  macs: number;
  matrixBusyCycles: number;
  /** cycles = matrixBusyCycles + sum(stalls). */
  stalls: Record<StallReason, number>;
  unitBusyCycles: Record<TraceUnit, number>;
  unitStalledCycles: Record<TraceUnit, number>;
  resourceStalls: ResourceStalls;
  bytes: BytesMoved;
  ops: OpsCounted;
}

export interface RunSummary extends RunStats {
  peakMacsPerCycle: number;
  utilization: number;
  seconds: number;
  tops: number;
  clockMHz: number;
}

/** Counter index -> where it goes in RunStats. */
const BYTE_FIELDS: readonly [number, keyof BytesMoved][] = [
  [CNT_HOST_READ, "hostRead"],
  [CNT_HOST_WRITTEN, "hostWritten"],
  [CNT_WM_READ, "weightMemoryRead"],
  [CNT_WM_WRITTEN, "weightMemoryWritten"],
  [CNT_UB_READ, "unifiedBufferRead"],
  [CNT_UB_WRITTEN, "unifiedBufferWritten"],
  [CNT_ACC_READ, "accumulatorRead"],
  [CNT_ACC_WRITTEN, "accumulatorWritten"],
  [CNT_FIFO_WRITTEN, "weightFifoWritten"],
  [CNT_FIFO_READ, "weightFifoRead"],
];
const OP_FIELDS: readonly [number, keyof OpsCounted][] = [
  [CNT_TILES_SHIFTED, "tilesShifted"],
  [CNT_WEIGHT_REGISTER_WRITES, "weightRegisterWrites"],
  [CNT_ACTIVATION_ELEMENTS, "activationElements"],
  [CNT_VECTOR_ELEMENTS, "vectorElements"],
];

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function emptyStats(): RunStats {
  return {
    cycles: 0,
    instructions: 0,
    macs: 0,
    matrixBusyCycles: 0,
    stalls: zeros(STALL_CAUSES.filter((c): c is StallReason => c !== "none")),
    unitBusyCycles: zeros(TRACE_UNITS),
    unitStalledCycles: zeros(TRACE_UNITS),
    resourceStalls: zeros(RESOURCE_NAMES),
    bytes: zeros(BYTE_FIELDS.map(([, k]) => k)),
    ops: zeros(OP_FIELDS.map(([, k]) => k)),
  };
}

/**
 * The units' counters, kept in typed arrays while the machine runs (no property lookups per cycle)
 * and folded into RunStats when a run returns.
 */
export class UnitTotals {
  readonly counts = new Float64Array(COUNTER_COUNT);
  readonly busy = new Float64Array(UNIT_COUNT);
  readonly stalled = new Float64Array(UNIT_COUNT);
  readonly refusedBy = new Float64Array(RESOURCE_NAMES.length);

  /** Add an interval of `cycles` identical cycles (its counters are already the interval's sums). */
  add(act: CycleActivity, cycles: number): void {
    const c = this.counts;
    const a = act.counts;
    for (let i = 0; i < COUNTER_COUNT; i++) c[i] += a[i];
    for (let u = 0; u < UNIT_COUNT; u++) {
      if (act.busy[u]) this.busy[u] += cycles;
      const r = act.refused[u];
      if (r >= 0) {
        this.stalled[u] += cycles;
        this.refusedBy[r] += cycles;
      }
    }
  }

  /**
   * Move the totals into `s` and reset; `carry` (counted in advance, still in the future) stays
   * behind for the next flush.
   */
  flushInto(s: RunStats, carry: Float64Array | null = null): void {
    if (carry) for (let i = 0; i < COUNTER_COUNT; i++) this.counts[i] -= carry[i];
    for (const [i, k] of BYTE_FIELDS) s.bytes[k] += this.counts[i];
    for (const [i, k] of OP_FIELDS) s.ops[k] += this.counts[i];
    s.macs += this.counts[CNT_MACS];
    TRACE_UNITS.forEach((u, i) => {
      s.unitBusyCycles[u] += this.busy[i];
      s.unitStalledCycles[u] += this.stalled[i];
    });
    RESOURCE_NAMES.forEach((k, i) => (s.resourceStalls[k] += this.refusedBy[i]));
    if (carry) this.counts.set(carry);
    else this.counts.fill(0);
    this.busy.fill(0);
    this.stalled.fill(0);
    this.refusedBy.fill(0);
  }
}

export function cloneStats(s: RunStats): RunStats {
  return {
    ...s,
    stalls: { ...s.stalls },
    unitBusyCycles: { ...s.unitBusyCycles },
    unitStalledCycles: { ...s.unitStalledCycles },
    resourceStalls: { ...s.resourceStalls },
    bytes: { ...s.bytes },
    ops: { ...s.ops },
  };
}

/** a - b, for the statistics of one part of a longer run. */
export function diffStats(a: RunStats, b: RunStats): RunStats {
  const out = cloneStats(a);
  addScaled(out, b, -1);
  return out;
}

/** s += d (a replayed run's statistics: integer counts, so the sums are exact in any order). */
export function addStats(s: RunStats, d: RunStats): void {
  addScaled(s, d, 1);
}

function addScaled(s: RunStats, d: RunStats, sign: 1 | -1): void {
  const add = <K extends string>(x: Record<K, number>, y: Record<K, number>) => {
    for (const k of Object.keys(x) as K[]) x[k] += sign * y[k];
  };
  add(s.stalls, d.stalls);
  add(s.unitBusyCycles, d.unitBusyCycles);
  add(s.unitStalledCycles, d.unitStalledCycles);
  add(s.resourceStalls, d.resourceStalls);
  add(s.bytes, d.bytes);
  add(s.ops, d.ops);
  s.cycles += sign * d.cycles;
  s.instructions += sign * d.instructions;
  s.macs += sign * d.macs;
  s.matrixBusyCycles += sign * d.matrixBusyCycles;
}

export function summarize(s: RunStats, hw: HwConfig): RunSummary {
  const seconds = s.cycles / (hw.clockMHz * 1e6);
  return {
    ...cloneStats(s),
    peakMacsPerCycle: hw.peakMacsPerCycle,
    utilization: s.cycles > 0 ? s.macs / (s.cycles * hw.peakMacsPerCycle) : 0,
    seconds,
    tops: seconds > 0 ? (2 * s.macs) / seconds / 1e12 : 0,
    clockMHz: hw.clockMHz,
  };
}

/** Run statistics: what the controller counted, and the derived figures people quote. */
import type { HwConfig } from "../config/hw-config.js";
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

export interface RunStats {
  cycles: number;
  instructions: number;
  macs: number;
  matrixBusyCycles: number;
  /** cycles = matrixBusyCycles + sum(stalls). */
  stalls: Record<StallReason, number>;
  unitBusyCycles: Record<TraceUnit, number>;
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

export function emptyStats(): RunStats {
  const stalls = Object.fromEntries(STALL_CAUSES.filter((c) => c !== "none").map((c) => [c, 0])) as Record<StallReason, number>;
  const unitBusyCycles = Object.fromEntries(TRACE_UNITS.map((u) => [u, 0])) as Record<TraceUnit, number>;
  return {
    cycles: 0,
    instructions: 0,
    macs: 0,
    matrixBusyCycles: 0,
    stalls,
    unitBusyCycles,
    bytes: {
      hostRead: 0,
      hostWritten: 0,
      weightMemoryRead: 0,
      weightMemoryWritten: 0,
      unifiedBufferRead: 0,
      unifiedBufferWritten: 0,
      accumulatorRead: 0,
      accumulatorWritten: 0,
      weightFifoWritten: 0,
      weightFifoRead: 0,
    },
    ops: { tilesShifted: 0, weightRegisterWrites: 0, activationElements: 0, vectorElements: 0 },
  };
}

export function cloneStats(s: RunStats): RunStats {
  return { ...s, stalls: { ...s.stalls }, unitBusyCycles: { ...s.unitBusyCycles }, bytes: { ...s.bytes }, ops: { ...s.ops } };
}

/** a - b, for the statistics of one part of a longer run. */
export function diffStats(a: RunStats, b: RunStats): RunStats {
  const out = cloneStats(a);
  for (const k of Object.keys(out.stalls) as StallReason[]) out.stalls[k] -= b.stalls[k];
  for (const k of Object.keys(out.unitBusyCycles) as TraceUnit[]) out.unitBusyCycles[k] -= b.unitBusyCycles[k];
  for (const k of Object.keys(out.bytes) as (keyof BytesMoved)[]) out.bytes[k] -= b.bytes[k];
  for (const k of Object.keys(out.ops) as (keyof OpsCounted)[]) out.ops[k] -= b.ops[k];
  out.cycles -= b.cycles;
  out.instructions -= b.instructions;
  out.macs -= b.macs;
  out.matrixBusyCycles -= b.matrixBusyCycles;
  return out;
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

/** The naive chip's per-cycle record and run totals, in the shape of the simulator's trace and RunStats. */
import type { Counters } from "./cycle.js";

export const STALL_NAMES = ["none", "weight_load", "weight_shift", "data_dependency", "host_transfer", "non_matrix", "drain"] as const;
export type Stall = (typeof STALL_NAMES)[number];
export const RESOURCE_NAMES = ["unifiedBufferRead", "unifiedBufferWrite", "accumulatorRead", "weightMemory"] as const;
export type Resource = (typeof RESOURCE_NAMES)[number];
export const STATE_IDLE = 0;
export const STATE_BUSY = 1;
export const STATE_STALLED = 2;

export interface NaiveCycleRecord {
  cycle: number;
  /** Per unit (dma, weights, matrix, activation, vector): program counter, -1 when idle. */
  pc: number[];
  /** 0 idle, 1 busy, 2 stalled. */
  state: number[];
  /** Index into STALL_NAMES. */
  stall: number;
  headPc: number;
  macs: number;
  fifoTiles: number;
  ubReadBytes: number;
  ubWrittenBytes: number;
  accReadBytes: number;
  accWrittenBytes: number;
  weightReadBytes: number;
  weightWrittenBytes: number;
  hostReadBytes: number;
  hostWrittenBytes: number;
}

type UnitCycles = Record<"dma" | "weights" | "matrix" | "activation" | "vector", number>;

export interface NaiveStats {
  cycles: number;
  macs: number;
  matrixBusyCycles: number;
  stalls: Record<Exclude<Stall, "none">, number>;
  bytes: {
    hostRead: number;
    hostWritten: number;
    weightMemoryRead: number;
    weightMemoryWritten: number;
    unifiedBufferRead: number;
    unifiedBufferWritten: number;
    accumulatorRead: number;
    accumulatorWritten: number;
    weightFifoWritten: number;
    weightFifoRead: number;
  };
  ops: { tilesShifted: number; weightRegisterWrites: number; activationElements: number; vectorElements: number };
  unitBusyCycles: UnitCycles;
  unitStalledCycles: UnitCycles;
  resourceStalls: Record<Resource, number>;
}

const units = (): UnitCycles => ({ dma: 0, weights: 0, matrix: 0, activation: 0, vector: 0 });

export function emptyNaiveStats(): NaiveStats {
  return {
    cycles: 0,
    macs: 0,
    matrixBusyCycles: 0,
    stalls: { weight_load: 0, weight_shift: 0, data_dependency: 0, host_transfer: 0, non_matrix: 0, drain: 0 },
    bytes: {
      hostRead: 0, hostWritten: 0, weightMemoryRead: 0, weightMemoryWritten: 0, unifiedBufferRead: 0,
      unifiedBufferWritten: 0, accumulatorRead: 0, accumulatorWritten: 0, weightFifoWritten: 0, weightFifoRead: 0,
    },
    ops: { tilesShifted: 0, weightRegisterWrites: 0, activationElements: 0, vectorElements: 0 },
    unitBusyCycles: units(),
    unitStalledCycles: units(),
    resourceStalls: { unifiedBufferRead: 0, unifiedBufferWrite: 0, accumulatorRead: 0, weightMemory: 0 },
  };
}

/** Add one cycle's counters to the totals. */
export function addCounters(s: NaiveStats, c: Counters): void {
  s.macs += c.macs;
  s.bytes.hostRead += c.hostReadBytes;
  s.bytes.hostWritten += c.hostWrittenBytes;
  s.bytes.weightMemoryRead += c.weightReadBytes;
  s.bytes.weightMemoryWritten += c.weightWrittenBytes;
  s.bytes.unifiedBufferRead += c.ubReadBytes;
  s.bytes.unifiedBufferWritten += c.ubWrittenBytes;
  s.bytes.accumulatorRead += c.accReadBytes;
  s.bytes.accumulatorWritten += c.accWrittenBytes;
  s.bytes.weightFifoWritten += c.weightFifoWritten;
  s.bytes.weightFifoRead += c.weightFifoRead;
  s.ops.tilesShifted += c.tilesShifted;
  s.ops.weightRegisterWrites += c.weightRegisterWrites;
  s.ops.activationElements += c.activationElements;
  s.ops.vectorElements += c.vectorElements;
}

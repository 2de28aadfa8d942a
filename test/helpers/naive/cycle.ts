/**
 * What every unit of the naive chip touches during one cycle: the memories as committed at the end of
 * the previous cycle (read), the writes it latches (applied after every unit has worked: two phases),
 * the cycle's counters (docs/ARCHITECTURE.md "Counters") and the faults it finds (docs "Faults").
 */
import type { HwConfig } from "../../../src/config/hw-config.js";
import { convertToDtype } from "../../../src/numerics/vector-ops.js";

export interface Memories {
  ub: Float32Array;
  acc: Int32Array | Float32Array;
  wm: Float32Array;
  host: Float64Array;
}

/** Per-cycle counters: the trace's eight byte columns plus the other totals' per-cycle parts. */
export interface Counters {
  ubReadBytes: number;
  ubWrittenBytes: number;
  accReadBytes: number;
  accWrittenBytes: number;
  weightReadBytes: number;
  weightWrittenBytes: number;
  hostReadBytes: number;
  hostWrittenBytes: number;
  weightFifoWritten: number;
  weightFifoRead: number;
  tilesShifted: number;
  weightRegisterWrites: number;
  activationElements: number;
  vectorElements: number;
  macs: number;
}

export function zeroCounters(): Counters {
  return {
    ubReadBytes: 0, ubWrittenBytes: 0, accReadBytes: 0, accWrittenBytes: 0, weightReadBytes: 0, weightWrittenBytes: 0,
    hostReadBytes: 0, hostWrittenBytes: 0, weightFifoWritten: 0, weightFifoRead: 0, tilesShifted: 0,
    weightRegisterWrites: 0, activationElements: 0, vectorElements: 0, macs: 0,
  };
}

/** Fault rank within one cycle: matrix (accumulators), activation, vector, weight loader, DMA. */
export const RANK_MATRIX = 0;
export const RANK_ACTIVATION = 1;
export const RANK_VECTOR = 2;
export const RANK_LOADER = 3;
export const RANK_DMA = 4;

export interface NaiveFault {
  detail: string;
  cycle: number;
  unit: string;
  pc: number;
}

interface Candidate extends NaiveFault {
  rank: number;
  element: number;
}

interface PendingWrite {
  mem: Memories[keyof Memories];
  index: number;
  value: number;
}

/** One cycle's shared context. Units read `mem` (committed state) and latch writes through it. */
export class CycleIo {
  readonly ctr = zeroCounters();
  private readonly writes: PendingWrite[] = [];
  private readonly candidates: Candidate[] = [];
  readonly bf16: boolean;
  readonly eb: number;

  constructor(
    readonly t: number,
    readonly hw: HwConfig,
    readonly mem: Memories,
  ) {
    this.bf16 = hw.dtype === "bf16";
    this.eb = hw.elementBytes;
  }

  conv(x: number): number {
    return convertToDtype(x, this.hw.dtype);
  }

  /** A value that goes bad here (bf16 only): reported, first by rank, then by element. */
  badValue(rank: number, element: number, unit: string, pc: number, detail: string): void {
    this.candidates.push({ rank, element, unit, pc, detail, cycle: this.t });
  }

  /** Latch a unified-buffer write (value already in the dtype); faults on a non-finite bf16 value. */
  writeUb(rank: number, element: number, unit: string, pc: number, addr: number, value: number): void {
    if (this.bf16 && !Number.isFinite(value)) this.badValue(rank, element, unit, pc, `non-finite value written to unified buffer address ${addr}`);
    this.writes.push({ mem: this.mem.ub, index: addr, value });
  }

  write(mem: PendingWrite["mem"], index: number, value: number): void {
    this.writes.push({ mem, index, value });
  }

  firstFault(): NaiveFault | null {
    let best: Candidate | null = null;
    for (const c of this.candidates) if (!best || c.rank < best.rank || (c.rank === best.rank && c.element < best.element)) best = c;
    return best && { detail: best.detail, cycle: best.cycle, unit: best.unit, pc: best.pc };
  }

  /** The clock edge: every latched write lands, in the order latched. */
  commit(): void {
    for (const w of this.writes) w.mem[w.index] = w.value;
  }
}

/** Port requests of one unit in one cycle (whole or nothing) and its channel bytes. */
export interface Request {
  ubRead: number;
  ubWrite: number;
  accRead: number;
  /** Bytes wanted on the weight-memory channel (VSGD takes what is left, up to this). */
  channel: number;
}

export const NO_REQUEST: Request = { ubRead: 0, ubWrite: 0, accRead: 0, channel: 0 };

/**
 * Why the head instruction cannot issue this cycle, and which cause a cycle is charged to
 * (docs/ARCHITECTURE.md "Controller" and "Stall attribution"). Pure functions of the machine state
 * at the start of the cycle, so fast mode can evaluate them once for a whole quiet interval.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { StallCause } from "./trace.js";
import {
  conflicts, type DecodedOp, OP_ACT, OP_HALT, OP_MMUL, OP_NOP, OP_RDW, OP_RDWU, OP_RHM, OP_SYNC, OP_VEC, OP_VSGD,
  OP_VSMX, OP_VTR, OP_WHM, OP_WHMA, UNIT_DMA, UNIT_WEIGHTS,
} from "./decode.js";
import { SLOT_READY } from "../hw/weight-fifo.js";

/**
 * The controller's interlocks (docs/ARCHITECTURE.md "Controller", "Weight shift"), exact: an
 * accumulating MMUL at t0' after a pass at t0 over overlapping rows needs t0' >= t0 + R + 1 +
 * (acc' - acc); a shift into a bank last used by a pass whose last vector was read at tl - 1 may start
 * at tl + C - 1.
 */
export function accumulateReadyAt(hw: HwConfig, t0: number, acc: number, accNew: number): number {
  return t0 + hw.rows + 1 + (accNew - acc);
}

export function bankFreeAt(hw: HwConfig, tl: number): number {
  return tl + hw.cols - 1;
}

/** Block reasons (0 = can issue). `matrixBusy` means the matrix unit is still streaming. */
export const STALL = {
  none: 0,
  weight_load: 1,
  weight_shift: 2,
  data_dependency: 3,
  host_transfer: 4,
  non_matrix: 5,
  drain: 6,
  matrixBusy: 7,
} as const;

const CAUSE_NAMES: readonly StallCause[] = [
  "none", "weight_load", "weight_shift", "data_dependency", "host_transfer", "non_matrix", "drain", "none",
];

interface InFlightView {
  readonly op: DecodedOp;
  readonly t0: number;
}

/** What the hazard logic reads from the controller. */
export interface MachineState {
  readonly hw: HwConfig;
  readonly inflight: readonly InFlightView[];
  readonly unitBusy: Uint8Array;
  readonly mmFreeAt: number;
  readonly streamT0: number;
  readonly bankState: Int32Array;
  readonly bankReadyAt: Float64Array;
  readonly activeBank: number;
  /** Last step of the current or last weight shift: the shifter is a unit SYNC and HALT wait for. */
  readonly shiftEnd: number;
  readonly dp: { readonly fifo: { readonly occupancy: number; readonly depth: number; readonly headState: number } };
  oldestLoadedBank(): number;
  /** Bumped whenever the controller's state changes (issue, completion, shift start or end). */
  readonly epoch: number;
  /** The last block reason computed: for which head pc, cycle and epoch. */
  reasonPc: number;
  reasonCycle: number;
  reasonEpoch: number;
  reason: number;
}

/** The scoreboard: an earlier in-flight instruction conflicting with `op`, as a block reason. */
function hazard(m: MachineState, op: DecodedOp): number {
  for (const e of m.inflight) {
    if (conflicts(op, e.op)) {
      return e.op.unit === UNIT_DMA ? STALL.host_transfer : e.op.unit === UNIT_WEIGHTS ? STALL.weight_load : STALL.data_dependency;
    }
  }
  return STALL.none;
}

/**
 * Why `op` (the head) cannot issue at cycle t, or STALL.none. The controller's state does not change
 * between its events, so the answer for one head, cycle and state is computed once.
 */
export function blockReason(m: MachineState, op: DecodedOp, t: number): number {
  if (m.reasonPc === op.pc && m.reasonCycle === t && m.reasonEpoch === m.epoch) return m.reason;
  const reason = computeBlockReason(m, op, t);
  m.reasonPc = op.pc;
  m.reasonCycle = t;
  m.reasonEpoch = m.epoch;
  m.reason = reason;
  return reason;
}

function computeBlockReason(m: MachineState, op: DecodedOp, t: number): number {
  switch (op.code) {
    case OP_NOP:
      return STALL.none;
    case OP_HALT:
    case OP_SYNC:
      return m.inflight.length === 0 && t > m.shiftEnd ? STALL.none : STALL.drain;
    case OP_RHM:
    case OP_WHM:
    case OP_WHMA:
      return m.unitBusy[op.unit] ? STALL.host_transfer : hazard(m, op);
    case OP_RDW:
    case OP_RDWU:
      if (m.unitBusy[op.unit] || m.dp.fifo.occupancy >= m.dp.fifo.depth) return STALL.weight_load;
      return hazard(m, op);
    case OP_MMUL:
      return mmulReason(m, op, t);
    case OP_ACT:
    case OP_VEC:
    case OP_VTR:
    case OP_VSGD:
    case OP_VSMX:
      return m.unitBusy[op.unit] ? STALL.non_matrix : hazard(m, op);
    default:
      throw new Error(`internal: opcode ${op.code}`);
  }
}

function mmulReason(m: MachineState, op: DecodedOp, t: number): number {
  if (t < m.mmFreeAt) return STALL.matrixBusy;
  if (op.f.switch) {
    const b = m.oldestLoadedBank();
    // A tile ready in the FIFO waits for a bank (weight_shift); one still loading, or none, is weight_load.
    if (b < 0) return m.dp.fifo.headState === SLOT_READY ? STALL.weight_shift : STALL.weight_load;
    if (m.bankReadyAt[b] > t) return STALL.weight_shift;
  } else if (m.activeBank < 0) {
    return STALL.none;
  }
  if (op.f.accumulate) {
    for (const e of m.inflight) {
      if (e.op.code !== OP_MMUL) continue;
      const lo = e.op.f.acc;
      const hi = lo + e.op.f.rows;
      if (op.f.acc < hi && lo < op.f.acc + op.f.rows && t < accumulateReadyAt(m.hw, e.t0, lo, op.f.acc)) {
        return STALL.data_dependency;
      }
    }
  }
  return hazard(m, op);
}

/** The cause charged for cycle t, given the head instruction at the start of t and its block reason. */
export function classifyCycle(m: MachineState, t: number, head: DecodedOp | null, reason: number): StallCause {
  if (t >= m.streamT0 && t < m.mmFreeAt) return "none";
  if (head === null) return "drain";
  if (reason !== STALL.none) return CAUSE_NAMES[reason];
  switch (head.code) {
    case OP_HALT:
      return "drain";
    case OP_RHM:
    case OP_WHM:
    case OP_WHMA:
      return "host_transfer";
    case OP_RDW:
    case OP_RDWU:
      return "weight_load";
    default:
      return "non_matrix";
  }
}

/**
 * Fills the per-cycle trace row (docs/TRACES.md) from what the units did this cycle: the datapath's
 * activity in detailed mode, the predicted activity in fast mode (the same record, so the two modes'
 * rows can be compared field by field). A unit is busy when it did work, stalled when it held an
 * instruction and was refused a resource, stalled when the head instruction is its own and blocked,
 * and idle otherwise.
 */
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_HOST_READ, CNT_HOST_WRITTEN, CNT_MACS, CNT_UB_READ, CNT_UB_WRITTEN, CNT_WM_READ,
  CNT_WM_WRITTEN, UNIT_COUNT, U_MATRIX, type CycleActivity,
} from "../hw/activity.js";
import type { DecodedOp } from "./decode.js";
import { STALL } from "./hazards.js";
import { STALL_CAUSES, UNIT_BUSY, UNIT_IDLE, UNIT_STALLED, type StallCause, type TraceRow } from "./trace.js";

/** The instruction each unit holds (the matrix unit: the pass it streams). */
export interface UnitHolders {
  readonly unitOp: readonly ({ readonly op: DecodedOp } | null)[];
  readonly stream: { readonly op: DecodedOp } | null;
}

export function fillTraceRow(
  m: UnitHolders, row: TraceRow, t: number, head: DecodedOp | null, reason: number, cause: StallCause, act: CycleActivity,
): void {
  row.cycle = t;
  row.stall = STALL_CAUSES.indexOf(cause);
  row.headPc = head ? head.pc : -1;
  fillRowCounts(row, act.counts);
  for (let u = 0; u < UNIT_COUNT; u++) {
    const holder = u === U_MATRIX ? m.stream : m.unitOp[u];
    if (act.busy[u] || act.refused[u] >= 0) {
      row.state[u] = act.busy[u] ? UNIT_BUSY : UNIT_STALLED;
      row.pc[u] = holder ? holder.op.pc : -1;
    } else if (head && head.unit === u && reason !== STALL.none) {
      row.state[u] = UNIT_STALLED;
      row.pc[u] = head.pc;
    } else {
      row.state[u] = UNIT_IDLE;
      row.pc[u] = -1;
    }
  }
}

/** The row's MAC and byte columns from a cycle's counters. */
export function fillRowCounts(row: TraceRow, c: Float64Array): void {
  row.macs = c[CNT_MACS];
  row.ubReadBytes = c[CNT_UB_READ];
  row.ubWrittenBytes = c[CNT_UB_WRITTEN];
  row.accReadBytes = c[CNT_ACC_READ];
  row.accWrittenBytes = c[CNT_ACC_WRITTEN];
  row.weightReadBytes = c[CNT_WM_READ];
  row.weightWrittenBytes = c[CNT_WM_WRITTEN];
  row.hostReadBytes = c[CNT_HOST_READ];
  row.hostWrittenBytes = c[CNT_HOST_WRITTEN];
}

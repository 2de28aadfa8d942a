/**
 * Fills the per-cycle trace row from controller state. Unit states and counters come from the
 * controller and the timing rules, identical in both modes; MACs come from the array's registers in
 * detailed mode and from the wavefront formula in fast mode (docs/TRACES.md).
 */
import {
  type DecodedOp, OP_ACT, OP_MMUL, OP_RDW, OP_RDWU, OP_RHM, OP_VEC, OP_VSGD, OP_VSMX, OP_VTR, OP_WHM, OP_WHMA, UNIT_MATRIX,
} from "./decode.js";
import { STALL } from "./hazards.js";
import type { Simulator } from "./controller.js";
import * as T from "./timing.js";
import { STALL_CAUSES, UNIT_BUSY, UNIT_IDLE, UNIT_STALLED, type StallCause, type TraceRow } from "./trace.js";

export function fillTraceRow(
  m: Simulator, row: TraceRow, t: number, head: DecodedOp | null, reason: number, cause: StallCause, detailedMacs: number,
): void {
  const hw = m.hw;
  row.cycle = t;
  row.pc.fill(-1);
  row.state.fill(UNIT_IDLE);
  row.stall = STALL_CAUSES.indexOf(cause);
  row.headPc = head ? head.pc : -1;
  let macs = 0;
  row.ubRowsRead = 0;
  row.ubRowsWritten = 0;
  row.accRowsRead = 0;
  row.accRowsWritten = 0;
  row.weightBytes = 0;
  row.hostBytes = 0;
  for (const e of m.inflight) {
    const f = e.op.f;
    const u = e.op.unit;
    if (e.t0 > t || e.tc < t) continue;
    if (row.pc[u] < e.op.pc) row.pc[u] = e.op.pc;
    row.state[u] = UNIT_BUSY;
    const i = t - e.t0;
    switch (e.op.code) {
      case OP_RHM:
      case OP_WHM:
        row.hostBytes += T.bytesInCycle(f.rows * f.cols * hw.elementBytes, hw.hostBytesPerCycle, i);
        if (e.op.code === OP_RHM && t === e.tc) row.ubRowsWritten += f.rows;
        if (e.op.code === OP_WHM && i === 0) row.ubRowsRead += f.rows;
        break;
      case OP_WHMA:
        row.hostBytes += T.bytesInCycle(f.rows * f.cols * 4, hw.hostBytesPerCycle, i);
        if (i === 0) row.accRowsRead += f.rows;
        break;
      case OP_RDW:
        row.weightBytes += T.bytesInCycle(f.rows * f.cols * hw.elementBytes, hw.weightBytesPerCycle, i);
        break;
      case OP_RDWU:
        row.ubRowsRead += 1;
        break;
      case OP_MMUL:
        if (i < e.vectors) row.ubRowsRead += 1;
        if (f.accumulate && i >= 1 && i <= e.vectors) row.accRowsRead += 1;
        if (t >= e.t0 + hw.rows + hw.cols && t <= e.tc) row.accRowsWritten += 1;
        if (detailedMacs < 0) macs += T.passMacsInCycle(t, e.t0, e.vectors, e.tileRows, e.tileCols);
        break;
      case OP_ACT:
        if (i < f.rows) row.accRowsRead += 1;
        if (i >= hw.activationLatency) row.ubRowsWritten += 1;
        break;
      case OP_VEC:
      case OP_VTR:
      case OP_VSMX:
        if (i === 0) row.ubRowsRead += (e.op.code === OP_VEC && f.fn !== 3 ? 2 : 1) * f.rows;
        if (t === e.tc) row.ubRowsWritten += e.op.code === OP_VTR ? f.cols : f.rows;
        break;
      case OP_VSGD:
        if (i === 0) row.accRowsRead += f.rows;
        break;
    }
  }
  if (head && reason !== STALL.none && reason !== STALL.matrixBusy && row.state[head.unit] !== UNIT_BUSY && head.unit <= UNIT_MATRIX + 2) {
    row.state[head.unit] = UNIT_STALLED;
    row.pc[head.unit] = head.pc;
  }
  row.macs = detailedMacs >= 0 ? detailedMacs : macs;
}

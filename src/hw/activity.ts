/**
 * What the units did in one clock (docs/ARCHITECTURE.md "Counters", "Stall attribution"): the
 * bytes and operations each counter counts, which units did work, and which were refused a
 * resource. The datapath fills one per cycle in detailed mode; fast mode fills the same record for
 * an interval of identical cycles. Unit indices are the trace's unit order.
 */

/** Units, in the trace's column order (src/sim/trace.ts TRACE_UNITS). */
export const U_DMA = 0;
export const U_WEIGHTS = 1;
export const U_MATRIX = 2;
export const U_ACTIVATION = 3;
export const U_VECTOR = 4;
export const UNIT_COUNT = 5;

/** Counter indices (RunStats field in the comment). */
export const CNT_HOST_READ = 0; // bytes.hostRead
export const CNT_HOST_WRITTEN = 1; // bytes.hostWritten
export const CNT_WM_READ = 2; // bytes.weightMemoryRead
export const CNT_WM_WRITTEN = 3; // bytes.weightMemoryWritten
export const CNT_UB_READ = 4; // bytes.unifiedBufferRead
export const CNT_UB_WRITTEN = 5; // bytes.unifiedBufferWritten
export const CNT_ACC_READ = 6; // bytes.accumulatorRead
export const CNT_ACC_WRITTEN = 7; // bytes.accumulatorWritten
export const CNT_FIFO_WRITTEN = 8; // bytes.weightFifoWritten
export const CNT_FIFO_READ = 9; // bytes.weightFifoRead
export const CNT_MACS = 10; // macs
export const CNT_TILES_SHIFTED = 11; // ops.tilesShifted
export const CNT_WEIGHT_REGISTER_WRITES = 12; // ops.weightRegisterWrites
export const CNT_ACTIVATION_ELEMENTS = 13; // ops.activationElements
export const CNT_VECTOR_ELEMENTS = 14; // ops.vectorElements
export const COUNTER_COUNT = 15;

/** Shared resources in the order a request is checked (and resourceStalls' keys). */
export const RES_NONE = -1;
export const RES_UB_READ = 0;
export const RES_UB_WRITE = 1;
export const RES_ACC_READ = 2;
export const RES_WEIGHT_MEMORY = 3;

export class CycleActivity {
  readonly counts = new Float64Array(COUNTER_COUNT);
  /** 1 when the unit did work (busy). */
  readonly busy = new Uint8Array(UNIT_COUNT);
  /** The resource that refused the unit (RES_*), or RES_NONE. */
  readonly refused = new Int8Array(UNIT_COUNT);

  clear(): void {
    const c = this.counts;
    for (let i = 0; i < COUNTER_COUNT; i++) c[i] = 0;
    for (let u = 0; u < UNIT_COUNT; u++) {
      this.busy[u] = 0;
      this.refused[u] = RES_NONE;
    }
  }
}

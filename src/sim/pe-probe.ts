/**
 * PE traces: for the traced region, each PE's inputs are read before the datapath evaluates (the
 * partial sum a PE receives is overwritten in place by its output) and its output after.
 */
import type { PeSample } from "../hw/systolic-array.js";
import type { TpuDatapath } from "../hw/tpu.js";
import type { PeTraceRow, TraceSink } from "./trace.js";

export class PeProbe {
  private psumIn = new Float64Array(0);
  private readonly sample: PeSample = { actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };
  private readonly row: PeTraceRow = { cycle: 0, row: 0, col: 0, actIn: 0, weight: 0, psumIn: 0, psumOut: 0, bank: 0 };

  constructor(private readonly dp: TpuDatapath) {}

  capture(t: number, sink: TraceSink): void {
    const a = this.dp.array;
    const reg = sink.peRegion;
    const n = Math.max(0, Math.min(a.R, reg.r1) - reg.r0) * Math.max(0, Math.min(a.C, reg.c1) - reg.c0);
    if (this.psumIn.length < n) this.psumIn = new Float64Array(n);
    let i = 0;
    for (let r = Math.max(0, reg.r0); r < Math.min(a.R, reg.r1); r++) {
      for (let c = Math.max(0, reg.c0); c < Math.min(a.C, reg.c1); c++) {
        a.peInputs(t, r, c, this.dp.acc.top, this.sample);
        this.psumIn[i++] = this.sample.psumIn;
      }
    }
  }

  emit(t: number, sink: TraceSink): void {
    const a = this.dp.array;
    const reg = sink.peRegion;
    const row = this.row;
    row.cycle = t;
    let i = 0;
    for (let r = Math.max(0, reg.r0); r < Math.min(a.R, reg.r1); r++) {
      for (let c = Math.max(0, reg.c0); c < Math.min(a.C, reg.c1); c++) {
        a.peInputs(t, r, c, this.dp.acc.top, this.sample);
        row.row = r;
        row.col = c;
        row.bank = this.sample.bank;
        row.actIn = this.sample.actIn;
        row.weight = this.sample.weight;
        row.psumIn = this.psumIn[i++];
        row.psumOut = a.psumOut(t, r, c, row.psumIn);
        sink.pe(row);
      }
    }
  }
}

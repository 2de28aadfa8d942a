/**
 * Records the PE registers of a region of the array over consecutive cycles (the PE trace), with
 * the units' pcs and states of the same cycles, for the report's animated array view. The data is
 * bounded: at most `maxPes` PEs (the region's top-left corner) and `maxSamples` PE-cycles.
 */
import { STALL_CAUSES, TRACE_UNITS, type PeTraceRow, type TraceRow } from "../../sim/trace.js";
import { packArray, type ArrayRegion, type ArrayView } from "./views.js";

export interface ArrayLimits {
  readonly arrayRows: number;
  readonly arrayCols: number;
  readonly dtype: string;
  readonly region: ArrayRegion;
  /** First and last absolute cycle wanted (inclusive). */
  readonly from: number;
  readonly to: number;
  readonly maxPes: number;
  readonly maxSamples: number;
}

export const DEFAULT_ARRAY_LIMITS = { maxPes: 256, maxSamples: 65_536, side: 16 } as const;

/** The region clipped to the array, then to at most `side` rows and columns from its top-left PE. */
export function shownRegion(region: ArrayRegion, rows: number, cols: number, side: number): ArrayRegion {
  const r0 = Math.min(region.r0, rows);
  const c0 = Math.min(region.c0, cols);
  return { r0, c0, r1: Math.min(region.r1, rows, r0 + side), c1: Math.min(region.c1, cols, c0 + side) };
}

export class ArrayRecorder {
  readonly region: ArrayRegion;
  private readonly width: number;
  private readonly pes: number;
  private readonly maxCycles: number;
  private readonly bank: Uint8Array;
  private readonly actIn: Float32Array;
  private readonly weight: Float32Array;
  private readonly psumIn: Float64Array;
  private readonly psumOut: Float64Array;
  private readonly unitPc: Int32Array;
  private readonly unitState: Uint8Array;
  private readonly stall: Uint8Array;
  private readonly cycles: number[] = [];
  private readonly wanted = new Set<number>();
  private readonly texts = new Map<number, string>();
  /** Cycle whose PE rows are arriving, its index, and whether the cycle row closed it. */
  private current = -1;
  private full = false;

  constructor(private readonly limits: ArrayLimits) {
    const side = Math.floor(Math.sqrt(limits.maxPes));
    this.region = shownRegion(limits.region, limits.arrayRows, limits.arrayCols, side);
    this.width = this.region.c1 - this.region.c0;
    this.pes = Math.max(0, (this.region.r1 - this.region.r0) * this.width);
    this.maxCycles = this.pes === 0 ? 0 : Math.max(1, Math.floor(limits.maxSamples / this.pes));
    const n = this.maxCycles * this.pes;
    this.bank = new Uint8Array(n);
    this.actIn = new Float32Array(n);
    this.weight = new Float32Array(n);
    this.psumIn = new Float64Array(n);
    this.psumOut = new Float64Array(n);
    this.unitPc = new Int32Array(this.maxCycles * TRACE_UNITS.length).fill(-1);
    this.unitState = new Uint8Array(this.maxCycles * TRACE_UNITS.length);
    this.stall = new Uint8Array(this.maxCycles);
  }

  get from(): number {
    return this.limits.from;
  }

  /** Last absolute cycle still wanted. */
  get to(): number {
    if (this.full) return this.cycles[this.cycles.length - 1] ?? this.limits.from;
    return Math.min(this.limits.to, this.limits.from + this.maxCycles - 1);
  }

  private wants(cycle: number): boolean {
    return !this.full && cycle >= this.limits.from && cycle <= this.to;
  }

  /** Index of `cycle` among the captured cycles, opening it on its first PE row. */
  private slot(cycle: number): number {
    if (cycle !== this.current) {
      const last = this.cycles[this.cycles.length - 1];
      // The view steps cycle by cycle: a gap ends the capture.
      if ((last !== undefined && cycle !== last + 1) || this.cycles.length >= this.maxCycles) {
        this.full = true;
        return -1;
      }
      this.cycles.push(cycle);
      this.current = cycle;
    }
    return this.cycles.length - 1;
  }

  pe(row: Readonly<PeTraceRow>): void {
    const { r0, r1, c0, c1 } = this.region;
    if (row.row < r0 || row.row >= r1 || row.col < c0 || row.col >= c1 || !this.wants(row.cycle)) return;
    const k = this.slot(row.cycle);
    if (k < 0) return;
    const i = k * this.pes + (row.row - r0) * this.width + (row.col - c0);
    this.bank[i] = row.bank;
    this.actIn[i] = row.actIn;
    this.weight[i] = row.weight;
    this.psumIn[i] = row.psumIn;
    this.psumOut[i] = row.psumOut;
  }

  /** The cycle row comes after the PE rows of its cycle (detailed mode: a run of one cycle). */
  cycle(row: Readonly<TraceRow>, count: number): void {
    if (this.current < row.cycle || this.current >= row.cycle + count) return;
    const k = this.cycles.length - 1;
    const U = TRACE_UNITS.length;
    for (let u = 0; u < U; u++) {
      this.unitPc[k * U + u] = row.pc[u];
      this.unitState[k * U + u] = row.state[u];
      if (row.pc[u] >= 0) this.wanted.add(row.pc[u]);
    }
    this.stall[k] = row.stall;
  }

  /** Completion is reported before the cycle row of that cycle: keep every instruction the window overlaps. */
  instruction(pc: number, text: string, issue: number, complete: number): void {
    if (this.wanted.has(pc) || (complete >= this.limits.from && issue <= this.to)) this.texts.set(pc, text);
  }

  /** `runEnd`: the cycle after the run's last, to tell whether the window was cut short. */
  result(runEnd: number): ArrayView {
    const n = this.cycles.length;
    const P = this.pes;
    const U = TRACE_UNITS.length;
    const last = this.cycles[n - 1] ?? this.limits.from - 1;
    const texts: Record<string, string> = {};
    for (const pc of this.wanted) {
      const text = this.texts.get(pc);
      if (text !== undefined) texts[pc] = text;
    }
    return {
      arrayRows: this.limits.arrayRows,
      arrayCols: this.limits.arrayCols,
      dtype: this.limits.dtype,
      region: this.region,
      requested: this.limits.region,
      cycles: this.cycles.slice(),
      truncated: this.full || Math.min(this.limits.to, runEnd - 1) > last,
      limitSamples: this.limits.maxSamples,
      limitPes: this.limits.maxPes,
      bank: packArray(this.bank.subarray(0, n * P)),
      actIn: packArray(this.actIn.subarray(0, n * P)),
      weight: packArray(this.weight.subarray(0, n * P)),
      psumIn: packArray(this.psumIn.subarray(0, n * P)),
      psumOut: packArray(this.psumOut.subarray(0, n * P)),
      unitPc: packArray(this.unitPc.subarray(0, n * U)),
      unitState: packArray(this.unitState.subarray(0, n * U)),
      stall: packArray(this.stall.subarray(0, n)),
      units: TRACE_UNITS,
      stallCauses: STALL_CAUSES,
      texts,
    };
  }
}

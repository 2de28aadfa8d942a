/**
 * The per-PE CSV trace (docs/TRACES.md "PE CSV"): one row per processing element of the traced
 * region per traced cycle, detailed mode only. Same json2csv pipeline as the per-cycle CSV.
 */
import type { PeTraceRow } from "../sim/trace.js";
import { CsvFileSink, FULL_WINDOW, inWindow, type TraceWindow } from "./csv-trace-sink.js";

/** PE rows r0 <= row < r1 and columns c0 <= col < c1 (half-open, like Array.slice). */
export interface PeRegion {
  readonly r0: number;
  readonly r1: number;
  readonly c0: number;
  readonly c1: number;
}

export const PE_CSV_COLUMNS: readonly string[] = Object.freeze([
  "cycle",
  "row",
  "col",
  "bank",
  "act_in",
  "weight",
  "psum_in",
  "psum_out",
]);

/** Writes the PE rows inside its region and window. Ignores per-cycle rows and instructions. */
export class PeCsvSink extends CsvFileSink {
  readonly wantsPe = true;
  readonly peRegion: { r0: number; r1: number; c0: number; c1: number };

  constructor(path: string, region: PeRegion, window: TraceWindow = FULL_WINDOW) {
    super(path, PE_CSV_COLUMNS, window);
    this.peRegion = { r0: region.r0, r1: region.r1, c0: region.c0, c1: region.c1 };
  }

  override pe(row: Readonly<PeTraceRow>): void {
    const { r0, r1, c0, c1 } = this.peRegion;
    if (row.row < r0 || row.row >= r1 || row.col < c0 || row.col >= c1) return;
    if (!inWindow(this, row.cycle)) return;
    this.output.add([
      row.cycle,
      row.row,
      row.col,
      row.bank,
      row.actIn,
      row.weight,
      row.psumIn,
      row.psumOut,
    ]);
  }}

/**
 * The TPU v1 paper's performance counters (Jouppi et al., ISCA 2017, Table 3) computed from a run's
 * statistics; docs/TPU-V1-MLPS.md sets them beside the paper's and explains each difference.
 *
 * Every fraction is of all cycles. Rows 1, 4, 5 and 6 of the paper total 100 %, and so do these:
 * tpusim charges every cycle either to the matrix unit streaming a vector (busy) or to exactly one
 * stall cause (docs/ARCHITECTURE.md "Stall attribution"); the paper's row 6 ("non-matrix") is every
 * cycle that is neither busy nor a weight stall or shift, and rows 7 and 8 are two of its reasons.
 */
import type { RunSummary } from "../sim/stats.js";

export interface PaperCounters {
  /** Row 1, array active cycles: matrixBusyCycles / cycles. */
  arrayActive: number;
  /** Row 2, useful MACs in the R x C matrix (% of peak): macs / (cycles * R * C). */
  usefulMacs: number;
  /** Row 3, unused MACs: the active cycles' MAC slots that held no useful weight or vector. */
  unusedMacs: number;
  /** Row 4, weight stall cycles: stall cause weight_load. */
  weightStall: number;
  /** Row 5, weight shift cycles: stall cause weight_shift. */
  weightShift: number;
  /** Row 6, non-matrix cycles: non_matrix + data_dependency + host_transfer + drain. */
  nonMatrix: number;
  /** Row 7, RAW stalls: stall cause data_dependency. */
  rawStalls: number;
  /** Row 8, input data stalls: stall cause host_transfer. */
  inputStalls: number;
  /** Row 9, tera-operations per second (2 per MAC) at the clock. */
  tops: number;
  /** Peak TOPS of the machine (2 * R * C * clock). */
  peakTops: number;
}

export function paperCounters(s: RunSummary): PaperCounters {
  const of = (n: number) => (s.cycles > 0 ? n / s.cycles : 0);
  const slots = s.cycles * s.peakMacsPerCycle;
  const activeSlots = s.matrixBusyCycles * s.peakMacsPerCycle;
  const st = s.stalls;
  return {
    arrayActive: of(s.matrixBusyCycles),
    usefulMacs: slots > 0 ? s.macs / slots : 0,
    unusedMacs: slots > 0 ? (activeSlots - s.macs) / slots : 0,
    weightStall: of(st.weight_load),
    weightShift: of(st.weight_shift),
    nonMatrix: of(st.non_matrix + st.data_dependency + st.host_transfer + st.drain),
    rawStalls: of(st.data_dependency),
    inputStalls: of(st.host_transfer),
    tops: s.tops,
    peakTops: (2 * s.peakMacsPerCycle * s.clockMHz * 1e6) / 1e12,
  };
}

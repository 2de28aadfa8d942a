/**
 * A lower bound on the cycles any run of a program takes on a machine (docs/BOUND.md): the largest
 * of each unit's busy work, each link's and port group's traffic over its capacity, the weight path
 * (the two-bank shift rule) and the dependence critical path. Computed from the program and the
 * rules of docs/ARCHITECTURE.md alone; it never runs the simulator. A simulated run never takes fewer
 * cycles (tested), and the ratio cycles / bound says how far the schedule is from the machine.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Program } from "../isa/program.js";
import { criticalPathCycles } from "./bound-path.js";
import { weightPathCycles } from "./bound-weights.js";
import { instructionWork } from "./bound-work.js";

export type BoundTermKind = "unit" | "link" | "shift" | "path";

export interface BoundTerm {
  /** e.g. "matrix unit", "weight-memory channel", "shift rule", "critical path". */
  readonly name: string;
  readonly kind: BoundTermKind;
  readonly cycles: number;
}

export interface ProgramBound {
  /** The largest term: no run of the program on this machine takes fewer cycles. */
  readonly cycles: number;
  /** The name of the largest term (the first of equals, in the order of `terms`). */
  readonly binding: string;
  readonly terms: readonly BoundTerm[];
}

export const TERM_NAMES = [
  "issue", "matrix unit", "weight loader", "weight shifter", "activation unit", "vector unit", "host DMA",
  "host link", "weight-memory channel", "unified-buffer reads", "unified-buffer writes", "accumulator reads",
  "shift rule", "critical path",
] as const;

/**
 * Every term counts cycles 0 .. HALT's issue cycle (a run's `cycles`). HALT issues at least one cycle
 * after the last completion, so work that must end at cycle t bounds a run by t + 2 cycles.
 */
export function programBound(program: Program, hw: HwConfig): ProgramBound {
  const R = hw.rows;
  const C = hw.cols;
  let issues = 0;
  let passes = 0;
  let lastSwitchB = 0;
  let tiles = 0;
  const busy = { dma: 0, weightLoader: 0, matrix: 0, activation: 0, vector: 0 };
  let hostBytes = 0;
  let channelBytes = 0;
  let ubReads = 0;
  let ubWrites = 0;
  let accReads = 0;
  for (const ins of program.instructions) {
    issues++;
    if (ins.op === "HALT") break;
    const w = instructionWork(ins, hw);
    if (w.unit !== null) busy[w.unit] += w.busy;
    if (ins.op === "MMUL") {
      passes++;
      if (ins.f.switch) {
        tiles++;
        lastSwitchB = ins.f.rows;
      }
    }
    hostBytes += w.hostBytes;
    channelBytes += w.channelBytes;
    ubReads += w.ubReads;
    ubWrites += w.ubWrites;
    accReads += w.accReads;
  }
  // Busy work ending at cycle (sum - 1) at the earliest: sum + 1 cycles; a link or port group
  // likewise after ceil(demand / capacity) cycles of use.
  const work = (cycles: number) => (cycles > 0 ? cycles + 1 : 0);
  const over = (demand: number, capacity: number) => work(Math.ceil(demand / capacity));
  const terms: BoundTerm[] = [
    { name: "issue", kind: "unit", cycles: issues },
    // The last pass completes R + C - 1 cycles after its last issue slot.
    { name: "matrix unit", kind: "unit", cycles: passes > 0 ? busy.matrix + R + C + 1 : 0 },
    { name: "weight loader", kind: "unit", cycles: work(busy.weightLoader) },
    // Shift k starts at >= 1 + R*k (a load takes a cycle; R cycles per shift); the last tile's
    // switching pass issues R - 1 after its shift starts and completes B + R + C - 1 later.
    { name: "weight shifter", kind: "unit", cycles: tiles > 0 ? R * tiles + lastSwitchB + R + C + 1 : 0 },
    { name: "activation unit", kind: "unit", cycles: work(busy.activation) },
    { name: "vector unit", kind: "unit", cycles: work(busy.vector) },
    { name: "host DMA", kind: "unit", cycles: work(busy.dma) },
    { name: "host link", kind: "link", cycles: over(hostBytes, hw.hostBytesPerCycle) },
    { name: "weight-memory channel", kind: "link", cycles: over(channelBytes, hw.weightBytesPerCycle) },
    { name: "unified-buffer reads", kind: "link", cycles: over(ubReads, hw.unifiedBufferReadPorts) },
    { name: "unified-buffer writes", kind: "link", cycles: over(ubWrites, hw.unifiedBufferWritePorts) },
    { name: "accumulator reads", kind: "link", cycles: over(accReads, hw.accumulatorReadPorts) },
    { name: "shift rule", kind: "shift", cycles: weightPathCycles(program.instructions, hw) },
    { name: "critical path", kind: "path", cycles: criticalPathCycles(program.instructions, hw) },
  ];
  let best = terms[0];
  for (const t of terms) if (t.cycles > best.cycles) best = t;
  return { cycles: best.cycles, binding: best.name, terms };
}

/** cycles / bound, or null when the bound is 0 (an empty program). */
export function boundRatio(cycles: number, bound: ProgramBound): number | null {
  return bound.cycles > 0 ? cycles / bound.cycles : null;
}

/**
 * A lower bound on the cycles any run of a program takes on a machine (docs/BOUND.md): the largest
 * of each unit's busy work, each link's and port group's traffic over its capacity, the weight path
 * (the two-bank shift rule) and the dependence critical path. Computed from the program and the
 * rules of docs/ARCHITECTURE.md alone; it never runs the simulator. A simulated run never takes fewer
 * cycles (tested), and the ratio cycles / bound says how far the schedule is from the machine.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Program } from "../isa/program.js";
import { dependencePath, type DependencePath } from "./bound-path.js";
import { weightPath } from "./bound-weights.js";
import { instructionWork, type InstructionWork } from "./bound-work.js";

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
  /** The name of the largest term (the last of equals, in the order of `terms`). */
  readonly binding: string;
  readonly terms: readonly BoundTerm[];
}

interface Resource {
  readonly name: string;
  readonly kind: "unit" | "link";
  /** Work of one instruction on it: busy cycles (a unit) or accesses / bytes (a link). */
  readonly work: (w: InstructionWork) => number;
  /** Per-cycle capacity of a link; null for a unit that runs one instruction at a time. */
  readonly capacity: number | null;
}

function resources(hw: HwConfig): Resource[] {
  const unit = (name: string, u: InstructionWork["unit"]): Resource => ({ name, kind: "unit", capacity: null, work: (w) => (w.unit === u ? w.busy : 0) });
  const link = (name: string, capacity: number, work: (w: InstructionWork) => number): Resource => ({ name, kind: "link", capacity, work });
  return [
    unit("matrix unit", "matrix"),
    unit("weight loader", "weightLoader"),
    unit("activation unit", "activation"),
    unit("vector unit", "vector"),
    unit("host DMA", "dma"),
    link("host link", hw.hostBytesPerCycle, (w) => w.hostBytes),
    link("weight-memory channel", hw.weightBytesPerCycle, (w) => w.channelBytes),
    link("unified-buffer reads", hw.unifiedBufferReadPorts, (w) => w.ubReads),
    link("unified-buffer writes", hw.unifiedBufferWritePorts, (w) => w.ubWrites),
    link("accumulator reads", hw.accumulatorReadPorts, (w) => w.accReads),
  ];
}

/**
 * Every term counts cycles 0 .. HALT's issue cycle (a run's `cycles`); HALT issues at least one
 * cycle after the last completion, so work that must end at cycle t bounds a run by t + 2 cycles.
 */
export function programBound(program: Program, hw: HwConfig): ProgramBound {
  // The weight path's issue times floor the dependence heads, so a unit whose work waits behind the
  // shift-rule-bound passes starts no earlier than they allow (docs/BOUND.md "Heads").
  const plain = dependencePath(program.instructions, hw);
  const path = dependencePath(program.instructions, hw, { floor: weightPath(program.instructions, hw, plain).earliest, after: plain.after });
  const works = program.instructions.slice(0, path.count).map((ins) => instructionWork(ins, hw));
  let tiles = 0;
  let lastSwitchB = 0;
  for (let i = 0; i < path.count; i++) {
    const ins = program.instructions[i];
    if (ins.op === "MMUL" && ins.f.switch) {
      tiles++;
      lastSwitchB = ins.f.rows;
    }
  }
  const R = hw.rows;
  const C = hw.cols;
  const terms: BoundTerm[] = [
    // One issue per cycle, in order: HALT (the last) issues at >= its index.
    { name: "issue", kind: "unit", cycles: Math.min(program.instructions.length, path.count + 1) },
    ...resources(hw).map((r) => ({ name: r.name, kind: r.kind, cycles: resourceCycles(r, works, path) })),
    // Shift k starts at >= 1 + R*k (a load takes a cycle; R cycles per shift); the last tile's
    // switching pass issues R - 1 after its shift starts and completes B + R + C - 1 later.
    { name: "weight shifter", kind: "unit", cycles: tiles > 0 ? R * tiles + lastSwitchB + R + C + 1 : 0 },
    { name: "critical path", kind: "path", cycles: path.cycles },
    { name: "shift rule", kind: "shift", cycles: weightPath(program.instructions, hw, path).cycles },
  ];
  let best = terms[0];
  // Of equal terms the last wins: the critical path explains more than a unit whose work merely lies
  // on it, and the shift rule (whose issue times floor the path's heads) more than the path.
  for (const t of terms) if (t.cycles >= best.cycles) best = t;
  return { cycles: best.cycles, binding: best.name, terms };
}

/**
 * One resource's work, placed where the dependences allow. For a set S of instructions that all
 * start at >= E (their heads): a unit runs them one at a time, so the last of them, k, issues at
 * >= E + sum(busy) - busy_k and the run lasts >= that + (duration_k - 1 + after_k); a link or port
 * group carries sum(work) at `capacity` per cycle from E, so its last use is at >= E + ceil(sum /
 * capacity) - 1, inside some k's [t0, tc], and the run lasts >= that + after_k. Sets tried: the
 * instructions with head >= E for each E, and those with tail >= T for each T (O(n log n)).
 */
function resourceCycles(r: Resource, works: readonly InstructionWork[], path: DependencePath): number {
  const items: { head: number; post: number; work: number }[] = [];
  works.forEach((w, i) => {
    const work = r.work(w);
    if (work <= 0) return;
    // post: what follows the resource's share (unit: from the end of its busy slots; link: from its last use).
    const post = r.capacity === null ? path.duration[i] - 1 + path.after[i] - work + 1 : path.after[i];
    items.push({ head: path.head[i], post, work });
  });
  if (items.length === 0) return 0;
  const span = (sum: number) => (r.capacity === null ? sum - 1 : Math.ceil(sum / r.capacity) - 1);
  let best = 0;
  const sweep = (key: (x: { head: number; post: number }) => number) => {
    const sorted = [...items].sort((a, b) => key(b) - key(a));
    let sum = 0;
    let minHead = Number.POSITIVE_INFINITY;
    let minPost = Number.POSITIVE_INFINITY;
    for (const x of sorted) {
      sum += x.work;
      minHead = Math.min(minHead, x.head);
      minPost = Math.min(minPost, x.post);
      best = Math.max(best, minHead + span(sum) + minPost);
    }
  };
  sweep((x) => x.head);
  sweep((x) => x.post);
  return best;
}

/** cycles / bound, or null when the bound is 0 (an empty program). */
export function boundRatio(cycles: number, bound: ProgramBound): number | null {
  return bound.cycles > 0 ? cycles / bound.cycles : null;
}

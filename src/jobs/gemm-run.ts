/**
 * Runs a matrix product of any size on one chip with bounded memory: the host streams A in and C
 * out through a few block slots of host memory while the chip runs, and pushes the instruction
 * stream (compiler/gemm-stream.ts) ahead of the controller in pieces (sim/host-queue.ts), never
 * holding the whole program, A or C. The chip sees exactly the instructions of one long program and
 * never drains in between, so cycles and statistics are those of that program.
 *
 * B wider than weight memory holds is run in panels of its columns: the chip halts after a panel,
 * the host writes the next panel into weight memory, A streams again (the machine's state and
 * cycle count carry on; each panel boundary costs the drain of one HALT).
 *
 * Host slots: A block i goes to slot i mod 2 when its first RHM is queued, once the last RHM of the
 * slot's previous block has completed; C block i is handed to `onRows` when the WHMA of its last
 * output tile has completed, and its slot is reused two blocks later. Two slots never starve the
 * controller: the DMA runs its transfers in order, so by the time the controller reaches block i's
 * transfers, those of block i-2 have completed.
 */
import type { HwConfig } from "../config/hw-config.js";
import { blockRowsOf, planGemm, type GemmPlan } from "../compiler/gemm-plan.js";
import { gemmSteps, type GemmStep } from "../compiler/gemm-stream.js";
import { makeInstruction, type Instruction } from "../isa/opcodes.js";
import { programBound, type BoundTerm, type ProgramBound } from "../compiler/bound.js";
import { boundJson, type BoundJson } from "./program-bound.js";
import { Simulator, DEFAULT_MAX_CYCLES, type SimMode } from "../sim/controller.js";
import { appendInstructions, hasCompleted, queuedCycles } from "../sim/host-queue.js";
import { summarizeHardware, type HardwareSummary } from "../energy/report.js";
import { NULL_SINK, type TraceSink } from "../sim/trace.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { RuntimeFault, UserInputError } from "../errors.js";

const HOST_SLOTS = 2;
/** Keep at least this many cycles of passes queued ahead of the controller (by default). */
const LOOKAHEAD_CYCLES = 200_000;

export interface GemmRunJob {
  hw: HwConfig;
  mode: SimMode;
  m: number;
  k: number;
  n: number;
  /** Writes rows [r0, r0 + rows) of A (K values each, row-major) into `host` from `at`. */
  readA: (r0: number, rows: number, host: Float64Array, at: number) => void;
  /** B, K x N row-major: weight memory's contents. */
  b: Float32Array;
  /**
   * Receives rows [r0, r0 + rows) of C's columns [c0, c0 + cols) (`cols` exact values each) in
   * `host` from `at`, in row order; panel after panel when B is wider than weight memory holds.
   */
  onRows: (r0: number, rows: number, host: Float64Array, at: number, c0: number, cols: number) => void | Promise<void>;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  /** Cycles of passes the host keeps queued (tests make it small to exercise the hand-over). */
  lookaheadCycles?: number;
  /** Called after every run slice with the rows of C delivered so far in the panel ending at column `cEnd`. */
  onProgress?: (rowsDone: number, cEnd: number) => void;
}

export interface GemmRunResult {
  /** The plan of the first panel (every panel but a narrower last one has the same). */
  plan: GemmPlan;
  /** Weight-memory panels of B's columns (1 when B fits weight memory). */
  panels: number;
  stats: HardwareSummary;
  instructions: number;
}

/** Columns of B per weight-memory panel: all of N when B fits, else whole tiles of C columns. */
export function panelColumns(hw: HwConfig, k: number, n: number): number {
  if (k * n <= hw.weightMemoryElements) return n;
  const tiles = Math.floor(hw.weightMemoryElements / (k * hw.cols));
  if (tiles < 1) {
    throw new UserInputError(
      `one ${hw.cols}-column tile of B needs K x ${hw.cols} = ${k * hw.cols} elements but weight memory holds ${hw.weightMemoryElements}; raise weightMemoryBytes (--set weightMemoryBytes=...)`,
      { field: "B" },
    );
  }
  return tiles * hw.cols;
}

export async function runGemm(job: GemmRunJob): Promise<GemmRunResult> {
  const { hw, m, k, n } = job;
  const sim = new Simulator(hw, { mode: job.mode });
  const width = panelColumns(hw, k, n);
  let queued = 0;
  let plan: GemmPlan | null = null;
  for (let c0 = 0; c0 < n; c0 += width) {
    const cols = Math.min(width, n - c0);
    // The host rewrites weight memory between panels, while the chip is halted.
    if (cols === n) sim.dp.wm.set(job.b);
    else for (let r = 0; r < k; r++) sim.dp.wm.set(job.b.subarray(r * n + c0, r * n + c0 + cols), r * cols);
    const panel = await streamPanel(sim, job, c0, cols, queued);
    queued += panel.instructions;
    plan ??= panel.plan;
  }
  return { plan: plan as GemmPlan, panels: Math.ceil(n / width), stats: summarizeHardware(sim.stats, hw), instructions: queued };
}

/** The host slots of one panel's product of M x K by K x N: A blocks and C blocks, two of each. */
function panelLayout(hw: HwConfig, m: number, k: number, n: number) {
  const plan = planGemm({ m, k, n }, hw);
  const slotsA = Math.min(HOST_SLOTS, plan.mBlocks);
  const slotsC = Math.min(HOST_SLOTS, plan.mBlocks);
  const aSlotSize = plan.blockRows * k;
  const cBase = slotsA * aSlotSize;
  const cSlotSize = plan.blockRows * n;
  return { plan, slotsA, slotsC, aSlotSize, cBase, cSlotSize };
}

/** The instructions one panel streams (before its HALT), with the host slots' addresses. */
function panelSteps(hw: HwConfig, m: number, k: number, n: number): Generator<GemmStep> {
  const { plan, slotsA, slotsC, aSlotSize, cBase, cSlotSize } = panelLayout(hw, m, k, n);
  return gemmSteps(plan, hw, {
    hostA: (block) => (block % slotsA) * aSlotSize,
    hostC: (block) => cBase + (block % slotsC) * cSlotSize,
  });
}

/** Programs longer than this get no bound (it holds the whole program; the run streams it). */
const BOUND_MAX_INSTRUCTIONS = 2_000_000;

/**
 * The product's lower bound (docs/BOUND.md): each panel is one program from a drained machine to its
 * HALT, so the run takes at least the sum of the panels' bounds (and of each term). Null when a
 * panel's program is too long to hold.
 */
export function gemmBound(hw: HwConfig, m: number, k: number, n: number): ProgramBound | null {
  const width = panelColumns(hw, k, n);
  const terms = new Map<string, BoundTerm>();
  let cycles = 0;
  for (let c0 = 0; c0 < n; c0 += width) {
    const instructions: Instruction[] = [];
    for (const step of panelSteps(hw, m, k, Math.min(width, n - c0))) {
      if (instructions.length >= BOUND_MAX_INSTRUCTIONS) return null;
      instructions.push(step.ins);
    }
    instructions.push(makeInstruction("HALT"));
    const b = programBound({ instructions, data: [] }, hw);
    cycles += b.cycles;
    for (const t of b.terms) terms.set(t.name, { ...t, cycles: (terms.get(t.name)?.cycles ?? 0) + t.cycles });
  }
  const list = [...terms.values()];
  let binding = list[0];
  for (const t of list) if (t.cycles >= binding.cycles) binding = t;
  return { cycles, binding: binding.name, terms: list };
}

/** The JSON fields a product reports: its lower bound ({ cycles, binding, terms }) and cycles / bound. */
export function gemmBoundJson(hw: HwConfig, m: number, k: number, n: number, cycles: number): Pick<BoundJson, "bound" | "ratio"> | { bound: null; ratio: null } {
  const bound = gemmBound(hw, m, k, n);
  if (bound === null) return { bound: null, ratio: null };
  const { bound: json, ratio } = boundJson({ cycles, bound, ratio: cycles / bound.cycles });
  return { bound: json, ratio };
}

/** One panel of B's columns [c0, c0 + cols): the whole streamed product, ending in HALT. */
async function streamPanel(sim: Simulator, job: GemmRunJob, c0: number, n: number, firstLabel: number): Promise<{ plan: GemmPlan; instructions: number }> {
  const { hw, m, k } = job;
  const { plan, slotsA, slotsC, aSlotSize, cBase, cSlotSize } = panelLayout(hw, m, k, n);
  const steps = panelSteps(hw, m, k, n);
  sim.dp.ensureHost(cBase + slotsC * cSlotSize);
  const sink = job.sink ?? NULL_SINK;
  const maxCycles = job.maxCycles ?? DEFAULT_MAX_CYCLES;
  const lookahead = job.lookaheadCycles ?? LOOKAHEAD_CYCLES;

  // Host state: which block each slot holds, and the label of the instruction that frees it.
  const aBlock = new Array<number>(slotsA).fill(-1);
  const aFreedBy = new Array<number>(slotsA).fill(-1);
  const cDoneBy = new Map<number, number>();
  let nextToDeliver = 0;
  let queued = firstLabel;
  let pending: GemmStep | null = null;
  let exhausted = false;

  /** Instructions handed to the controller so far (those of a batch being built are not yet). */
  let inSim = queued;
  const slotFree = (label: number) => label < 0 || hasCompleted(sim, label, inSim);
  /** Queue steps until enough passes are ahead or a host slot is still in use. */
  const fill = (): void => {
    const batch: Instruction[] = [];
    const first = queued;
    while (!exhausted && queuedCycles(sim) + batchCycles(batch) < lookahead) {
      const next = pending ?? steps.next().value ?? null;
      if (next === null) {
        exhausted = true;
        break;
      }
      pending = next;
      if (next.readsA !== undefined) {
        const s = next.readsA % slotsA;
        if (aBlock[s] !== next.readsA) {
          if (!slotFree(aFreedBy[s])) break;
          const r0 = next.readsA * plan.blockRows;
          job.readA(r0, blockRowsOf(plan, next.readsA), sim.dp.host, s * aSlotSize);
          aBlock[s] = next.readsA;
        }
        if (next.lastReadOfA) aFreedBy[s] = queued;
      }
      if (next.writesC !== undefined) {
        // The slot's previous block must have been handed on.
        if (next.writesC - slotsC >= nextToDeliver) break;
        if (next.completesC) cDoneBy.set(next.writesC, queued);
      }
      batch.push(next.ins);
      queued++;
      pending = null;
    }
    if (batch.length > 0) appendInstructions(sim, batch, first);
    inSim = queued;
  };
  const deliver = async (): Promise<void> => {
    for (;;) {
      const label = cDoneBy.get(nextToDeliver);
      if (label === undefined || !hasCompleted(sim, label, inSim)) return;
      cDoneBy.delete(nextToDeliver);
      const at = cBase + (nextToDeliver % slotsC) * cSlotSize;
      await job.onRows(nextToDeliver * plan.blockRows, blockRowsOf(plan, nextToDeliver), sim.dp.host, at, c0, n);
      nextToDeliver++;
    }
  };

  fill();
  for (;;) {
    const slice = exhausted ? 1_000_000 : Math.max(1, queuedCycles(sim));
    const halted = sim.run({ sink, maxCycles, sliceCycles: slice });
    if (sink.needsFlush) await sink.flush();
    await deliver();
    job.onProgress?.(Math.min(m, nextToDeliver * plan.blockRows), c0 + n);
    if (halted) break;
    if (job.stop?.stopped) throw new StopRequested();
    if (!exhausted) fill();
    if (sim.pc >= sim.ops.length && !sim.halted) {
      throw new RuntimeFault("internal: the host fell behind the controller (no instruction queued)", sim.now, "controller", "");
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { plan, instructions: queued - firstLabel };
}

function batchCycles(batch: readonly Instruction[]): number {
  let cycles = 0;
  for (const ins of batch) if (ins.op === "MMUL") cycles += ins.f.rows;
  return cycles;
}

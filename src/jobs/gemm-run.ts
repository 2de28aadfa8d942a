/**
 * Runs a matrix product of any size on one chip with bounded memory: the host streams A in and C
 * out through a few block slots of host memory while the chip runs, and pushes the instruction
 * stream (compiler/gemm-stream.ts) ahead of the controller in pieces (sim/host-queue.ts), never
 * holding the whole program, A or C. The chip sees exactly the instructions of one long program and
 * never drains in between, so cycles and statistics are those of that program.
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
import type { Instruction } from "../isa/opcodes.js";
import { Simulator, DEFAULT_MAX_CYCLES, type SimMode } from "../sim/controller.js";
import { appendInstructions, hasCompleted, queuedCycles } from "../sim/host-queue.js";
import { summarize, type RunSummary } from "../sim/stats.js";
import { NULL_SINK, type TraceSink } from "../sim/trace.js";
import { StopRequested, type StopFlag } from "./drive.js";
import { RuntimeFault } from "../errors.js";

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
  /** Receives rows [r0, r0 + rows) of C (N exact values each) in `host` from `at`, in row order. */
  onRows: (r0: number, rows: number, host: Float64Array, at: number) => void | Promise<void>;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  /** Cycles of passes the host keeps queued (tests make it small to exercise the hand-over). */
  lookaheadCycles?: number;
  /** Called after every run slice with the rows of C delivered so far. */
  onProgress?: (rowsDone: number) => void;
}

export interface GemmRunResult {
  plan: GemmPlan;
  stats: RunSummary;
  instructions: number;
}

export async function runGemm(job: GemmRunJob): Promise<GemmRunResult> {
  const { hw, m, k, n } = job;
  const plan = planGemm({ m, k, n }, hw);
  const slotsA = Math.min(HOST_SLOTS, plan.mBlocks);
  const slotsC = Math.min(HOST_SLOTS, plan.mBlocks);
  const aSlotSize = plan.blockRows * k;
  const cBase = slotsA * aSlotSize;
  const cSlotSize = plan.blockRows * n;
  const steps = gemmSteps(plan, hw, {
    hostA: (block) => (block % slotsA) * aSlotSize,
    hostC: (block) => cBase + (block % slotsC) * cSlotSize,
  });
  const sim = new Simulator(hw, { mode: job.mode });
  sim.dp.ensureHost(cBase + slotsC * cSlotSize);
  sim.dp.wm.set(job.b);
  const sink = job.sink ?? NULL_SINK;
  const maxCycles = job.maxCycles ?? DEFAULT_MAX_CYCLES;
  const lookahead = job.lookaheadCycles ?? LOOKAHEAD_CYCLES;

  // Host state: which block each slot holds, and the label of the instruction that frees it.
  const aBlock = new Array<number>(slotsA).fill(-1);
  const aFreedBy = new Array<number>(slotsA).fill(-1);
  const cDoneBy = new Map<number, number>();
  let nextToDeliver = 0;
  let queued = 0;
  let pending: GemmStep | null = null;
  let exhausted = false;

  /** Instructions handed to the controller so far (those of a batch being built are not yet). */
  let inSim = 0;
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
      await job.onRows(nextToDeliver * plan.blockRows, blockRowsOf(plan, nextToDeliver), sim.dp.host, at);
      nextToDeliver++;
    }
  };

  fill();
  for (;;) {
    const slice = exhausted ? 1_000_000 : Math.max(1, queuedCycles(sim));
    const halted = sim.run({ sink, maxCycles, sliceCycles: slice });
    if (sink.needsFlush) await sink.flush();
    await deliver();
    job.onProgress?.(Math.min(m, nextToDeliver * plan.blockRows));
    if (halted) break;
    if (job.stop?.stopped) throw new StopRequested();
    if (!exhausted) fill();
    if (sim.pc >= sim.ops.length && !sim.halted) {
      throw new RuntimeFault("internal: the host fell behind the controller (no instruction queued)", sim.now, "controller", "");
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { plan, stats: summarize(sim.stats, hw), instructions: queued };
}

function batchCycles(batch: readonly Instruction[]): number {
  let cycles = 0;
  for (const ins of batch) if (ins.op === "MMUL") cycles += ins.f.rows;
  return cycles;
}

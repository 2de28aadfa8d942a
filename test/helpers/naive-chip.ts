/**
 * An independent naive whole-chip register model (issue 13, item 6), written from docs/ARCHITECTURE.md
 * and docs/ISA.md only: it imports src/isa, src/numerics and src/config, never src/hw or src/sim.
 * Every register is explicit and moved every cycle (test/helpers/naive/array.ts); the DMA, loader
 * and VSGD count bytes; an instruction completes in the cycle its unit commits its last work. No
 * rings, no run-lengths, no completion formulas. Slow on purpose; meant for grids up to 8x8.
 *
 * One cycle t, from the state committed at the end of t-1:
 *   A. the weight shifter starts if the FIFO head is ready and a bank is free;
 *   B. the head instruction issues if its unit is free and its hazards are clear (it sees A);
 *   C. fixed-priority arbitration: matrix, activation, weight loader, vector, DMA (ports whole or
 *      nothing; the loader first on the weight-memory channel, VSGD takes what is left);
 *   D. every unit works from the old state and latches its writes; faults are ranked;
 *   E. the writes land (a fault's cycle too); F. completions, freed FIFO slots, ready banks (none
 *      in a faulting cycle); G. the cycle's counters and record (a faulting cycle is counted, has no
 *      record, and the run stops).
 *
 * Readings of the documents (the first ones the author chose where the doc was silent; the
 * reconciliation with the simulator wrote each into docs/ARCHITECTURE.md, which both sides follow):
 *  1. Shifter start (A) sees the bank states of the start of the cycle, so a bank retired by a
 *     switch issuing in cycle t can take a new tile from t+1 (doc "Weight shift"). Issue (B) sees a
 *     shift started in A, so with R = 1 the bank is ready at s + R - 1 = s.
 *  2. Both banks free (before the first switch): the shift takes bank 0, then bank 1; a switch
 *     activates the bank whose tile became ready first.
 *  3. SYNC and HALT wait for nothing in flight and the weight shifter idle (it is a unit); a tile
 *     waiting in the FIFO for a bank does not hold them (doc "Controller").
 *  4. The cycle HALT issues is charged to `drain`.
 *  5. A blocked head is charged by the first failing condition in this order: its unit free (SYNC /
 *     HALT: machine empty), FIFO slot or tile, accumulator rule, scoreboard (the oldest conflicting
 *     instruction's unit); operand faults are raised when all of these hold (doc "Stall attribution").
 *  6. MMUL waiting for a tile still filling its FIFO slot: `weight_load` ("in the FIFO" = ready).
 *  7. VEC with two sources and one unified-buffer read port: a reading step takes two granted
 *     cycles, source a into an operand latch, then source b with the step's write.
 *  8. "First resource that refused" is taken in the order unifiedBufferRead, unifiedBufferWrite,
 *     accumulatorRead, weightMemory. Only VSGD can be refused twice at once: accumulatorRead.
 *  9. VSGD holds an accumulator read port in every cycle it moves bytes, writes-only cycles too.
 * 10. VEC overlap fault: a source and the destination whose bounding ranges intersect must be the
 *     same block (same address and stride, or one row at the same address).
 * 11. headPc is the head at the start of the cycle, also in the cycle it issues.
 * 12. An operand fault at issue wins over a value fault of the same cycle.
 * 13. VSGD latches an element's master when its 4th byte moves; a block that overlaps itself
 *     (wstride < cols) is therefore timing-dependent. The generator avoids it.
 * 14. A fault's cycle commits its writes (the bad value too) and is counted in the statistics, then
 *     the run stops (doc "Faults"); an operand fault's cycle is not counted (nothing ran in it).
 */
import type { HwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { NaiveArray, type Slot } from "./naive/array.js";
import { NaiveActivation, NaiveVector } from "./naive/compute-units.js";
import { CycleIo, type Memories, type NaiveFault } from "./naive/cycle.js";
import { ACTIVATION, DMA, MATRIX, UNIT_NAMES, VECTOR, WEIGHTS, boundingRange, decodeNaive, type NaiveOp, type Sizes } from "./naive/ops.js";
import { STALL_NAMES, addCounters, emptyNaiveStats, type NaiveCycleRecord, type NaiveStats, type Stall } from "./naive/record.js";
import { NaiveDma, NaiveLoader } from "./naive/transfer-units.js";
import { whyHeadWaits, type Wait } from "./naive/controller.js";
import { arbitrate } from "./naive/arbiter.js";

export type { NaiveCycleRecord, NaiveStats, NaiveFault };

/** New hardware parameters, read with their documented defaults until HwConfig has them. */
export function portCounts(hw: HwConfig): { ubRead: number; ubWrite: number; accRead: number } {
  const h = hw as unknown as Record<string, number | undefined>;
  return { ubRead: h.unifiedBufferReadPorts ?? 2, ubWrite: h.unifiedBufferWritePorts ?? 1, accRead: h.accumulatorReadPorts ?? 2 };
}

export const MAX_HOST_ELEMENTS = 2 ** 28;

interface Bank {
  state: "free" | "shifting" | "ready" | "active";
  /** t0 + B of the last pass that used it. */
  tl: number;
  /** Order in which banks became ready. */
  readyAt: number;
}

/**
 * Test-only: let a timing rule fire this many cycles early, to show that the documented rule is exact
 * (one cycle earlier and the registers give different numbers). All zero in every comparison.
 */
export interface NaiveSlack {
  bankFree: number;
  bankReady: number;
  accRule: number;
}

export interface NaiveResult {
  stats: NaiveStats;
  records: NaiveCycleRecord[];
  fault: NaiveFault | null;
  memories: Memories;
}

export class NaiveChip {
  readonly mem: Memories;
  readonly sizes: Sizes;
  readonly ops: NaiveOp[];
  readonly stats: NaiveStats = emptyNaiveStats();
  readonly records: NaiveCycleRecord[] = [];
  cycle = 0;
  pc = 0;
  halted = false;
  fault: NaiveFault | null = null;
  readonly inflight: { op: NaiveOp; t0: number; done: boolean }[] = [];
  /** Issue and completion cycle of every instruction that issued, by pc (the last run of it). */
  readonly life: { issue: number; complete: number }[] = [];
  readonly fifo: Slot[] = [];
  readonly banks: Bank[] = [0, 1].map(() => ({ state: "free", tl: Number.NEGATIVE_INFINITY, readyAt: 0 }));
  activeBank = -1;
  readonly array: NaiveArray;
  readonly dma = new NaiveDma();
  readonly loader = new NaiveLoader();
  readonly act: NaiveActivation;
  readonly vec: NaiveVector;
  private readonly ports: { ubRead: number; ubWrite: number; accRead: number };
  private readyCount = 0;

  readonly slack: NaiveSlack;

  constructor(
    readonly hw: HwConfig,
    program: Program,
    slack: Partial<NaiveSlack> = {},
  ) {
    this.slack = { bankFree: 0, bankReady: 0, accRule: 0, ...slack };
    const eb = hw.elementBytes;
    this.ports = portCounts(hw);
    this.ops = program.instructions.map((ins, pc) => decodeNaive(ins, pc));
    let host = 0;
    for (const op of this.ops) for (const b of [...op.reads, ...op.writes]) if (b.mem === "host") host = Math.max(host, boundingRange(b)[1]);
    for (const s of program.data) if (s.memory === "host") host = Math.max(host, s.address + s.values.length);
    if (host > MAX_HOST_ELEMENTS) throw new Error(`naive chip: host memory of ${host} elements`);
    this.sizes = {
      ub: Math.floor(hw.unifiedBufferBytes / eb),
      acc: hw.accumulatorRows,
      wm: Math.floor(hw.weightMemoryBytes / (4 + eb)),
      host,
    };
    this.mem = {
      ub: new Float32Array(this.sizes.ub),
      acc: hw.dtype === "int8" ? new Int32Array(hw.accumulatorRows * hw.cols) : new Float32Array(hw.accumulatorRows * hw.cols),
      wm: new Float32Array(this.sizes.wm),
      host: new Float64Array(host),
    };
    for (const s of program.data) {
      const mem = s.memory === "host" ? this.mem.host : this.mem.wm;
      if (s.address + s.values.length > mem.length) throw new Error(`naive chip: ${s.memory} data segment past the end`);
      mem.set(s.values, s.address);
    }
    this.array = new NaiveArray(hw);
    this.act = new NaiveActivation(hw.activationLatency);
    this.vec = new NaiveVector(hw.vectorLanes, hw.vectorLatency, eb, this.ports.ubRead);
  }

  /** Run to HALT, a fault or the watchdog (a fault at cycle maxCycles). */
  run(maxCycles = 1_000_000): NaiveResult {
    while (!this.halted) {
      if (this.cycle >= maxCycles) {
        this.stop({ detail: `watchdog: no HALT within ${maxCycles} cycles`, cycle: this.cycle, unit: "controller", pc: this.pc });
        break;
      }
      this.step();
    }
    return { stats: this.stats, records: this.records, fault: this.fault, memories: this.mem };
  }

  private stop(f: NaiveFault): void {
    this.fault = f;
    this.halted = true;
  }

  /** Bank a switching MMUL takes this cycle: the oldest ready one, or one whose shift ends now. */
  readyBank(): number {
    let best = -1;
    for (let b = 0; b < 2; b++) if (this.banks[b].state === "ready" && (best < 0 || this.banks[b].readyAt < this.banks[best].readyAt)) best = b;
    if (best < 0 && this.array.shift && this.array.shift.k >= this.hw.rows - 1 - this.slack.bankReady) best = this.array.shift.bank;
    return best;
  }

  /** Nothing in flight and the weight shifter idle (SYNC, HALT). */
  empty(): boolean {
    return this.inflight.length === 0 && this.array.shift === null;
  }

  unitBusy(unit: number): boolean {
    return [this.dma.cur, this.loader.cur, this.array.seq, this.act.cur, this.vec.cur][unit] !== null;
  }

  step(): void {
    const t = this.cycle;
    const { hw } = this;
    const C = hw.cols;
    // A. The weight shifter starts on its own.
    const head0 = this.fifo[0];
    if (!this.array.shift && head0?.state === "ready") {
      const bank = [0, 1].find((b) => this.banks[b].state === "free" && t >= this.banks[b].tl + C - 1 - this.slack.bankFree);
      if (bank !== undefined) {
        this.array.shift = { bank, k: 0, slot: head0 };
        head0.state = "shifting";
        this.banks[bank].state = "shifting";
      }
    }

    // B. Issue.
    const headPc = this.pc < this.ops.length ? this.pc : -1;
    const head = headPc >= 0 ? this.ops[headPc] : null;
    let wait: Wait | null = null;
    if (head) {
      wait = whyHeadWaits(this, head, t);
      if (wait?.fault !== undefined) return this.stop({ detail: wait.fault, cycle: t, unit: head.unit >= 0 ? UNIT_NAMES[head.unit] : "control", pc: head.pc });
      if (!wait) this.issue(head, t);
    } else if (this.empty()) {
      return this.stop({ detail: "the program ended without HALT", cycle: t, unit: "control", pc: this.ops.length - 1 });
    }

    // C. Arbitration in the fixed order matrix, activation, loader, vector, DMA.
    const { granted, refused, loaderBytes, vectorBytes } = arbitrate(hw, this.ports, this);

    // D. Every unit works from the old state.
    const io = new CycleIo(t, hw, this.mem);
    const running = [this.dma.cur, this.loader.cur, this.array.seq?.op ?? null, this.act.cur, this.vec.cur];
    const arr = this.array.work(io);
    granted[MATRIX] = arr.streamed;
    const actDone = granted[ACTIVATION] && this.act.work(io);
    const loaderDone = granted[WEIGHTS] && this.loader.work(io, loaderBytes);
    const vecDone = granted[VECTOR] && this.vec.work(io, vectorBytes);
    const dmaDone = granted[DMA] && this.dma.work(io, hw.hostBytesPerCycle);
    // E. The clock edge: the cycle's writes land, a bad value too, and then a fault stops the run.
    io.commit();
    const bad = io.firstFault();

    // F. Completions (none in a faulting cycle: the run stops at its clock edge).
    const finish = (op: NaiveOp) => {
      this.inflight.find((x) => x.op === op)!.done = true;
      this.life[op.pc].complete = t;
    };
    if (!bad) {
      for (const op of arr.passesDone) finish(op);
      if (arr.shiftDone) {
        if (this.fifo.shift() !== arr.shiftDone.slot) throw new Error("naive chip: the shifter read a slot that is not the FIFO head");
        const bank = this.banks[arr.shiftDone.bank];
        if (bank.state === "shifting") {
          bank.state = "ready";
          bank.readyAt = this.readyCount++;
        }
      }
      if (actDone) finish(this.act.cur!), (this.act.cur = null);
      if (loaderDone) finish(this.loader.cur!), (this.loader.cur = null);
      if (vecDone) finish(this.vec.cur!), (this.vec.cur = null);
      if (dmaDone) finish(this.dma.cur!), (this.dma.cur = null);
      for (let i = this.inflight.length - 1; i >= 0; i--) if (this.inflight[i].done) this.inflight.splice(i, 1);
    }

    // G. The record.
    let stall: Stall = "none";
    if (!arr.streamed) {
      if (!head) stall = "drain";
      else if (wait) stall = wait.cause!;
      else stall = issuingCause(head.op);
    }
    const rec: NaiveCycleRecord = {
      cycle: t, pc: [-1, -1, -1, -1, -1], state: [0, 0, 0, 0, 0], stall: STALL_NAMES.indexOf(stall), headPc,
      macs: io.ctr.macs, fifoTiles: this.fifo.length,
      ubReadBytes: io.ctr.ubReadBytes, ubWrittenBytes: io.ctr.ubWrittenBytes, accReadBytes: io.ctr.accReadBytes,
      accWrittenBytes: io.ctr.accWrittenBytes, weightReadBytes: io.ctr.weightReadBytes, weightWrittenBytes: io.ctr.weightWrittenBytes,
      hostReadBytes: io.ctr.hostReadBytes, hostWrittenBytes: io.ctr.hostWrittenBytes,
    };
    for (let u = 0; u < 5; u++) {
      const name = UNIT_NAMES[u];
      if (granted[u]) {
        rec.state[u] = 1;
        rec.pc[u] = running[u]!.pc;
        this.stats.unitBusyCycles[name]++;
      } else if (refused[u]) {
        rec.state[u] = 2;
        rec.pc[u] = running[u]!.pc;
        this.stats.unitStalledCycles[name]++;
        this.stats.resourceStalls[refused[u]!]++;
      } else if (wait && head && head.unit === u) {
        rec.state[u] = 2;
        rec.pc[u] = head.pc;
      }
    }
    addCounters(this.stats, io.ctr);
    if (arr.streamed) this.stats.matrixBusyCycles++;
    else this.stats.stalls[stall as Exclude<Stall, "none">]++;
    this.stats.cycles++;
    // A faulting cycle ran (its writes landed) and is counted, but it has no record: it never completed.
    if (bad) return this.stop(bad);
    this.records.push(rec);
    this.cycle++;
    if (head?.op === "HALT" && !wait) this.halted = true;
  }

  private issue(op: NaiveOp, t: number): void {
    const f = op.f;
    const entry = { op, t0: t, done: false };
    this.inflight.push(entry);
    this.life[op.pc] = { issue: t, complete: -1 };
    this.pc++;
    switch (op.unit) {
      case DMA:
        return this.dma.start(op);
      case WEIGHTS: {
        const slot: Slot = { state: "filling", w: new Float32Array(this.hw.rows * this.hw.cols), rows: f.rows, cols: f.cols };
        this.fifo.push(slot);
        return this.loader.start(op, slot);
      }
      case MATRIX: {
        if (f.switch) {
          const next = this.readyBank();
          if (this.activeBank >= 0) this.banks[this.activeBank].state = "free";
          this.banks[next].state = "active";
          this.activeBank = next;
        }
        this.banks[this.activeBank].tl = t + f.rows;
        this.array.seq = { op, b: 0, bank: this.activeBank };
        return;
      }
      case ACTIVATION:
        return this.act.start(op);
      case VECTOR:
        return this.vec.start(op);
      default: // NOP, SYNC, HALT complete in their issue cycle
        entry.done = true;
        this.life[op.pc].complete = t;
    }
  }
}

function issuingCause(op: string): Stall {
  if (op === "RDW" || op === "RDWU") return "weight_load";
  if (op === "RHM" || op === "WHM" || op === "WHMA") return "host_transfer";
  if (op === "HALT") return "drain";
  return "non_matrix";
}

/**
 * The in-order controller and the run loop (docs/ARCHITECTURE.md "Controller", "Stall attribution",
 * "Fast mode"). One instance is one chip: memories and unit state persist across program runs, and
 * the cycle counter keeps counting.
 *
 * Each cycle t, from the state committed at the end of t-1: (1) the weight shifter may start,
 * (2) the head instruction issues if its unit is free and its hazards are clear, (3) the cycle is
 * charged to the matrix unit or one stall cause, (4) detailed mode clocks the datapath, (5) end-of-
 * cycle events commit (completions, FIFO push/pop). Fast mode runs the same steps but jumps from one
 * event cycle to the next, charging the skipped cycles in bulk: nothing can change between events.
 */
import type { HwConfig } from "../config/hw-config.js";
import { RuntimeFault } from "../errors.js";
import { TpuDatapath } from "../hw/tpu.js";
import type { Program } from "../isa/program.js";
import { decodeOp, type DecodedOp, OP_ACT, OP_HALT, OP_MMUL, OP_NOP, OP_SYNC, UNIT_MATRIX, UNIT_NAMES } from "./decode.js";
import { checkOperands } from "./operand-check.js";
import { countTileShift, executeAtIssue, type IssueContext } from "./issue.js";
import { BankNonzeros } from "./fast.js";
import { emptyStats, type RunStats } from "./stats.js";
import * as T from "./timing.js";
import { STALL, blockReason, classifyCycle, type MachineState } from "./hazards.js";
import { fillTraceRow } from "./trace-fill.js";
import { deadlockReason, nextEventCycle } from "./events.js";
import { PeProbe } from "./pe-probe.js";
import { NULL_SINK, makeTraceRow, type StallCause, type TraceSink } from "./trace.js";
import { describeInstruction } from "./describe.js";

export type SimMode = "fast" | "detailed";

export interface SimulatorOptions {
  mode: SimMode;
  /** Evaluate order of the datapath's units (tests permute it). */
  evaluateOrder?: readonly number[];
}

export interface RunOptions {
  /** Watchdog: the run faults when the machine's cycle counter passes this. */
  maxCycles?: number;
  sink?: TraceSink;
  /** Return after this many cycles even if not halted (for flushing trace sinks between slices). */
  sliceCycles?: number;
}

export const DEFAULT_MAX_CYCLES = 2_000_000_000_000;

/** Host memory grows to what a program touches, up to 2 GiB of float64. */
export const MAX_HOST_ELEMENTS = 2 ** 28;

export interface PreparedProgram {
  readonly ops: DecodedOp[];
  readonly data: Program["data"];
  readonly hostNeeded: number;
}

export interface InFlight {
  readonly op: DecodedOp;
  readonly t0: number;
  readonly tc: number;
  /** MMUL: vectors, tile extent, bank tag. */
  readonly vectors: number;
  readonly tileRows: number;
  readonly tileCols: number;
}

export class Simulator implements MachineState {
  readonly dp: TpuDatapath;
  readonly stats: RunStats = emptyStats();
  /** Next cycle to simulate. */
  now = 0;
  ops: DecodedOp[] = [];
  pc = 0;
  halted = true;
  inflight: InFlight[] = [];
  unitBusy = new Uint8Array(UNIT_NAMES.length);
  /** Matrix unit: free for the next pass from this cycle; the streaming pass. */
  mmFreeAt = 0;
  streamT0 = -1;
  stream: InFlight | null = null;
  /** Weight banks: 0 free, 1 loaded (shifting until readyAt, then ready), 2 active. */
  bankState = new Int32Array(2);
  bankReadyAt = new Float64Array(2);
  bankLastUse = new Float64Array([-1e15, -1e15]);
  bankSeq = new Float64Array(2);
  bankRows = new Int32Array(2);
  bankCols = new Int32Array(2);
  activeBank = -1;
  shifterBusyUntil = -1;
  private shiftSeq = 0;
  fifoReserved = 0;
  blockerUnit = -1;
  private readonly ctx: IssueContext;
  private readonly row = makeTraceRow();
  private readonly peProbe: PeProbe;

  constructor(
    readonly hw: HwConfig,
    readonly options: SimulatorOptions = { mode: "fast" },
  ) {
    this.dp = new TpuDatapath(hw, options.evaluateOrder);
    this.peProbe = new PeProbe(this.dp);
    this.ctx = {
      hw,
      dp: this.dp,
      detailed: options.mode === "detailed",
      stats: this.stats,
      f32: new Float32Array(hw.cols),
      f64: new Float64Array(hw.cols),
      transpose: new Float32Array(0),
      nonzeros: new BankNonzeros(hw.rows, hw.cols),
    };
  }

  get mode(): SimMode {
    return this.options.mode;
  }

  /** Load a program: data segments go to host/weight memory; host memory grows to what it touches. */
  load(program: Program): void {
    this.start(this.prepare(program));
  }

  /** Decode once, start many times (a training loop runs the same step program every batch). */
  prepare(program: Program): PreparedProgram {
    const ops = program.instructions.map((ins, pc) => decodeOp(ins, pc));
    let hostNeeded = 0;
    for (const op of ops) for (const a of op.accesses) if (a.mem === 3) hostNeeded = Math.max(hostNeeded, a.hi);
    for (const seg of program.data) if (seg.memory === "host") hostNeeded = Math.max(hostNeeded, seg.address + seg.values.length);
    return { ops, data: program.data, hostNeeded };
  }

  /** Apply a prepared program's data segments and start it at pc 0 from the current cycle. */
  start(p: PreparedProgram): void {
    this.ops = p.ops;
    for (const seg of p.data) {
      const end = seg.address + seg.values.length;
      if (seg.memory === "weights" && end > this.dp.wm.length) {
        throw new RuntimeFault(`weight memory data segment ends at ${end}, beyond ${this.dp.wm.length}`, this.now, "loader", "");
      }
    }
    try {
      if (p.hostNeeded > MAX_HOST_ELEMENTS) throw new RangeError("host memory limit");
      this.dp.ensureHost(p.hostNeeded);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const op = p.ops.find((o) => o.accesses.some((a) => a.mem === 3 && a.hi === p.hostNeeded));
      throw new RuntimeFault(
        `the program touches host memory up to element ${p.hostNeeded}, beyond the ${MAX_HOST_ELEMENTS}-element (2 GiB) host memory`,
        this.now, "loader", op ? describeInstruction(op) : "",
      );
    }
    for (const seg of p.data) (seg.memory === "host" ? this.dp.host : this.dp.wm).set(seg.values, seg.address);
    if (this.ops.length === 0) {
      throw new RuntimeFault("the program has no instructions (it needs at least HALT)", this.now, "loader", "");
    }
    this.pc = 0;
    this.halted = false;
  }

  /** Run until HALT (true) or until a slice ends (false). Throws RuntimeFault on faults. */
  run(opts: RunOptions = {}): boolean {
    const sink = opts.sink ?? NULL_SINK;
    const maxCycles = opts.maxCycles ?? DEFAULT_MAX_CYCLES;
    const sliceEnd = opts.sliceCycles !== undefined ? this.now + opts.sliceCycles : Number.POSITIVE_INFINITY;
    const detailed = this.options.mode === "detailed";
    let t = this.now;
    while (!this.halted) {
      if (t >= maxCycles) {
        throw new RuntimeFault(`watchdog: the program did not halt within ${maxCycles} cycles (--max-cycles)`, t, "controller", this.headText());
      }
      if (t >= sliceEnd) break;
      const changed = this.stepCycle(t, sink);
      if (this.halted) {
        t++;
        break;
      }
      let next = t + 1;
      if (detailed || (next >= sink.from && next <= sink.to)) {
        // Stepping every cycle: still detect a machine that can never move again (deadlock).
        if (!changed && this.inflight.length === 0) this.nextEvent(t, changed, t + 1);
      } else {
        const limit = Math.min(maxCycles, sliceEnd, sink.from > t ? sink.from : Number.POSITIVE_INFINITY);
        next = this.nextEvent(t, changed, limit);
        if (next > t + 1) this.chargeSkipped(t + 1, next);
      }
      t = next;
    }
    this.stats.cycles += t - this.now;
    this.now = t;
    return this.halted;
  }

  private headText(): string {
    return this.pc < this.ops.length ? describeInstruction(this.ops[this.pc]) : "";
  }

  private fault(detail: string, t: number, op: DecodedOp): never {
    throw new RuntimeFault(detail, t, UNIT_NAMES[op.unit], describeInstruction(op));
  }

  /** One cycle; returns whether any state changed. */
  private stepCycle(t: number, sink: TraceSink): boolean {
    let changed = this.maybeStartShift(t);
    const head = this.pc < this.ops.length ? this.ops[this.pc] : null;
    const reason = head ? blockReason(this, head, t) : STALL.drain;
    if (head && reason === STALL.none) {
      this.issue(head, t);
      changed = true;
    }
    const cause = classifyCycle(this, t, head, reason);
    this.charge(cause, 1);
    const tracing = t >= sink.from && t <= sink.to && (t - sink.from) % sink.every === 0;
    if (this.options.mode === "detailed") this.clockDatapath(t, sink, tracing);
    if (tracing) {
      fillTraceRow(this, this.row, t, head, reason, cause, this.options.mode === "detailed" ? this.dp.array.macs : -1);
    }
    if (this.completeAt(t, sink)) changed = true;
    this.dp.fifo.commit();
    if (tracing) {
      this.row.fifoTiles = this.dp.fifo.occupancy;
      sink.cycle(this.row);
    }
    if (head && head.code === OP_HALT && reason === STALL.none) this.halted = true;
    return changed;
  }

  private clockDatapath(t: number, sink: TraceSink, tracing: boolean): void {
    const dp = this.dp;
    const s = this.stream;
    if (s !== null && t < this.streamT0 + s.vectors) {
      const b = t - this.streamT0;
      dp.streamValid = true;
      dp.streamAddr = s.op.f.ub + b * s.op.f.ustride;
      dp.streamCols = s.op.f.cols;
      dp.streamTag = this.activeBank + 1;
      dp.streamAccRow = s.op.f.acc + b;
      dp.streamAccumulate = s.op.f.accumulate === 1;
      dp.streamPass = s.op.pc;
      dp.streamLast = b === s.vectors - 1;
    } else dp.streamValid = false;
    const pe = tracing && sink.wantsPe;
    dp.evaluate(t, pe ? () => this.peProbe.capture(t, sink) : undefined);
    if (pe) this.peProbe.emit(t, sink);
    dp.commit(t);
    this.stats.macs += dp.array.macs;
    if (dp.acc.faultRow >= 0) {
      // The pass whose result (row, column) is due now: passes in flight overlap in the array.
      const { faultRow, faultCol } = dp.acc;
      const p = this.inflight.find((x) => x.op.code === OP_MMUL && T.resultWriteCycle(this.hw, x.t0, faultRow - x.op.f.acc, faultCol) === t);
      throw new RuntimeFault(`non-finite value written to accumulator row ${dp.acc.faultRow}, column ${dp.acc.faultCol}`, t, "matrix", p ? describeInstruction(p.op) : "");
    }
    if (dp.activation.faultIndex >= 0) {
      const act = this.inflight.find((x) => x.op.code === OP_ACT);
      throw new RuntimeFault(`non-finite value written to unified buffer address ${dp.activation.faultIndex}`, t, "activation", act ? describeInstruction(act.op) : "");
    }
  }

  /** The shifter starts on its own when a tile waits and a bank is free (ARCHITECTURE "Weight shift"). */
  private maybeStartShift(t: number): boolean {
    if (this.shifterBusyUntil >= t || this.dp.fifo.occupancy === 0) return false;
    const bank = this.shiftTargetBank(t);
    if (bank < 0) return false;
    const fifo = this.dp.fifo;
    const slot = fifo.headSlot;
    const rows = fifo.tileRows[slot];
    const cols = fifo.tileCols[slot];
    if (this.options.mode === "detailed") this.dp.array.startShift(bank, fifo.tiles, fifo.slotOffset(slot), rows, cols);
    else {
      this.dp.array.loadBankDirect(bank, fifo.tiles, fifo.slotOffset(slot), rows, cols);
      this.ctx.nonzeros.build(bank, fifo.tiles, fifo.slotOffset(slot), rows, cols);
    }
    fifo.stagePop();
    countTileShift(this.stats, this.hw);
    this.bankState[bank] = 1;
    this.bankReadyAt[bank] = t + T.weightShiftCycles(this.hw);
    this.bankSeq[bank] = ++this.shiftSeq;
    this.bankRows[bank] = rows;
    this.bankCols[bank] = cols;
    this.shifterBusyUntil = t + T.weightShiftCycles(this.hw) - 1;
    return true;
  }

  /** A free bank whose last user has cleared the array far enough, or -1. */
  shiftTargetBank(t: number): number {
    for (let b = 0; b < 2; b++) {
      if (this.bankState[b] === 0 && t >= T.bankFreeAt(this.hw, this.bankLastUse[b])) return b;
    }
    return -1;
  }

  /** Loaded bank with the oldest tile (FIFO order), or -1. */
  oldestLoadedBank(): number {
    let best = -1;
    for (let b = 0; b < 2; b++) {
      if (this.bankState[b] === 1 && (best < 0 || this.bankSeq[b] < this.bankSeq[best])) best = b;
    }
    return best;
  }

  private issue(op: DecodedOp, t: number): void {
    const problem = checkOperands(op, this.hw, this.dp.host.length);
    if (problem !== null) this.fault(problem, t, op);
    this.stats.instructions++;
    if (op.code === OP_NOP || op.code === OP_HALT || op.code === OP_SYNC) {
      this.pc++;
      return;
    }
    let tileRows = 0;
    let tileCols = 0;
    let vectors = 0;
    if (op.code === OP_MMUL) {
      if (op.f.switch) {
        const b = this.oldestLoadedBank();
        if (this.activeBank >= 0) this.bankState[this.activeBank] = 0;
        this.activeBank = b;
        this.bankState[b] = 2;
      } else if (this.activeBank < 0) this.fault("no active weight tile: the first MMUL needs `switch`", t, op);
      vectors = op.f.rows;
      tileRows = this.bankRows[this.activeBank];
      tileCols = this.bankCols[this.activeBank];
      this.bankLastUse[this.activeBank] = t + vectors;
      this.mmFreeAt = t + vectors;
    }
    const tc = executeAtIssue(this.ctx, op, t, this.activeBank, tileRows, tileCols, (d) => this.fault(d, t, op));
    const entry: InFlight = { op, t0: t, tc, vectors, tileRows, tileCols };
    if (op.code === OP_MMUL) {
      this.stream = entry;
      this.streamT0 = t;
    } else this.unitBusy[op.unit] = 1;
    if (op.code === 5 || op.code === 6) this.fifoReserved++;
    this.inflight.push(entry);
    this.pc++;
  }

  /** End-of-cycle completions; returns whether any happened. */
  private completeAt(t: number, sink: TraceSink): boolean {
    let any = false;
    for (let i = 0; i < this.inflight.length; i++) {
      const e = this.inflight[i];
      if (e.tc !== t) continue;
      any = true;
      this.inflight.splice(i--, 1);
      const op = e.op;
      if (op.unit !== UNIT_MATRIX) this.unitBusy[op.unit] = 0;
      if (op.code === 5 || op.code === 6) {
        this.dp.fifo.stagePush(op.f.rows, op.f.cols);
        this.fifoReserved--;
      }
      if (this.options.mode === "detailed") this.checkDetailedTiming(e, t);
      if (sink !== NULL_SINK) sink.instruction(UNIT_NAMES[op.unit] as never, op.pc, describeInstruction(op), e.t0, e.tc);
    }
    return any;
  }

  /** The detailed datapath must finish exactly when the timing rules say. */
  private checkDetailedTiming(e: InFlight, t: number): void {
    if (e.op.code === OP_MMUL) {
      const acc = this.dp.acc;
      if (acc.completedPass !== e.op.pc || acc.completedCycle !== t) {
        this.fault(`timing rule says the pass completes at ${t} but the array's last write was pass ${acc.completedPass} at ${acc.completedCycle}`, t, e.op);
      }
    } else if (e.op.code === 8 && this.dp.activation.lastWriteCycle !== t) {
      this.fault(`timing rule says activation completes at ${t}, datapath wrote last at ${this.dp.activation.lastWriteCycle}`, t, e.op);
    }
  }

  /** Earliest cycle after t at which anything can change (fast mode); faults on a deadlock. */
  private nextEvent(t: number, changed: boolean, limit: number): number {
    if (changed) return t + 1;
    const head = this.pc < this.ops.length ? this.ops[this.pc] : null;
    const next = nextEventCycle(this, t, head);
    if (next === Number.POSITIVE_INFINITY) this.fault(deadlockReason(head), t, head ?? this.ops[this.ops.length - 1]);
    return Math.min(next, Math.max(limit, t + 1));
  }

  /** Charge cycles [from, to) in which nothing changes to the cause seen at `from`. */
  private chargeSkipped(from: number, to: number): void {
    const head = this.pc < this.ops.length ? this.ops[this.pc] : null;
    const reason = head ? blockReason(this, head, from) : STALL.drain;
    this.charge(classifyCycle(this, from, head, reason), to - from);
  }

  private charge(cause: StallCause, cycles: number): void {
    if (cause === "none") this.stats.matrixBusyCycles += cycles;
    else this.stats.stalls[cause] += cycles;
  }
}

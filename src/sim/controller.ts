/**
 * The in-order controller and the run loop (docs/ARCHITECTURE.md "Controller", "Stall attribution",
 * "Fast mode"). One instance is one chip: memories and unit state persist across program runs, and
 * the cycle counter keeps counting.
 *
 * Each cycle t, from the state committed at the end of t-1: (1) the weight shifter may start,
 * (2) the head instruction issues if its unit is free and its hazards are clear, (3) the cycle is
 * charged to the matrix unit or one stall cause, (4) the units work: detailed mode clocks the
 * datapath, fast mode advances its predicted units (fast-step.ts), (5) faults, completions and
 * FIFO changes take effect. Fast mode jumps from one event cycle to the next, charging the cycles
 * between in bulk: nothing can change between events.
 */
import type { HwConfig } from "../config/hw-config.js";
import { RuntimeFault } from "../errors.js";
import { COUNTER_COUNT, CycleActivity, U_ACTIVATION, U_DMA, U_VECTOR, U_WEIGHTS } from "../hw/activity.js";
import { TpuDatapath, type StreamPass } from "../hw/tpu.js";
import { SLOT_READY } from "../hw/weight-fifo.js";
import type { Program } from "../isa/program.js";
import { type DecodedOp, OP_HALT, OP_MMUL, OP_NOP, OP_RDW, OP_RDWU, OP_SYNC, UNIT_MATRIX, UNIT_NAMES } from "./decode.js";
import { checkOperands } from "./operand-check.js";
import { applyProgram, prepareProgram, type PreparedProgram } from "./load.js";

export { MAX_HOST_ELEMENTS, type PreparedProgram } from "./load.js";
import { issueToUnit, type IssueContext } from "./issue.js";
import { BankNonzeros } from "./fast.js";
import { FastUnits } from "./fast-units.js";
import { fastActivityAt, futureCounts, matrixCountsIn, passTotals, shiftTotals } from "./fast-step.js";
import { addStats, emptyStats, UnitTotals, type RunStats } from "./stats.js";
import { passCompleteCycle } from "./timing.js";
import { STALL, bankFreeAt, blockReason, classifyCycle, type MachineState } from "./hazards.js";
import { fillTraceRow } from "./trace-fill.js";
import { nextEvent, skip } from "./events.js";
import { skipTraced } from "./trace-runs.js";
import { ValueFault, checkFaults } from "./faults.js";
import { PeProbe } from "./pe-probe.js";
import { NULL_SINK, makeTraceRow, type StallCause, type TraceSink } from "./trace.js";
import { describeInstruction } from "./describe.js";
import {
  beginRecording, captureTimingInto, configKey, EV_ISSUE, EV_SHIFT, finishRecording, isIdle, ReplayMemo, replayData,
  restoreTiming, type RecordingStart, type ReplayFault,
} from "./replay.js";
import { startFastUnit } from "./issue.js";

export type SimMode = "fast" | "detailed";

export interface SimulatorOptions {
  mode: SimMode;
  /** Evaluate order of the datapath's units (tests permute it). */
  evaluateOrder?: readonly number[];
  /**
   * Fast mode: replay recorded runs of a program (sim/replay.ts). Default: a memo of this chip's own;
   * `false` simulates every run; a shared memo serves several chips.
   */
  replay?: ReplayMemo | false;
}

export interface RunOptions {
  /** Watchdog: the run faults when the machine's cycle counter passes this. */
  maxCycles?: number;
  sink?: TraceSink;
  /** Return after this many cycles even if not halted (for flushing trace sinks between slices). */
  sliceCycles?: number;
}

export const DEFAULT_MAX_CYCLES = 2_000_000_000_000;

export interface InFlight {
  readonly op: DecodedOp;
  readonly t0: number;
  /** Fast-mode MMUL: its predicted completion (the last result write); -1 otherwise. */
  tc: number;
  /** MMUL: vectors and the tile's extent. */
  readonly vectors: number;
  readonly tileRows: number;
  readonly tileCols: number;
  /** RDW/RDWU: the FIFO slot it fills. */
  readonly slot: number;
  /** Fast-mode MMUL: the cycle its first non-finite result is written, and where (-1: none). */
  faultCycle: number;
  faultRow: number;
  faultCol: number;
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
  /** The instruction each non-matrix unit holds (by unit index). */
  readonly unitOp: (InFlight | null)[] = [null, null, null, null, null];
  unitBusy = new Uint8Array(UNIT_NAMES.length);
  /** Matrix unit: free for the next pass from this cycle; the streaming pass. */
  mmFreeAt = 0;
  streamT0 = -1;
  stream: InFlight | null = null;
  /** Weight banks: 0 free, 1 loaded (shifting until readyAt, then ready), 2 active. */
  bankState = new Int32Array(2);
  bankReadyAt = new Float64Array(2);
  /** tl of each bank: one past the cycle its last vector was read. */
  bankLastUse = new Float64Array([-1e15, -1e15]);
  bankSeq = new Float64Array(2);
  bankRows = new Int32Array(2);
  bankCols = new Int32Array(2);
  activeBank = -1;
  /** The current or last shift: first and last step. */
  shiftStart = -1e15;
  shiftEnd = -1e15;
  /** Shifts started so far (orders the banks' tiles). */
  shiftSeq = 0;
  /** See MachineState: a state counter and the cached block reason of the head. */
  epoch = 0;
  reasonPc = -1;
  reasonCycle = -1;
  reasonEpoch = -1;
  reason = 0;
  /** Fast mode: passes in flight holding a fault (fast path for the per-cycle check). */
  heldPassFaults = 0;
  /**
   * Detailed mode: while the epoch is quietEpoch and the cycle is before quietUntil, the shifter
   * cannot start, the head cannot issue and its block reason and the cycle's cause stay as cached
   * (docs/ARCHITECTURE.md "Controller": they change only at events or at the times bounded here).
   */
  private quietEpoch = -1;
  private quietUntil = -1;
  private quietHead: DecodedOp | null = null;
  private quietReason = 0;
  private quietCause: StallCause = "none";
  private readonly burstPass: StreamPass = { t0: 0, vectors: 0, ub: 0, ustride: 0, cols: 0, tag: 0, acc: 0, accumulate: false, pc: 0 };
  /** Fast mode: the cycle the units' current grants were computed for (reused when nothing issued since). */
  fastGrantsCycle = -1;
  readonly detailed: boolean;
  readonly fast: FastUnits;
  readonly fastActivity = new CycleActivity();
  readonly totals = new UnitTotals();
  private readonly future = new Float64Array(COUNTER_COUNT);
  private readonly ctx: IssueContext;
  /** The trace row the core fills and hands to the sink (trace-runs.ts fills it too). */
  readonly row = makeTraceRow();
  /** Fast mode's replay (sim/replay.ts): the memo, this machine's key, the program start() began. */
  readonly replay: ReplayMemo | null;
  private readonly config: string;
  private started: PreparedProgram | null = null;
  /** While a run is recorded: its issue and shift events (EV_*). */
  recording: number[] | null = null;
  /**
   * After a replay whose data raised a fault, the run is simulated in full: the first `dataDone`
   * issue and shift events already moved their data, and the last of them holds `doneFault`.
   */
  dataDone = 0;
  private doneFault: ReplayFault | null = null;
  private readonly timingScratch: number[] = [];
  private readonly peProbe: PeProbe;

  constructor(
    readonly hw: HwConfig,
    readonly options: SimulatorOptions = { mode: "fast" },
  ) {
    this.dp = new TpuDatapath(hw, options.evaluateOrder);
    this.detailed = options.mode === "detailed";
    this.fast = new FastUnits(hw);
    this.peProbe = new PeProbe(this.dp);
    this.replay = this.detailed || options.replay === false ? null : (options.replay ?? new ReplayMemo());
    this.config = configKey(hw);
    const ub = this.dp.ub;
    const tiles = this.dp.fifo.tiles;
    this.ctx = {
      hw,
      dp: this.dp,
      detailed: this.detailed,
      fast: this.fast,
      f32: new Float32Array(hw.cols),
      f64: new Float64Array(hw.cols),
      ubBits: new Uint32Array(ub.buffer, ub.byteOffset, ub.length),
      tileBits: new Uint32Array(tiles.buffer, tiles.byteOffset, tiles.length),
      scratch: new Float32Array(0),
      softmaxOut: new Float64Array(0),
      nonzeros: new BankNonzeros(hw.rows, hw.cols),
    };
  }

  get issueContext(): IssueContext {
    return this.ctx;
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
    return prepareProgram(program);
  }

  /** Apply a prepared program's data segments and start it at pc 0 from the current cycle. */
  start(p: PreparedProgram): void {
    applyProgram(this.dp, p, this.now);
    this.epoch++;
    this.ops = p.ops;
    this.pc = 0;
    this.halted = false;
    this.started = p;
  }

  /** Run until HALT (true) or until a slice ends (false). Throws RuntimeFault on faults. */
  run(opts: RunOptions = {}): boolean {
    const sink = opts.sink ?? NULL_SINK;
    const maxCycles = opts.maxCycles ?? DEFAULT_MAX_CYCLES;
    const sliced = opts.sliceCycles !== undefined && sink !== NULL_SINK;
    const sliceEnd = opts.sliceCycles !== undefined ? this.now + opts.sliceCycles : Number.POSITIVE_INFINITY;
    const started = this.started;
    this.started = null;
    this.recording = null;
    this.dataDone = 0;
    this.doneFault = null;
    let record: RecordingStart | null = null;
    if (started !== null && this.replay !== null && sink === NULL_SINK && opts.sliceCycles === undefined && this.ops === started.ops && this.pc === 0) {
      const r = this.replayRun(this.replay, maxCycles);
      if (r === true) return true;
      record = r;
    }
    let t = this.now;
    try {
      while (!this.halted) {
        if (t >= maxCycles) {
          throw new RuntimeFault(`watchdog: the program did not halt within ${maxCycles} cycles (--max-cycles)`, t, "controller", this.headText());
        }
        if (t >= sliceEnd) break;
        // A sliced run also returns when the sink's stream is full, so the caller can await its
        // drain before more rows pile up in memory (detailed mode, stepping every cycle, looks
        // every 1024 cycles; fast mode between events: a field read either way).
        if (sliced && sink.needsFlush && t > this.now && (!this.detailed || (t & 1023) === 0)) break;
        const changed = this.stepCycle(t, sink);
        if (this.halted) {
          t++;
          break;
        }
        let next = t + 1;
        if (this.detailed) {
          // Stepping every cycle: still detect a machine that can never move again (deadlock).
          if (!changed && this.inflight.length === 0) nextEvent(this, t, changed, t + 1);
          next = this.matrixBurst(next, Math.min(maxCycles, sliceEnd), sink);
        } else if (next >= sink.from && next <= sink.to) {
          // Inside the trace window: the same jumps, one trace row per stretch of identical rows.
          const limit = Math.min(maxCycles, sliceEnd, sink.to + 1);
          next = nextEvent(this, t, changed, limit);
          if (next > t + 1) next = skipTraced(this, t + 1, next, limit, sink, sliced);
        } else {
          const limit = Math.min(maxCycles, sliceEnd, sink.from > t ? sink.from : Number.POSITIVE_INFINITY);
          next = nextEvent(this, t, changed, limit);
          if (next > t + 1) next = skip(this, t + 1, next, limit, sink);
        }
        t = next;
      }
    } catch (e) {
      // A fault ends the run's counting where detailed mode stops: after the faulting cycle's work
      // for a bad value, before the cycle otherwise (an operand fault, a deadlock, the watchdog).
      // `t` may still be the start of an interval fast mode was jumping through.
      if (e instanceof RuntimeFault) t = e instanceof ValueFault ? e.cycle + 1 : e.cycle;
      throw e;
    } finally {
      // Fast mode counted passes and shifts whole when they started; what is still ahead stays behind.
      if (!this.detailed) futureCounts(this, t, this.future);
      this.totals.flushInto(this.stats, this.detailed ? null : this.future);
      this.stats.cycles += t - this.now;
    }
    this.now = t;
    if (record !== null && this.replay !== null) finishRecording(this, this.replay, this.config, record);
    return this.halted;
  }

  /**
   * A fresh run of a prepared program in fast mode: replay it when this program ran from this state
   * before (true), or start recording it (null: the run is simulated without recording).
   */
  private replayRun(memo: ReplayMemo, maxCycles: number): RecordingStart | true | null {
    if (!isIdle(this, this.now)) return null;
    const start = captureTimingInto(this, this.now, this.timingScratch);
    const e = memo.find(this.ops, this.config, start);
    if (e === null) return beginRecording(this, start);
    // The watchdog would stop the simulated run: let it.
    if (this.now + e.cycles >= maxCycles) return null;
    const fault = replayData(this, e);
    if (fault !== null) {
      // Undo the units' starts and simulate; the data already moved are not moved again.
      restoreTiming(this, start, this.now, this.shiftSeq);
      memo.faulted++;
      this.dataDone = fault.events;
      this.doneFault = fault.fault;
      return null;
    }
    memo.hits++;
    const end = this.now + e.cycles;
    restoreTiming(this, e.end, end, this.shiftSeq + e.shifts);
    addStats(this.stats, e.stats);
    this.pc = e.endPc;
    this.halted = true;
    this.epoch++;
    this.now = end;
    return true;
  }

  /** Issue of an instruction whose data a replay already moved: the unit's start and any fault it held. */
  private issueDone(op: DecodedOp): number {
    startFastUnit(this.fast, op);
    if (--this.dataDone > 0 || this.doneFault === null) return -1;
    const f = this.doneFault;
    this.doneFault = null;
    if (f.unit >= 0) {
      this.fast.faultAt[f.unit] = f.faultAt;
      this.fast.faultText[f.unit] = f.text;
      this.fast.heldFaults++;
    }
    return f.passBad;
  }

  private headText(): string {
    return this.pc < this.ops.length ? describeInstruction(this.ops[this.pc]) : "";
  }

  private fault(detail: string, t: number, op: DecodedOp): never {
    throw new RuntimeFault(detail, t, UNIT_NAMES[op.unit], describeInstruction(op));
  }

  /** One cycle; returns whether the controller's state changed (an issue or a completion). */
  private stepCycle(t: number, sink: TraceSink): boolean {
    let changed: boolean;
    let head: DecodedOp | null;
    let reason: number;
    let cause: StallCause;
    if (this.epoch === this.quietEpoch && t < this.quietUntil) {
      changed = false;
      head = this.quietHead;
      reason = this.quietReason;
      cause = this.quietCause;
    } else {
      changed = this.maybeStartShift(t);
      head = this.pc < this.ops.length ? this.ops[this.pc] : null;
      reason = head ? blockReason(this, head, t) : STALL.drain;
      if (head && reason === STALL.none) {
        this.issue(head, t);
        changed = true;
      }
      cause = classifyCycle(this, t, head, reason);
      if (this.detailed && !changed) this.holdQuiet(t, head, reason, cause);
    }
    this.charge(cause, 1);
    const tracing = t >= sink.from && t <= sink.to && (t - sink.from) % sink.every === 0;
    let act: CycleActivity;
    if (this.detailed) {
      this.clockDatapath(t, sink, tracing);
      act = this.dp.activity;
      this.totals.add(act, 1);
    } else {
      act = this.fastActivity;
      // skip() may have arbitrated this very cycle already; an issue or a shift start changes requests.
      fastActivityAt(this, t, 1, changed || this.fastGrantsCycle !== t, tracing);
      if (tracing) this.totals.add(act, 1);
    }
    if (tracing) {
      if (!this.detailed) matrixCountsIn(this, t, t + 1, act.counts);
      fillTraceRow(this, this.row, t, head, reason, cause, act);
    }
    checkFaults(this, t);
    if (this.completeAt(t, sink)) changed = true;
    const fifo = this.dp.fifo;
    if (t === this.shiftEnd) {
      // The shifted tile's slot is free from the next cycle: a load waiting for it may issue.
      changed = true;
      this.epoch++;
      if (!this.detailed) fifo.stageFreeHead();
    }
    if (!this.detailed) fifo.commit();
    if (tracing) {
      this.row.fifoTiles = fifo.occupancy;
      sink.cycle(this.row, 1);
    }
    if (head && head.code === OP_HALT && reason === STALL.none) this.halted = true;
    return changed;
  }

  /**
   * Nothing issued or started at t: until when do the shift start, the head's block reason and the
   * cycle's cause stay the same while no event changes the epoch? Only the times below move them.
   */
  private holdQuiet(t: number, head: DecodedOp | null, reason: number, cause: StallCause): void {
    let until = Number.POSITIVE_INFINITY;
    if (t < this.mmFreeAt) until = this.mmFreeAt;
    if (head !== null && head.code === OP_MMUL && reason !== STALL.matrixBusy) until = t + 1;
    const fifo = this.dp.fifo;
    if (fifo.headState === SLOT_READY && !this.dp.array.shifting) {
      for (let b = 0; b < 2; b++) {
        const free = this.bankFreeCycle(this.bankLastUse[b]);
        if (this.bankState[b] === 0 && free > t && free < until) until = free;
      }
    }
    if (until <= t + 1) return;
    this.quietEpoch = this.epoch;
    this.quietUntil = until;
    this.quietHead = head;
    this.quietReason = reason;
    this.quietCause = cause;
  }

  /**
   * Detailed mode: from cycle t, while the controller is quiet (holdQuiet) and only the matrix unit
   * works, clock the datapath in a tight loop (TpuDatapath.clockMatrixOnly) up to `limit` or the
   * trace window, then do the end of the last cycle as stepCycle would (faults, completions).
   * Every skipped stepCycle would have charged the same cause and issued nothing. Returns the next
   * cycle to step (t when no such cycle was clocked).
   */
  private matrixBurst(t: number, limit: number, sink: TraceSink): number {
    if (this.epoch !== this.quietEpoch || t >= this.quietUntil || !this.dp.matrixOnly) return t;
    let end = Math.min(this.quietUntil, limit);
    if (sink !== NULL_SINK) {
      if (t >= sink.from && t <= sink.to) return t;
      if (sink.from > t && sink.from < end) end = sink.from;
    }
    if (end <= t) return t;
    const s = this.stream;
    let pass: StreamPass | null = null;
    if (s !== null && t < this.streamT0 + s.vectors) {
      pass = this.burstPass;
      const f = s.op.f;
      pass.t0 = this.streamT0;
      pass.vectors = s.vectors;
      pass.ub = f.ub;
      pass.ustride = f.ustride;
      pass.cols = f.cols;
      pass.tag = this.activeBank + 1;
      pass.acc = f.acc;
      pass.accumulate = f.accumulate === 1;
      pass.pc = s.op.pc;
    }
    // At most 2^30 cycles per burst, so the count stays a small integer (a double deoptimizes the loop).
    const k = this.dp.clockMatrixOnly(t, Math.min(end - t, 0x40000000), pass, this.totals.counts, this.totals.busy);
    this.charge(this.quietCause, k);
    const last = t + k - 1;
    checkFaults(this, last);
    this.completeAt(last, sink);
    if (last === this.shiftEnd) this.epoch++;
    return last + 1;
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
    dp.clock(t, pe ? () => this.peProbe.capture(t, sink) : undefined);
    if (pe) this.peProbe.emit(t, sink);
  }

  /** The shifter starts on its own when the FIFO's head tile is ready and a bank is free (ARCHITECTURE "Weight shift"). */
  private maybeStartShift(t: number): boolean {
    const fifo = this.dp.fifo;
    if (fifo.headState !== SLOT_READY) return false;
    if (this.detailed ? this.dp.array.shifting : t <= this.shiftEnd) return false;
    const bank = this.shiftTargetBank(t);
    if (bank < 0) return false;
    const slot = fifo.headSlot;
    const rows = fifo.tileRows[slot];
    const cols = fifo.tileCols[slot];
    if (this.detailed) this.dp.array.startShift(bank, fifo.tiles, fifo.slotOffset(slot), rows, cols);
    else {
      // Fast mode keeps the bank as its nonzero weights only (sim/fast.ts BankNonzeros).
      if (this.dataDone > 0) this.dataDone--;
      else this.ctx.nonzeros.build(bank, fifo.tiles, fifo.slotOffset(slot), rows, cols);
      if (this.recording !== null) this.recording.push(EV_SHIFT, bank, slot, rows, cols);
      shiftTotals(this.hw, this.totals.counts);
    }
    fifo.stageShiftStart();
    this.epoch++;
    const R = this.hw.rows;
    this.bankState[bank] = 1;
    this.bankReadyAt[bank] = this.bankReadyCycle(t);
    this.bankSeq[bank] = ++this.shiftSeq;
    this.bankRows[bank] = rows;
    this.bankCols[bank] = cols;
    this.shiftStart = t;
    this.shiftEnd = t + R - 1;
    return true;
  }

  /** A free bank whose last user has cleared the array far enough, or -1. */
  shiftTargetBank(t: number): number {
    for (let b = 0; b < 2; b++) {
      if (this.bankState[b] === 0 && t >= this.bankFreeCycle(this.bankLastUse[b])) return b;
    }
    return -1;
  }

  /**
   * The bank rules (docs/ARCHITECTURE.md "Weight shift"): a shift may start into a bank whose last
   * vector was read at tl - 1 from tl + C - 1; a tile whose shift started at s may be used by a
   * switching MMUL issued from s + R - 1. Methods, so a test can show that one cycle less corrupts
   * the results.
   */
  bankFreeCycle(tl: number): number {
    return bankFreeAt(this.hw, tl);
  }

  bankReadyCycle(shiftStart: number): number {
    return shiftStart + this.hw.rows - 1;
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
    this.epoch++;
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
    const slot = op.code === OP_RDW || op.code === OP_RDWU ? this.dp.fifo.reserve(op.f.rows, op.f.cols, this.dataDone === 0) : -1;
    const entry: InFlight = { op, t0: t, tc: -1, vectors, tileRows, tileCols, slot, faultCycle: -1, faultRow: -1, faultCol: -1 };
    if (this.recording !== null) this.recording.push(EV_ISSUE, this.pc, this.activeBank, tileCols, slot);
    const bad = this.dataDone > 0 ? this.issueDone(op) : issueToUnit(this.ctx, op, this.activeBank, tileCols, slot);
    if (op.code === OP_MMUL) {
      const { rows: R, cols: C } = this.hw;
      if (!this.detailed) {
        entry.tc = passCompleteCycle(R, C, t, vectors);
        passTotals(this.hw, entry, this.totals.counts);
      }
      if (bad >= 0) {
        // Result (b, c) is written at t0 + b + R + c + 1.
        entry.faultRow = Math.floor(bad / C);
        entry.faultCol = bad - entry.faultRow * C;
        entry.faultCycle = t + (entry.faultRow - op.f.acc) + R + entry.faultCol + 1;
        this.heldPassFaults++;
      }
      this.stream = entry;
      this.streamT0 = t;
    } else {
      this.unitBusy[op.unit] = 1;
      this.unitOp[op.unit] = entry;
    }
    this.inflight.push(entry);
    this.pc++;
  }

  /** Did the unit holding `e` finish it in cycle t? */
  private finished(e: InFlight, t: number): boolean {
    const dp = this.dp;
    if (e.op.code === OP_MMUL) return this.detailed ? dp.acc.completedCycle === t && dp.acc.completedPass === e.op.pc : e.tc === t;
    const u = e.op.unit;
    if (!this.detailed) return this.fast.completed[u] === 1;
    if (u === U_DMA) return dp.dma.completed;
    if (u === U_WEIGHTS) return dp.loader.completed;
    if (u === U_ACTIVATION) return dp.activation.completed;
    return u === U_VECTOR && dp.vector.completed;
  }

  /** Detailed mode: did any unit signal a completion in cycle t? */
  private anyUnitCompleted(t: number): boolean {
    const dp = this.dp;
    return dp.acc.completedCycle === t || dp.dma.completed || dp.loader.completed || dp.activation.completed || dp.vector.completed;
  }

  /** End-of-cycle completions; returns whether any happened. */
  completeAt(t: number, sink: TraceSink): boolean {
    if (this.detailed && !this.anyUnitCompleted(t)) return false;
    let any = false;
    for (let i = 0; i < this.inflight.length; i++) {
      const e = this.inflight[i];
      if (!this.finished(e, t)) continue;
      any = true;
      this.epoch++;
      // Remove in place (splice would allocate its result array per completion).
      const list = this.inflight;
      for (let j = i; j < list.length - 1; j++) list[j] = list[j + 1];
      list.pop();
      i--;
      const op = e.op;
      if (op.unit !== UNIT_MATRIX) {
        this.unitBusy[op.unit] = 0;
        this.unitOp[op.unit] = null;
      }
      if (!this.detailed && e.slot >= 0) this.dp.fifo.stageReady(e.slot);
      if (e.faultCycle >= 0) this.heldPassFaults--;
      if (sink !== NULL_SINK) sink.instruction(UNIT_NAMES[op.unit] as never, op.pc, describeInstruction(op), e.t0, t);
    }
    return any;
  }

  charge(cause: StallCause, cycles: number): void {
    if (cause === "none") this.stats.matrixBusyCycles += cycles;
    else this.stats.stalls[cause] += cycles;
  }
}

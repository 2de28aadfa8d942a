/**
 * The chip's datapath: memories, the clocked units and the shared resources, wired, with one clock's
 * order: (1) every unit states its request from its current registers and the arbiter serves them
 * in fixed priority; (2) every unit evaluates, in the configured order (any order gives the same
 * result: tested); (3) every unit commits. The controller (src/sim/controller.ts) drives the units
 * through their command inputs; this file knows nothing of instructions.
 *
 * Memories hold decoded values: the unified buffer stores values already rounded to the data type
 * (bf16 values and int8 integers are exact in a Float32Array); capacity is counted in dtype bytes.
 * Weight memory holds the fp32 masters; the dtype copy beside each is conv(master) (docs/
 * ARCHITECTURE.md "Weight memory").
 */
import type { HwConfig } from "../config/hw-config.js";
import { Accumulators } from "./accumulators.js";
import { ActivationUnit } from "./activation-unit.js";
import {
  CNT_ACC_READ, CNT_ACC_WRITTEN, CNT_FIFO_READ, CNT_MACS, CNT_TILES_SHIFTED, CNT_UB_READ, CNT_WEIGHT_REGISTER_WRITES,
  CycleActivity, UNIT_COUNT, U_ACTIVATION, U_DMA, U_MATRIX, U_VECTOR, U_WEIGHTS,
} from "./activity.js";
import { Arbiter, UnitRequests } from "./arbiter.js";
import { HostDma } from "./host-dma.js";
import { SystolicArray } from "./systolic-array.js";
import { VectorUnit } from "./vector-unit.js";
import { WeightFifo } from "./weight-fifo.js";
import { WeightLoader } from "./weight-loader.js";

/** The pass streaming through the matrix unit, as clockMatrixOnly reads it. */
export interface StreamPass {
  t0: number;
  vectors: number;
  ub: number;
  ustride: number;
  cols: number;
  /** Bank tag: the active bank + 1. */
  tag: number;
  acc: number;
  accumulate: boolean;
  pc: number;
}

/** Evaluate-phase units, in the default order; any order gives the same result (tested). */
export const EVALUATE_UNITS = ["array", "accumulators", "activation", "loader", "vector", "dma"] as const;

export class TpuDatapath {
  readonly ub: Float32Array;
  /** The unified buffer's bits (bf16 batches are staged and checked as bits). */
  private readonly ubBits: Int32Array;
  readonly wm: Float32Array;
  /** Host memory is the host's: float64, so exact int32 and fp32 results both fit (WHMA). */
  host: Float64Array = new Float64Array(0);
  readonly acc: Accumulators;
  readonly fifo: WeightFifo;
  readonly array: SystolicArray;
  readonly activation: ActivationUnit;
  readonly loader: WeightLoader;
  readonly vector: VectorUnit;
  readonly dma: HostDma;
  readonly arbiter: Arbiter;
  readonly requests = new UnitRequests();
  /** What the units did in the last clocked cycle. */
  readonly activity = new CycleActivity();

  /** Stream command for this cycle: the vector the matrix unit reads (set by the controller). */
  streamValid = false;
  streamAddr = 0;
  streamCols = 0;
  streamTag = 0;
  streamAccRow = 0;
  streamAccumulate = false;
  streamPass = 0;
  streamLast = false;
  private inVectorDirty = false;
  /**
   * The arbiter is a pure function of the requests. While only the matrix unit works, its request
   * is fixed by two bits (streaming, reading psums): the last such key, or -1 after any other.
   */
  private matrixOnlyKey = -1;
  private readonly order: number[];

  constructor(
    readonly cfg: Readonly<HwConfig>,
    evaluateOrder: readonly number[] = [0, 1, 2, 3, 4, 5],
  ) {
    this.ub = new Float32Array(cfg.unifiedBufferElements);
    this.ubBits = new Int32Array(this.ub.buffer);
    this.wm = new Float32Array(cfg.weightMemoryElements);
    this.array = new SystolicArray(cfg);
    this.acc = new Accumulators(cfg, this.array.topInput);
    this.fifo = new WeightFifo(cfg);
    this.activation = new ActivationUnit(cfg);
    this.loader = new WeightLoader(cfg);
    this.vector = new VectorUnit(cfg);
    this.dma = new HostDma(cfg);
    this.arbiter = new Arbiter(cfg);
    const sorted = [...evaluateOrder].sort((a, b) => a - b);
    if (sorted.join() !== EVALUATE_UNITS.map((_, i) => i).join()) {
      throw new Error(`internal: the evaluate order must list each of the ${EVALUATE_UNITS.length} units once (got ${evaluateOrder.join(",")})`);
    }
    this.order = [...evaluateOrder];
  }

  /** Make host memory at least n elements (contents kept). */
  ensureHost(n: number): void {
    if (this.host.length >= n) return;
    const next = new Float64Array(n);
    next.set(this.host);
    this.host = next;
  }

  /** Systolic data setup input: latch this cycle's vector (zeros and no tag for a bubble). */
  private driveInputs(): void {
    const { array, acc } = this;
    if (this.streamValid) {
      const v = array.inVector;
      const n = this.streamCols;
      const ub = this.ub;
      const base = this.streamAddr;
      for (let i = 0; i < n; i++) v[i] = ub[base + i];
      if (n < v.length) v.fill(0, n);
      array.inTag = this.streamTag;
      this.inVectorDirty = true;
      acc.inValid = 1;
      acc.inRow = this.streamAccRow;
      acc.inAccumulate = this.streamAccumulate ? 1 : 0;
      acc.inPass = this.streamPass;
      acc.inLast = this.streamLast ? 1 : 0;
    } else {
      if (this.inVectorDirty) {
        array.inVector.fill(0);
        this.inVectorDirty = false;
      }
      array.inTag = 0;
      acc.inValid = 0;
    }
  }

  /** Phase 0: requests from current registers, served in fixed priority. */
  private arbitrate(): void {
    const refused = this.activity.refused;
    const matrixOnly = !this.activation.busy && !this.loader.busy && !this.vector.busy && !this.dma.busy;
    const key = matrixOnly ? (this.streamValid ? 1 : 0) + (this.acc.psumReaders > 0 ? 2 : 0) : -1;
    if (key >= 0 && key === this.matrixOnlyKey) {
      // Same requests as the last cycle: the same grants.
      for (let u = 0; u < UNIT_COUNT; u++) refused[u] = this.arbiter.refusedBy[u];
      return;
    }
    this.matrixOnlyKey = key;
    const req = this.requests;
    req.clear();
    if (this.streamValid) {
      req.active[U_MATRIX] = 1;
      req.ubRead[U_MATRIX] = 1;
    }
    if (this.acc.psumReaders > 0) {
      req.active[U_MATRIX] = 1;
      req.accRead[U_MATRIX] = 1;
    }
    this.activation.request(req);
    this.loader.request(req);
    this.vector.request(req);
    this.dma.request(req);
    this.arbiter.arbitrate(req);
    for (let u = 0; u < UNIT_COUNT; u++) refused[u] = this.arbiter.refusedBy[u];
  }

  /**
   * One clock. `probe` runs after the combinational outputs are computed and before any unit
   * evaluates (PE traces read the registers there).
   */
  clock(t: number, probe?: () => void): void {
    const act = this.activity;
    act.clear();
    this.arbitrate();
    const g = this.arbiter;
    this.driveInputs();
    this.acc.evaluateTop(t);
    probe?.();
    for (const u of this.order) {
      if (u === 0) this.array.evaluate(t, this.acc.top);
      else if (u === 1) this.acc.evaluateBottom(t, this.array);
      else if (u === 2) this.activation.evaluate(g.granted[U_ACTIVATION] === 1, this.acc.data, this.cfg.cols);
      else if (u === 3) this.loader.evaluate(this.requests.weightBytes[U_WEIGHTS] > 0 ? g.weightGranted[U_WEIGHTS] : g.granted[U_WEIGHTS]);
      else if (u === 4) this.vector.evaluate(g.granted[U_VECTOR] === 1, g.weightGranted[U_VECTOR], this.ub, act);
      else this.dma.evaluate(g.hostGranted[U_DMA]);
    }
    this.commit(t);
  }

  /**
   * Only the matrix unit can work: every other unit idle, the shifter still, and the matrix unit's
   * requests (one buffer read, one accumulator read) always granted. Then a clock is the array's
   * and the accumulators' evaluate and commit alone, and clockMatrixOnly may run several.
   */
  get matrixOnly(): boolean {
    return (
      !this.activation.busy && !this.loader.busy && !this.vector.busy && !this.dma.busy && !this.array.busy &&
      this.cfg.unifiedBufferReadPorts >= 1 && this.cfg.accumulatorReadPorts >= 1
    );
  }

  /**
   * Clock cycles t .. t+n-1 while matrixOnly holds and no command but the stream changes (the
   * controller issues nothing in them): per cycle the same evaluate and commit of the array and the
   * accumulators as clock() (any evaluate order gives the same result: tested), without the idle
   * units, the arbiter (its grants stay those of the last clock's requests) or `activity`. The stream
   * command follows `pass`: vector b = cycle - pass.t0 is read while 0 <= b < pass.vectors. Counters
   * and the matrix unit's busy cycles go straight to `counts` and `busy`. Stops after a cycle in
   * which a pass completed or a fault was latched (the controller handles it); returns the cycles
   * clocked.
   */
  clockMatrixOnly(t: number, n: number, pass: StreamPass | null, counts: Float64Array, busy: Float64Array): number {
    const { array, acc, ub } = this;
    // The stream command goes straight to the units (the vector is latched from the buffer at the
    // array's commit, not copied through inVector); counters are summed here and added once.
    let macs = 0;
    let valuesRead = 0;
    let valuesWritten = 0;
    let streamed = 0;
    let clocked = n;
    for (let i = 0; i < n; i++, t++) {
      const b = pass === null ? -1 : t - pass.t0;
      const valid = pass !== null && b >= 0 && b < pass.vectors;
      if (valid && !pass.accumulate && acc.psumReaders === 0 && acc.faultRow < 0) {
        // Steady stretch of a pass: clock a batch of cycles in the array's SIMD kernel.
        const k = Math.min(array.stepCycles(t, pass.tag), n - i, pass.vectors - 1 - b, acc.cyclesBeforeCompletion(t));
        const done = k >= 2 ? this.clockSteps(t, k, pass, b) : 0;
        if (done > 0) {
          valuesWritten += acc.valuesWritten;
          macs += done * array.macs;
          streamed += done;
          i += done - 1;
          t += done - 1;
          if (acc.faultRow >= 0) {
            clocked = i + 1;
            break;
          }
          continue;
        }
      }
      if (valid) {
        array.inTag = pass.tag;
        acc.inValid = 1;
        acc.inRow = pass.acc + b;
        acc.inAccumulate = pass.accumulate ? 1 : 0;
        acc.inPass = pass.pc;
        acc.inLast = b === pass.vectors - 1 ? 1 : 0;
        streamed++;
      } else {
        array.inTag = 0;
        acc.inValid = 0;
      }
      acc.evaluateTop(t);
      array.evaluate(t, acc.top);
      acc.clockBottom(t, array.psum, array.bottomOffset(t));
      if (valid) array.commitFrom(t, ub, pass.ub + b * pass.ustride, pass.cols);
      else array.commitFrom(t, ub, 0, 0);
      macs += array.macs;
      valuesRead += acc.valuesRead;
      valuesWritten += acc.valuesWritten;
      if (acc.completedCycle === t || acc.faultRow >= 0) {
        clocked = i + 1;
        break;
      }
    }
    counts[CNT_MACS] += macs;
    counts[CNT_ACC_READ] += 4 * valuesRead;
    counts[CNT_ACC_WRITTEN] += 4 * valuesWritten;
    if (streamed > 0) {
      counts[CNT_UB_READ] += streamed * (pass as StreamPass).cols * this.cfg.elementBytes;
      busy[U_MATRIX] += streamed;
    }
    return clocked;
  }

  /**
   * Cycles t .. t+k-1 of clockMatrixOnly, vectors b .. b+k-1 of `pass` (none its last, none
   * accumulating, no accumulating vector in the window, no pass completing): the array clocks them in
   * one call (SystolicArray.clockSteps), then the accumulators take each cycle's bottom row in
   * order. bf16 vectors are staged as bits; the kernel ends the batch before the first whose
   * products could round, and after the first cycle whose write faults. Returns the cycles clocked
   * (0: none, the caller clocks this one in JavaScript).
   */
  private clockSteps(t: number, k: number, pass: StreamPass, b: number): number {
    const { array, acc } = this;
    const R = this.cfg.rows;
    const n = pass.cols;
    if (this.cfg.dtype === "int8") {
      const ub = this.ub;
      const input = array.stepInput as Int32Array;
      for (let i = 0, o = 0; i < k; i++) {
        const base = pass.ub + (b + i) * pass.ustride;
        let r = 0;
        for (; r < n; r++, o++) input[o] = ub[base + r];
        for (; r < R; r++, o++) input[o] = 0;
      }
    } else {
      // As bits, zero-padded to whole groups of four lanes: the kernel checks them (firstInexact).
      const ub = this.ubBits;
      const input = array.stepInputBits as Int32Array;
      const first = pass.ub + b * pass.ustride;
      if (n === R && pass.ustride === R) input.set(ub.subarray(first, first + k * R));
      else {
        for (let i = 0, o = 0; i < k; i++) {
          const base = first + i * pass.ustride;
          let r = 0;
          for (; r < n; r++, o++) input[o] = ub[base + r];
          for (; r < R; r++, o++) input[o] = 0;
        }
      }
      input.fill(0, k * R, (k * R + 3) & ~3);
    }
    acc.evaluateTop(t); // top[] is zero: no accumulating vector in the window
    const done = array.clockSteps(t, k, pass.tag);
    if (done > 0) acc.clockBottomSteps(t, done, array.stepOutput as Int32Array | Float32Array, pass.acc + b, pass.pc);
    return done;
  }

  private commit(t: number): void {
    const act = this.activity;
    const counts = act.counts;
    const array = this.array;
    array.commit(t);
    this.acc.commit(t);
    this.activation.commit(this.ub, act);
    this.loader.commit(this.wm, this.ub, this.fifo, act);
    this.vector.commit(this.ub, this.wm, this.acc.data, act);
    this.dma.commit(this.host, this.ub, this.acc.data, act);
    const k = array.shiftStepDone;
    if (k >= 0) {
      const C = this.cfg.cols;
      counts[CNT_FIFO_READ] += C * this.cfg.elementBytes;
      counts[CNT_WEIGHT_REGISTER_WRITES] += (k + 1) * C;
      if (k === 0) counts[CNT_TILES_SHIFTED] += 1;
      if (array.shiftEnded) this.fifo.stageFreeHead();
    }
    this.fifo.commit();
    counts[CNT_MACS] += array.macs;
    counts[CNT_ACC_READ] += 4 * this.acc.valuesRead;
    counts[CNT_ACC_WRITTEN] += 4 * this.acc.valuesWritten;
    if (this.streamValid) {
      counts[CNT_UB_READ] += this.streamCols * this.cfg.elementBytes;
      act.busy[U_MATRIX] = 1;
    }
  }
}

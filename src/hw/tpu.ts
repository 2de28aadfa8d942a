/**
 * The chip's datapath: memories plus the register-level units, wired, with the evaluate/commit order
 * of one clock. The controller (src/sim/controller.ts) drives it through command inputs; this file
 * knows nothing of instructions.
 *
 * Memories hold decoded values: the unified buffer stores values already rounded to the data type
 * (bf16 values and int8 integers are exact in a Float32Array); capacity is counted in dtype bytes.
 */
import type { HwConfig } from "../config/hw-config.js";
import { Accumulators } from "./accumulators.js";
import { ActivationUnit } from "./activation-unit.js";
import { SystolicArray } from "./systolic-array.js";
import { WeightFifo } from "./weight-fifo.js";

/** Evaluate-phase units, in the default order; any order gives the same result (tested). */
export const EVALUATE_UNITS = ["array", "accumulators", "activation"] as const;

export class TpuDatapath {
  readonly ub: Float32Array;
  readonly wm: Float32Array;
  /** Host memory is the host's: float64, so exact int32 and fp32 results both fit (WHMA). */
  host: Float64Array = new Float64Array(0);
  readonly acc: Accumulators;
  readonly fifo: WeightFifo;
  readonly array: SystolicArray;
  readonly activation: ActivationUnit;

  /** Stream command for this cycle (detailed mode): the vector the matrix unit reads. */
  streamValid = false;
  streamAddr = 0;
  streamCols = 0;
  streamTag = 0;
  streamAccRow = 0;
  streamAccumulate = false;
  streamPass = 0;
  streamLast = false;
  private inVectorDirty = false;
  private readonly order: number[];

  constructor(
    readonly cfg: Readonly<HwConfig>,
    evaluateOrder: readonly number[] = [0, 1, 2],
  ) {
    this.ub = new Float32Array(cfg.unifiedBufferElements);
    this.wm = new Float32Array(cfg.weightMemoryElements);
    this.acc = new Accumulators(cfg);
    this.fifo = new WeightFifo(cfg);
    this.array = new SystolicArray(cfg);
    this.activation = new ActivationUnit(cfg);
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

  /**
   * Phase 1: combinational outputs from current registers (and `probe`, which may read them).
   * Phase 2: every unit evaluates, in the configured order.
   */
  evaluate(t: number, probe?: () => void): void {
    this.driveInputs();
    this.acc.evaluateTop(t);
    probe?.();
    for (const u of this.order) {
      if (u === 0) this.array.evaluate(t, this.acc.top);
      else if (u === 1) this.acc.evaluateBottom(t, this.array);
      else this.activation.evaluate(t, this.acc.data, this.cfg.cols);
    }
  }

  /** Phase 3: every unit publishes its next state. */
  commit(t: number): void {
    this.array.commit(t);
    this.acc.commit(t);
    this.activation.commit(t, this.ub);
  }
}

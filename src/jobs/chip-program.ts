/**
 * A compiled program resident on its own simulated chip: decoded once, started per batch, with the
 * network's parameters in weight memory. NetworkOnChip (train/inference) and InputGradientOnChip
 * build on it.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { CompiledProgram } from "../compiler/index.js";
import { fromStoredWeights, toStoredWeights } from "../compiler/weight-layout.js";
import { Simulator, type PreparedProgram, type SimMode } from "../sim/controller.js";
import type { WorkloadSpec } from "../workloads/types.js";

export class ChipProgram {
  readonly sim: Simulator;
  protected readonly prepared: PreparedProgram;
  protected readonly inputs: number;
  protected readonly outputs: number;

  constructor(
    readonly spec: WorkloadSpec,
    readonly hw: HwConfig,
    mode: SimMode,
    readonly compiled: CompiledProgram,
  ) {
    this.sim = new Simulator(hw, { mode });
    this.prepared = this.sim.prepare(compiled.program);
    this.inputs = spec.inputs;
    this.outputs = spec.layers[spec.layers.length - 1].units;
  }

  get batch(): number {
    return this.compiled.batch;
  }

  /** Each layer's M_l (N_l x (K_l+1), bias last) into weight memory, in the layout the program stores it. */
  setParams(params: readonly Float32Array[]): void {
    params.forEach((p, l) => {
      const w = this.compiled.weights[l];
      this.sim.dp.wm.set(toStoredWeights(w, p), w.address);
    });
  }

  getParams(): Float32Array[] {
    return this.compiled.weights.map((w) => fromStoredWeights(w, this.sim.dp.wm.slice(w.address, w.address + w.rows * w.cols)));
  }
}

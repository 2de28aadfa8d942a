/**
 * The input-gradient program on a simulated chip: the network's forward pass, the loss gradient for
 * chosen targets, and the backward pass down to the pixels (E_0 = dL/dX_0), read back from host
 * memory. Weight memory is never written, so one chip serves any number of calls.
 */
import type { HwConfig } from "../config/hw-config.js";
import { compileInputGradient } from "../compiler/index.js";
import type { SimMode } from "../sim/controller.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { driveToHalt } from "./drive.js";
import { ChipProgram } from "./chip-program.js";
import type { RunLimits } from "./network.js";

export interface InputGradientRun {
  /** count x outputs: the sigmoid (or other) outputs A of the forward pass. */
  outputs: Float32Array;
  /** count x inputs: dL/dx for L = (1/B) sum (A - Y)^2 with Y the one-hot targets (bf16 values). */
  gradient: Float32Array;
}

export class InputGradientOnChip extends ChipProgram {
  constructor(spec: WorkloadSpec, hw: HwConfig, mode: SimMode) {
    super(spec, hw, mode, compileInputGradient(spec, hw));
  }

  /**
   * One run on images[first + b] (b < count <= batch; missing rows are zero images with zero targets)
   * with loss target class targets[first + b].
   */
  async run(images: Float32Array, targets: ArrayLike<number>, first: number, count: number, limits: RunLimits = {}): Promise<InputGradientRun> {
    const { host } = this.compiled;
    const K = this.inputs;
    const J = this.outputs;
    if (count > this.batch) throw new Error(`internal: ${count} images for a batch of ${this.batch}`);
    this.sim.start(this.prepared);
    const mem = this.sim.dp.host;
    for (let b = 0; b < this.batch; b++) {
      const row = host.input + b * host.inputStride;
      const lrow = host.labels + b * host.labelsStride;
      mem.fill(0, lrow, lrow + J);
      if (b < count) {
        mem.set(images.subarray((first + b) * K, (first + b + 1) * K), row);
        mem[lrow + targets[first + b]] = 1;
      } else mem.fill(0, row, row + K);
      mem[row + K] = 1;
    }
    if (limits.sink) await driveToHalt(this.sim, limits);
    else this.sim.run({ maxCycles: limits.maxCycles });
    const outputs = new Float32Array(count * J);
    const gradient = new Float32Array(count * K);
    const g0 = host.inputGradient!;
    const gs = host.inputGradientStride!;
    for (let b = 0; b < count; b++) {
      for (let j = 0; j < J; j++) outputs[b * J + j] = mem[host.output + b * host.outputStride + j];
      gradient.set(mem.subarray(g0 + b * gs, g0 + b * gs + K), b * K);
    }
    return { outputs, gradient };
  }
}

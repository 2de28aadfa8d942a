/**
 * Transformations: WorkloadSpec -> the micro-batch size the graph is built with (runs before the
 * graph; the IR does not exist yet).
 *   Input:  the workload, the machine, the program kind.
 *   Output: b <= B, the most samples whose unified-buffer buffers fit at once. Every unified-buffer
 *           buffer grows linearly with the samples it holds (rows or, for DT_l, columns), so two
 *           trial graphs, of one and of two samples, give the need per sample. b is also capped so
 *           that every 16-bit `rows` and stride field holds a micro-batch (a transfer's rows, DT_l's
 *           b * positions columns).
 *
 * When b < B the graph repeats its per-sample work once per micro-batch; inference is then simply
 * done in turns, and a training step sums its gradients over the micro-batches in the accumulators
 * before one SGD update (graph-backward.ts), with the numbers of the whole batch. A single sample
 * that does not fit is a UserInputError naming the buffers and the capacity.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { addressLimit } from "./footprint.js";
import { buildGraph, type GraphOptions } from "./graph.js";
import { MAX_ROWS } from "./graph-conv.js";
import { bufferElements } from "./ir.js";
import type { BufferDecl } from "./ir.js";

export function planMicroBatch(spec: WorkloadSpec, hw: HwConfig, options: GraphOptions): number {
  const trial = (samples: number) => buildGraph({ ...spec, batch: samples }, hw, { ...options, microBatch: samples }).buffers.filter((b) => b.space === "ub");
  const one = trial(1);
  const size = (buffers: readonly BufferDecl[]) => buffers.reduce((sum, b) => sum + bufferElements(b), 0);
  const perSample = size(trial(2)) - size(one);
  const fixed = size(one) - perSample;
  const capacity = Math.min(hw.unifiedBufferElements, addressLimit("ub"));
  if (size(one) > capacity) {
    const parts = one.map((b) => `${b.name} ${b.rows}x${b.cols}`).join(", ");
    throw new UserInputError(
      `one sample does not fit the unified buffer: the ${options.kind} needs ${size(one)} elements for it (${parts}) ` +
        `but the unified buffer holds ${capacity} ${hw.dtype} elements`,
      { field: "unifiedBufferBytes" },
    );
  }
  const positions = Math.max(...spec.layers.map((l) => (l.conv ? l.conv.outputHeight * l.conv.outputWidth : 1)));
  const fieldLimit = options.kind === "train-step" ? Math.floor(MAX_ROWS / positions) : MAX_ROWS;
  return Math.max(1, Math.min(spec.batch, Math.floor((capacity - fixed) / perSample), fieldLimit));
}

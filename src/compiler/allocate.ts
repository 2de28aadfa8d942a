/**
 * Transformations: tiled CompilerIr -> placed CompilerIr.
 *   Input:  symbolic buffers, weight matrices, tiled matmuls.
 *   Output: an element address on every buffer (unified buffer or host memory) and weight matrix, an
 *           accumulator base row on every matmul, and `layout` (the totals used).
 *
 * Unified buffer and host memory: buffers packed densely from address 0 in declaration order (nothing
 * is reused: the step's whole working set is small next to the buffer, and distinct addresses keep
 * the scoreboard from serialising unrelated instructions). Weight memory: M_0, M_1, ... packed from 0.
 * Accumulators: an accumulation group (a gradient summed over micro-batches) gets its own rows at the
 * top, shared by the group's matmuls and by nothing else; every other matmul takes `slots * slotRows`
 * rows below them from a rolling pointer that wraps to row 0, so consecutive matmuls use different
 * rows when they fit and one matmul's results never straddle the end. A batch that does not fit the
 * unified buffer is a UserInputError naming the batch, the need and the capacity (micro-batch.ts
 * sizes the micro-batches so that this does not happen).
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import { addressLimit } from "./footprint.js";
import { bufferElements } from "./ir.js";
import type { BufferDecl, CompilerIr, Op, WeightDecl } from "./ir.js";


export function allocate(ir: CompilerIr, hw: HwConfig): CompilerIr {
  const B = ir.batch;
  let ub = 0;
  let host = 0;
  const buffers: BufferDecl[] = ir.buffers.map((b) => {
    const size = bufferElements(b);
    if (b.space === "ub") {
      const address = ub;
      ub += size;
      return { ...b, address };
    }
    const address = host;
    host += size;
    return { ...b, address };
  });
  const ubCapacity = Math.min(hw.unifiedBufferElements, addressLimit("ub"));
  if (ub > ubCapacity) {
    const parts = buffers.filter((b) => b.space === "ub").map((b) => `${b.name} ${b.rows}x${b.cols}`);
    const perSample = ub / B;
    throw new UserInputError(
      `batch ${B} does not fit the unified buffer: the ${ir.kind} needs ${ub} elements (${parts.join(", ")}) ` +
        `but it holds ${ubCapacity} ${hw.dtype} elements; the largest batch that fits is ${Math.floor(ubCapacity / perSample)}`,
      { field: "batch" },
    );
  }
  if (host > addressLimit("host")) {
    throw new UserInputError(`batch ${B} needs ${host} host memory elements, more than host addresses reach`, { field: "batch" });
  }

  let wm = 0;
  const weights: WeightDecl[] = ir.weights.map((w) => {
    const address = wm;
    wm += w.rows * w.cols;
    return { ...w, address };
  });
  const wmCapacity = Math.min(hw.weightMemoryElements, addressLimit("weights"));
  if (wm > wmCapacity) {
    throw new UserInputError(
      `the network's parameters need ${wm} fp32 elements of weight memory but it holds ${wmCapacity}`,
      { field: "weightMemoryBytes" },
    );
  }

  const groups = new Map<string, number>();
  let top = hw.accumulatorRows;
  for (const op of ir.ops) {
    if (op.kind !== "matmul" || !op.accumulation || groups.has(op.accumulation.group)) continue;
    if (!op.tiling) throw new Error("internal: allocate needs tiled matmuls");
    top -= op.tiling.slots * op.tiling.slotRows;
    groups.set(op.accumulation.group, top);
  }
  if (top < 0) throw new Error("internal: the accumulation groups overrun the accumulators");
  let next = 0;
  let accUsed = hw.accumulatorRows - top;
  const ops: Op[] = ir.ops.map((op) => {
    if (op.kind !== "matmul") return op;
    if (!op.tiling) throw new Error("internal: allocate needs tiled matmuls");
    if (op.accumulation) return { ...op, accBase: groups.get(op.accumulation.group)! };
    const need = op.tiling.slots * op.tiling.slotRows;
    if (need > top) throw new Error(`internal: ${op.note} needs ${need} accumulator rows`);
    if (next + need > top) next = 0;
    const accBase = next;
    next += need;
    accUsed = Math.max(accUsed, next + hw.accumulatorRows - top);
    return { ...op, accBase };
  });

  return {
    ...ir,
    buffers,
    weights,
    ops,
    layout: { unifiedBufferElements: ub, accumulatorRows: accUsed, weightMemoryElements: wm, hostElements: host },
  };
}

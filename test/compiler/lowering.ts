/** Runs the passes up to allocate, for the lower-* tests. */
import { allocate } from "../../src/compiler/allocate.js";
import { buildGraph } from "../../src/compiler/graph.js";
import type { CompilerIr, Op } from "../../src/compiler/ir.js";
import { tileMatmuls } from "../../src/compiler/tile.js";
import type { HwConfig } from "../../src/config/hw-config.js";
import type { WorkloadSpec } from "../../src/workloads/types.js";

export function placedIr(spec: WorkloadSpec, hw: HwConfig, kind: "train-step" | "inference" = "train-step"): CompilerIr {
  return allocate(tileMatmuls(buildGraph(spec, hw, { kind }), hw), hw);
}

export const address = (ir: CompilerIr, name: string) => ir.buffers.find((b) => b.name === name)!.address!;

/** Instructions of the ops `pick` selects, as "OP field=value ..." objects for toEqual/toMatchObject. */
export function codeOf(ir: CompilerIr, pick: (op: Op) => boolean): Record<string, string | number>[] {
  return ir.ops.filter(pick).flatMap((op) => (op.code ?? []).map((i) => ({ op: i.op, ...i.f })));
}

/**
 * The host pushing work ahead of a running chip, as TPU v1's host fills the instruction buffer over
 * PCIe while the chip runs: instructions are appended behind those not yet issued, without a HALT
 * in between, so the machine never drains between pieces of a long job. Program-counter labels
 * continue across pieces (they name instructions in traces and faults).
 */
import type { Instruction } from "../isa/opcodes.js";
import type { Simulator } from "./controller.js";
import { decodeOp, OP_MMUL } from "./decode.js";

/** Appends `instructions`, labelled from `firstLabel`; the issued prefix of the old list is dropped. */
export function appendInstructions(sim: Simulator, instructions: readonly Instruction[], firstLabel: number): void {
  const ops = instructions.map((ins, i) => decodeOp(ins, firstLabel + i));
  sim.ops = sim.ops.slice(sim.pc).concat(ops);
  sim.pc = 0;
  sim.halted = false;
  // The controller caches the head's block reason per state (hazards.ts blockReason): the head changed.
  sim.epoch++;
}

/**
 * Cycles the chip needs at least before it could issue past the last queued instruction: queued
 * passes issue one after another, each at least `rows` cycles after the one before
 * (docs/ARCHITECTURE.md "MatrixMultiply": the matrix unit is free at t0 + B). A run slice this long
 * cannot starve the controller.
 */
export function queuedCycles(sim: Simulator): number {
  let cycles = 0;
  let last = 0;
  for (let i = sim.pc; i < sim.ops.length; i++) {
    const op = sim.ops[i];
    if (op.code !== OP_MMUL) continue;
    cycles += last;
    last = op.f.rows;
  }
  return cycles;
}

/** Label of the next instruction to issue (the first queued one), or `queued` when none is left. */
export function nextLabel(sim: Simulator, queued: number): number {
  return sim.pc < sim.ops.length ? sim.ops[sim.pc].pc : queued;
}

/** Whether the instruction labelled `label` has completed (issued, and no longer in flight). */
export function hasCompleted(sim: Simulator, label: number, queued: number): boolean {
  if (label >= nextLabel(sim, queued)) return false;
  for (const e of sim.inflight) if (e.op.pc === label) return false;
  return true;
}

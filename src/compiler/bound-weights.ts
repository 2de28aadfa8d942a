/**
 * The weight path's bound (docs/BOUND.md "Shift rule"): the program's tiles in order through the
 * loader, the FIFO, the shifter, the two banks and the matrix unit. Tile k's shift starts at s_k with
 *   s_k >= load_k done + 1,  s_k >= s_{k-1} + R (one shifter),
 *   s_k >= tl_{k-2} + C - 1 and s_k >= first pass of tile k-1 + 1 (tile k reuses tile k-2's bank),
 * its first pass issues at t0 >= s_k + R - 1 and after the previous pass's B slots, and load k
 * issues after load k-1 completes and after tile k-F's shift has freed its FIFO slot (s + R). Each
 * instruction also starts no earlier than its dependence head, and the run lasts at least its
 * completion plus its dependence tail (bound-path.ts).
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Instruction } from "../isa/opcodes.js";
import type { DependencePath } from "./bound-path.js";

export interface WeightPath {
  /** The run lasts at least this many cycles. */
  readonly cycles: number;
  /** Per instruction, the earliest issue this recurrence allows a pass or a load (0 for the rest). */
  readonly earliest: Float64Array;
}

export function weightPath(instructions: readonly Instruction[], hw: HwConfig, path: DependencePath): WeightPath {
  const R = hw.rows;
  const C = hw.cols;
  const F = hw.weightFifoTiles;
  const { head, after, duration } = path;
  const earliest = new Float64Array(path.count);
  const loads: number[] = [];
  // Passes (instruction indices) grouped by tile: group 0 holds those before the first switch.
  const groups: number[][] = [[]];
  for (let i = 0; i < path.count; i++) {
    const ins = instructions[i];
    if (ins.op === "RDW" || ins.op === "RDWU") loads.push(i);
    else if (ins.op === "MMUL") {
      if (ins.f.switch) groups.push([]);
      groups[groups.length - 1].push(i);
    }
  }
  let end = 1;
  let matrixFree = 0;
  const runPasses = (passes: readonly number[], firstAt: number): { first: number; end: number } => {
    let first = -1;
    for (const i of passes) {
      const t0 = Math.max(matrixFree, head[i], first < 0 ? firstAt : 0);
      if (first < 0) first = t0;
      earliest[i] = t0;
      matrixFree = t0 + instructions[i].f.rows;
      end = Math.max(end, t0 + duration[i] - 1 + after[i]);
    }
    return { first, end: matrixFree };
  };
  runPasses(groups[0], 0);
  const tiles = groups.length - 1;
  const shift: number[] = [];
  const firstPass: number[] = [];
  const lastEnd: number[] = [];
  let loadDone = -1;
  for (let k = 0; k < loads.length; k++) {
    const i = loads[k];
    let t0 = Math.max(loadDone + 1, head[i]);
    if (k >= F && k - F < shift.length) t0 = Math.max(t0, shift[k - F] + R);
    earliest[i] = t0;
    loadDone = t0 + duration[i] - 1;
    end = Math.max(end, loadDone + after[i]);
    if (k >= tiles) continue; // loaded, never switched to: its shift is not bounded here
    let s = loadDone + 1;
    if (k >= 1) s = Math.max(s, shift[k - 1] + R);
    if (k >= 2) s = Math.max(s, lastEnd[k - 2] + C - 1, firstPass[k - 1] + 1);
    shift.push(s);
    const run = runPasses(groups[k + 1], s + R - 1);
    firstPass.push(run.first);
    lastEnd.push(run.end);
  }
  return { cycles: end, earliest };
}

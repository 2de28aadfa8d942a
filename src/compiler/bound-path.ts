/**
 * The dependence critical path of a program (docs/BOUND.md "Critical path"): every instruction at its
 * unstalled duration, as early as its true dependences allow — RAW, WAR and WAW on exact element
 * addresses (not the scoreboard's bounding ranges), the accumulate rule between MMULs, a pass after
 * its tile's load and shift, SYNC as a fence — with no unit, port or issue-order limit.
 *
 * Two sweeps give each instruction i a head and a tail, both valid in every run:
 *   t0_i >= head[i]                    (forward: the latest constraint from earlier instructions)
 *   cycles >= tc_i + after[i]          (backward: the longest chain from its completion to HALT)
 * so cycles >= head[i] + duration_i - 1 + after[i] for every i; the largest is the critical path.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Instruction } from "../isa/opcodes.js";
import { blocksOf, ElementMax, forRows, memories, type Block } from "./bound-memory.js";
import { instructionWork } from "./bound-work.js";

export interface DependencePath {
  /** Instructions before the first HALT (the rest never issue). */
  readonly count: number;
  readonly duration: Float64Array;
  readonly head: Float64Array;
  readonly after: Float64Array;
  /** max over i of head + duration - 1 + after (at least 1: HALT alone takes a cycle). */
  readonly cycles: number;
}

/**
 * `refine`: a second forward sweep with each instruction's head floored by `floor` (issue times
 * every run respects, e.g. the weight path's; bound-weights.ts), reusing the tails already computed.
 */
export function dependencePath(instructions: readonly Instruction[], hw: HwConfig, refine?: { floor: Float64Array; after: Float64Array }): DependencePath {
  let n = instructions.findIndex((x) => x.op === "HALT");
  if (n < 0) n = instructions.length;
  const duration = new Float64Array(n);
  // The tile each pass uses: the k-th switch takes the k-th load (the FIFO is in order).
  const tileOf = new Int32Array(n).fill(-1);
  const loadIndex = new Int32Array(n).fill(-1);
  let loads = 0;
  let switches = 0;
  let tile = -1;
  for (let i = 0; i < n; i++) {
    const ins = instructions[i];
    duration[i] = ins.op === "SYNC" ? 1 : instructionWork(ins, hw).duration;
    if (ins.op === "RDW" || ins.op === "RDWU") loadIndex[i] = loads++;
    if (ins.op === "MMUL") {
      if (ins.f.switch) tile = switches++ < loads ? switches - 1 : tile;
      tileOf[i] = tile;
    }
  }
  // A memory no instruction writes carries no dependence: its reads need no record (inference reads
  // every weight of a TPU v1 MLP once).
  const written = new Set<string>();
  for (let i = 0; i < n; i++) {
    if (instructions[i].op === "MMUL") written.add("acc"); // its rows are recorded apart from its blocks
    for (const b of blocksOf(instructions[i])) if (b.write) written.add(b.mem);
  }
  const blocks = (ins: Instruction) => blocksOf(ins).filter((b) => written.has(b.mem));
  const head = forward(instructions, n, hw, duration, tileOf, loadIndex, loads, blocks, refine?.floor);
  const after = refine ? refine.after : backward(instructions, n, hw, duration, tileOf, loadIndex, loads, blocks);
  let cycles = 1;
  for (let i = 0; i < n; i++) cycles = Math.max(cycles, head[i] + duration[i] - 1 + after[i]);
  return { count: n, duration, head, after, cycles };
}

type BlocksOf = (ins: Instruction) => Block[];

function forward(
  instructions: readonly Instruction[], n: number, hw: HwConfig, duration: Float64Array, tileOf: Int32Array, loadIndex: Int32Array, loads: number,
  blocksOf: BlocksOf, floor?: Float64Array,
): Float64Array {
  const R = hw.rows;
  const m = memories(-1); // latest completion of an earlier writer / reader of each element
  const passKey = new ElementMax(Number.NEGATIVE_INFINITY); // per accumulator row: max t0 - acc of earlier MMULs
  const loadDone = new Float64Array(loads);
  const head = new Float64Array(n);
  let fence = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const ins = instructions[i];
    const f = ins.f;
    if (ins.op === "SYNC") {
      // SYNC issues once nothing is in flight; what follows issues after it.
      head[i] = Math.max(last + 1, fence);
      fence = head[i] + 1;
      last = Math.max(last, head[i]);
      continue;
    }
    const blocks = blocksOf(ins);
    let t0 = floor ? Math.max(fence, floor[i]) : fence;
    for (const b of blocks) {
      forRows(b, (lo, hi) => {
        t0 = Math.max(t0, m.written[b.mem].max(lo, hi) + 1);
        if (b.write) t0 = Math.max(t0, m.read[b.mem].max(lo, hi) + 1);
      });
    }
    if (ins.op === "MMUL") {
      // WAR against ACT, VSGD, WHMA reading its rows; against earlier MMULs only the accumulate rule.
      t0 = Math.max(t0, m.read.acc.max(f.acc, f.acc + f.rows) + 1);
      if (f.accumulate) t0 = Math.max(t0, passKey.max(f.acc, f.acc + f.rows) + R + 1 + f.acc);
      // The tile shifts from its load's tc + 1 for R cycles: ready for a pass at load tc + R.
      if (tileOf[i] >= 0) t0 = Math.max(t0, loadDone[tileOf[i]] + R);
    }
    head[i] = t0;
    const tc = t0 + duration[i] - 1;
    for (const b of blocks) forRows(b, (lo, hi) => (b.write ? m.written : m.read)[b.mem].raise(lo, hi, tc));
    if (ins.op === "MMUL") {
      m.written.acc.raise(f.acc, f.acc + f.rows, tc);
      passKey.raise(f.acc, f.acc + f.rows, t0 - f.acc);
    }
    if (loadIndex[i] >= 0) loadDone[loadIndex[i]] = tc;
    last = Math.max(last, tc);
  }
  return head;
}

/** after[i]: cycles >= tc_i + after[i]; 2 with nothing after (HALT issues at tc + 1 at the earliest). */
function backward(
  instructions: readonly Instruction[], n: number, hw: HwConfig, duration: Float64Array, tileOf: Int32Array, loadIndex: Int32Array, loads: number,
  blocksOf: BlocksOf,
): Float64Array {
  const R = hw.rows;
  const NONE = Number.NEGATIVE_INFINITY;
  const m = memories(NONE); // largest "cycles >= t0_j + fromStart" over later writers / readers
  const passKey = new ElementMax(NONE); // per accumulator row: max fromStart + acc of later accumulating MMULs
  const tileNeed = new Float64Array(loads).fill(NONE); // max fromStart over the passes using each tile
  const after = new Float64Array(n);
  let fenceFromStart = NONE; // of the nearest later SYNC
  let laterMax = NONE;
  for (let i = n - 1; i >= 0; i--) {
    const ins = instructions[i];
    const f = ins.f;
    if (ins.op === "SYNC") {
      // Later instructions issue from the SYNC's cycle + 1; HALT too.
      after[i] = 1 + Math.max(1, laterMax);
      fenceFromStart = after[i];
      laterMax = Math.max(laterMax, after[i]);
      continue;
    }
    const blocks = blocksOf(ins);
    let next = Math.max(1, fenceFromStart); // a successor's fromStart; it issues at >= tc + 1
    for (const b of blocks) {
      forRows(b, (lo, hi) => {
        next = Math.max(next, m.written[b.mem].max(lo, hi));
        if (b.write) next = Math.max(next, m.read[b.mem].max(lo, hi));
      });
    }
    let a = 1 + next;
    if (ins.op === "MMUL") {
      a = Math.max(a, 1 + m.read.acc.max(f.acc, f.acc + f.rows));
      // t0_j >= t0_i + R + 1 + acc_j - acc_i with t0_i = tc_i - (B + R + C - 1), exact for a pass.
      a = Math.max(a, R + 1 - f.acc - (duration[i] - 1) + passKey.max(f.acc, f.acc + f.rows));
    }
    if (loadIndex[i] >= 0) a = Math.max(a, R + tileNeed[loadIndex[i]]);
    after[i] = a;
    const fromStart = duration[i] - 1 + a; // cycles >= t0_i + fromStart
    for (const b of blocks) forRows(b, (lo, hi) => (b.write ? m.written : m.read)[b.mem].raise(lo, hi, fromStart));
    if (ins.op === "MMUL") {
      m.written.acc.raise(f.acc, f.acc + f.rows, fromStart);
      if (f.accumulate) passKey.raise(f.acc, f.acc + f.rows, fromStart + f.acc);
      if (tileOf[i] >= 0) tileNeed[tileOf[i]] = Math.max(tileNeed[tileOf[i]], fromStart);
    }
    laterMax = Math.max(laterMax, fromStart);
  }
  return after;
}

/**
 * Where each VSGD goes in the flat instruction list (part of schedule.ts). A VSGD is long (a
 * 256x128 block is 1,280 cycles on a 256-byte weight-memory channel) and the controller issues in
 * order, so a VSGD placed before the vector unit is free holds back the gradient passes behind it,
 * and one placed too late leaves the vector unit idle. `placeUpdates` merges the VSGDs into the
 * other instructions by an estimate of when each could issue: the next VSGD goes before the next
 * other instruction when it could issue no later than that one.
 *
 * The estimate is a list schedule of the unstalled durations of docs/BOUND.md (bound-work.ts): in
 * order, one issue per cycle, each unit taking its next instruction when its last is done, the
 * matrix unit spacing switching passes by the shift rule, and a VSGD waiting for the last result
 * of its gradient. It only orders instructions; every order it can produce is a valid program:
 * a VSGD moves only between its last conflicting predecessor (its gradient pass, the error chain's
 * loads of its weights, any vector-unit instruction) and its first conflicting successor, never
 * past SYNC or HALT, and VSGDs keep their order.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Instruction } from "../isa/opcodes.js";
import { instructionWork, type BoundUnit } from "./bound-work.js";
import { footprint, overlaps } from "./footprint.js";

const conflict = (a: Instruction, b: Instruction) =>
  footprint(a).some((x) => footprint(b).some((y) => x.space === y.space && (x.write || y.write) && overlaps(x, y)));
const isVectorUnit = (ins: Instruction) => ins.op === "VEC" || ins.op === "VTR" || ins.op === "VSMX";
const isBarrier = (ins: Instruction) => ins.op === "SYNC" || ins.op === "HALT";

interface Update {
  readonly ins: Instruction;
  /** Index in `rest` after which it may go (-1: anywhere from the start). */
  readonly after: number;
  /** Index in `rest` before which it must go. */
  readonly before: number;
  /** Index in `rest` of its gradient pass (the last earlier MMUL writing its rows), or -1. */
  readonly producer: number;
}

export function placeUpdates(flat: readonly Instruction[], hw: HwConfig): Instruction[] {
  const rest: Instruction[] = [];
  const updates: Update[] = [];
  const pendingLimit: number[] = []; // updates whose `before` is not known yet
  const draft: { ins: Instruction; after: number; producer: number; before: number }[] = [];
  for (const ins of flat) {
    if (ins.op === "VSGD") {
      let after = -1;
      let producer = -1;
      for (let j = rest.length - 1; j >= 0; j--) {
        const r = rest[j];
        if (isBarrier(r) || isVectorUnit(r) || conflict(ins, r)) {
          after = j;
          if (r.op === "MMUL") producer = j;
          break;
        }
      }
      if (draft.length > 0) after = Math.max(after, draft[draft.length - 1].after); // VSGDs keep their order
      draft.push({ ins, after, producer, before: Number.POSITIVE_INFINITY });
      pendingLimit.push(draft.length - 1);
      continue;
    }
    for (let p = pendingLimit.length - 1; p >= 0; p--) {
      const u = draft[pendingLimit[p]];
      if (isBarrier(ins) || isVectorUnit(ins) || conflict(u.ins, ins)) {
        // This one and every earlier pending update must precede `ins` (updates keep their order).
        for (let q = 0; q <= p; q++) draft[pendingLimit[q]].before = rest.length;
        pendingLimit.splice(0, p + 1);
        break;
      }
    }
    rest.push(ins);
  }
  for (const d of draft) updates.push({ ins: d.ins, after: d.after, before: Math.min(d.before, rest.length), producer: d.producer });
  if (updates.length === 0) return [...flat];
  return merge(rest, updates, hw);
}

function merge(rest: readonly Instruction[], updates: readonly Update[], hw: HwConfig): Instruction[] {
  const R = hw.rows;
  const C = hw.cols;
  const unitFree: Record<BoundUnit, number> = { dma: 0, weightLoader: 0, matrix: 0, activation: 0, vector: 0 };
  const doneAt: number[] = new Array(rest.length).fill(0);
  let last = -1;
  const estimate = (ins: Instruction, ready: number) => {
    const w = instructionWork(ins, hw);
    return Math.max(last + 1, ready, w.unit ? unitFree[w.unit] : 0);
  };
  const commit = (ins: Instruction, t0: number): number => {
    const w = instructionWork(ins, hw);
    last = t0;
    if (w.unit === "matrix") {
      // Switching passes are spaced by the two-bank shift rule (docs/BOUND.md "Shift rule").
      const B = ins.f.rows;
      unitFree.matrix = t0 + (ins.f.switch ? Math.max(B, Math.ceil((B + R + C - 2) / 2)) : B);
    } else if (w.unit) unitFree[w.unit] = t0 + w.busy;
    return t0 + w.duration - 1;
  };
  const out: Instruction[] = [];
  let u = 0;
  const updateReady = (x: Update) => (x.producer >= 0 ? doneAt[x.producer] + 1 : 0);
  for (let i = 0; i <= rest.length; i++) {
    while (u < updates.length && updates[u].after < i) {
      const x = updates[u];
      if (i < rest.length && x.before > i) {
        const tu = estimate(x.ins, updateReady(x));
        const tr = estimate(rest[i], 0);
        if (tu > tr) break;
      }
      commit(x.ins, estimate(x.ins, updateReady(x)));
      out.push(x.ins);
      u++;
    }
    if (i === rest.length) break;
    doneAt[i] = commit(rest[i], estimate(rest[i], 0));
    out.push(rest[i]);
  }
  if (u !== updates.length || out.length !== rest.length + updates.length) throw new Error("internal: placeUpdates lost a VSGD");
  return out;
}

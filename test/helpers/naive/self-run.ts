/** Small helpers for the naive chip's self-tests: run a program, read lifetimes and trace columns. */
import { expect } from "vitest";
import type { Instruction } from "../../../src/isa/opcodes.js";
import type { DataSegment } from "../../../src/isa/program.js";
import { NaiveChip, type NaiveSlack } from "../naive-chip.js";
import { naiveHw, type Ports } from "../naive-programs.js";
import { STALL_NAMES, type NaiveCycleRecord } from "./record.js";

export interface RunOptions {
  ports?: Partial<Ports>;
  data?: DataSegment[];
  slack?: Partial<NaiveSlack>;
  setup?: (c: NaiveChip) => void;
  /** Expect a fault instead of a clean HALT. */
  faults?: boolean;
}

export function runNaive(hwOver: Record<string, unknown>, list: Instruction[], opts: RunOptions = {}): NaiveChip {
  const chip = new NaiveChip(naiveHw(hwOver, opts.ports), { instructions: list, data: opts.data ?? [] }, opts.slack);
  opts.setup?.(chip);
  const r = chip.run(10_000);
  if (opts.faults) expect(r.fault).not.toBeNull();
  else expect(r.fault).toBeNull();
  return chip;
}

/** [issue, complete] of the instruction at pc. */
export const life = (c: NaiveChip, pc: number): number[] => [c.life[pc].issue, c.life[pc].complete];

type Column = Exclude<keyof NaiveCycleRecord, "pc" | "state">;
export const column = (c: NaiveChip, key: Column): number[] => c.records.map((r) => r[key]);
export const stalls = (c: NaiveChip): string[] => c.records.map((r) => STALL_NAMES[r.stall]);
/** Trace state of one unit (0 dma, 1 weights, 2 matrix, 3 activation, 4 vector) per cycle. */
export const unitStates = (c: NaiveChip, unit: number): number[] => c.records.map((r) => r.state[unit]);

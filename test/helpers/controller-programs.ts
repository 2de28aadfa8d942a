/**
 * Small programs for the run-loop tests (test/sim/mutation-controller-*.test.ts): a 2 x 2 chip whose
 * host link moves 1 byte a cycle, so an RHM of `rows` rows of 2 bf16 values keeps the DMA busy for
 * 4 * rows cycles, and a chip with wide links for a long matrix pass.
 */
import type { Program } from "../../src/isa/program.js";
import { ins, program } from "./programs.js";
import { hwWith } from "./timing.js";

/** 2 x 2, bf16, 1 host byte a cycle. */
export const slowHostHw = hwWith(2, 2, { hostBytesPerCycle: 1 });

/** RHM of `rows` rows (busy 0 .. 4 * rows - 1 when issued at 0), then HALT (issues at 4 * rows). */
export function rhmHalt(rows: number): Program {
  return program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows, cols: 2 }), ins("HALT")]);
}

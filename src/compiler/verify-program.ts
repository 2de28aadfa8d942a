/**
 * Instruction-level invariants (used by verify.ts): every field fits its encoding, tiles and passes fit
 * the grid, every access lies inside its memory, and the weight FIFO protocol holds. Each function
 * returns a list of problems (empty when fine) so one run reports everything.
 */
import { OPCODE_BY_MNEMONIC, VECTOR_FUNCTIONS } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";
import type { HwConfig } from "../config/hw-config.js";
import { block, footprint, overlaps } from "./footprint.js";
import type { Space } from "./footprint.js";

const COPY = VECTOR_FUNCTIONS.indexOf("copy");
const CARRIES_DATA = new Set(["RHM", "WHM", "RDW", "RDWU", "MMUL", "ACT", "VEC", "VTR", "VSGD", "WHMA", "VSMX"]);

export function describe(ins: Instruction, pc?: number): string {
  const where = pc === undefined ? "" : `pc ${pc} `;
  return `${where}${ins.op}${ins.comment ? ` (${ins.comment})` : ""}`;
}

/** Field encodings, grid limits and memory bounds of one instruction. */
export function checkInstruction(ins: Instruction, hw: HwConfig, hostElements: number, pc?: number): string[] {
  const problems: string[] = [];
  const at = describe(ins, pc);
  const spec = OPCODE_BY_MNEMONIC.get(ins.op);
  if (!spec) return [`${at}: unknown mnemonic`];
  for (const field of spec.fields) {
    const v = ins.f[field.name];
    const bad = (why: string) => problems.push(`${at}: field ${field.name} = ${v} ${why}`);
    if (typeof v !== "number") {
      problems.push(`${at}: field ${field.name} is missing`);
    } else if (field.kind === "f32") {
      if (!Number.isFinite(v) || Math.fround(v) !== v) bad("is not a finite fp32 value");
    } else if (field.kind === "enum") {
      if (!Number.isInteger(v) || v < 0 || v >= (field.values?.length ?? 0)) bad(`is not one of ${field.values?.join(", ")}`);
    } else if (!Number.isInteger(v) || v < 0 || v >= 2 ** field.bits) {
      bad(`does not fit ${field.bits} unsigned bits`);
    }
  }
  for (const name of Object.keys(ins.f)) {
    if (!spec.fields.some((x) => x.name === name)) problems.push(`${at}: unknown field ${name}`);
  }
  if (problems.length > 0) return problems;

  const f = ins.f;
  if (CARRIES_DATA.has(ins.op) && (f.rows < 1 || f.cols < 1)) problems.push(`${at}: moves nothing (rows ${f.rows}, cols ${f.cols})`);
  if ((ins.op === "RDW" || ins.op === "RDWU") && (f.rows > hw.rows || f.cols > hw.cols)) {
    problems.push(`${at}: tile ${f.rows}x${f.cols} exceeds the ${hw.rows}x${hw.cols} array`);
  }
  if (ins.op === "MMUL" && f.cols > hw.rows) problems.push(`${at}: vectors of ${f.cols} elements exceed the ${hw.rows} array rows`);
  if ((ins.op === "ACT" || ins.op === "VSGD" || ins.op === "WHMA") && f.cols > hw.cols) {
    problems.push(`${at}: ${f.cols} columns exceed the ${hw.cols} accumulator columns`);
  }
  if (ins.op === "VEC") problems.push(...vectorOverlap(ins, at));
  const limit: Record<Space, number> = {
    ub: hw.unifiedBufferElements,
    acc: hw.accumulatorRows,
    weights: hw.weightMemoryElements,
    host: hostElements,
  };
  const unit: Record<Space, string> = { ub: "unified buffer", acc: "accumulators", weights: "weight memory", host: "host memory" };
  for (const a of footprint(ins)) {
    if (a.end > limit[a.space]) {
      problems.push(`${at}: ${a.field} range [${a.start}, ${a.end}) lies outside the ${unit[a.space]} (size ${limit[a.space]})`);
    }
  }
  return problems;
}

/**
 * The machine faults at issue when a VEC source block overlaps its destination without being the
 * same block (same address and stride: an in-place elementwise operation); `copy` reads only `a`.
 */
function vectorOverlap(ins: Instruction, at: string): string[] {
  const f = ins.f;
  const dst = block(f.dst, f.dstride, f.rows, f.cols);
  const sources: [string, number, number][] = [["a", f.a, f.astride]];
  if (ins.f.fn !== COPY) sources.push(["b", f.b, f.bstride]);
  return sources
    .filter(([, address, stride]) => overlaps(dst, block(address, stride, f.rows, f.cols)) && !(address === f.dst && stride === f.dstride))
    .map(([name]) => `${at}: source ${name} overlaps the destination without being the same block`);
}

/**
 * Whole-program invariants: each instruction as above; every `MMUL switch` has a loaded tile to
 * switch to, an MMUL without switch has an active tile; loads never run more than weightFifoTiles
 * ahead of the switches that consume them (counting a tile as outstanding until its switch, which is
 * what keeps the in-order issue free of deadlock); no tile is left unused; HALT ends the program.
 */
export function checkProgram(program: readonly Instruction[], hw: HwConfig, hostElements: number): string[] {
  const problems: string[] = [];
  let outstanding = 0;
  let active = false;
  program.forEach((ins, pc) => {
    problems.push(...checkInstruction(ins, hw, hostElements, pc));
    if (ins.op === "RDW" || ins.op === "RDWU") {
      outstanding++;
      if (outstanding > hw.weightFifoTiles) {
        problems.push(`${describe(ins, pc)}: the weight FIFO would need ${outstanding} outstanding loads but holds ${hw.weightFifoTiles} tiles`);
      }
    } else if (ins.op === "MMUL") {
      if (ins.f.switch) {
        if (outstanding === 0) problems.push(`${describe(ins, pc)}: switch with no tile loaded before it`);
        else outstanding--;
        active = true;
      } else if (!active) {
        problems.push(`${describe(ins, pc)}: MMUL without switch before any tile is active`);
      }
    } else if (ins.op === "HALT" && pc !== program.length - 1) {
      problems.push(`pc ${pc} HALT: instructions follow HALT`);
    }
  });
  if (program.length === 0 || program[program.length - 1].op !== "HALT") problems.push("the program does not end with HALT");
  if (outstanding > 0) problems.push(`${outstanding} loaded tile(s) are never switched to`);
  return problems;
}

/**
 * Shared by schedule and verify (not a pass itself): the memory ranges an instruction reads and
 * writes, each strided block as its bounding range. The scoreboard compares elements exactly
 * (ARCHITECTURE.md "Controller"), so two instructions whose ranges do not overlap never conflict; the
 * schedule only ever keeps more pairs in order than it must. Accumulator ranges are in rows, the
 * others in elements; `end` is exclusive.
 */
import { OPCODE_BY_MNEMONIC, VECTOR_FUNCTIONS } from "../isa/opcodes.js";
import type { Instruction } from "../isa/opcodes.js";

const VEC_COPY = VECTOR_FUNCTIONS.indexOf("copy");

export type Space = "ub" | "acc" | "weights" | "host";

export interface Access {
  readonly space: Space;
  readonly write: boolean;
  readonly start: number;
  readonly end: number;
  /** The field holding the start address, for messages. */
  readonly field: string;
}

/** Bounding range of `rows` rows of `cols` elements, `stride` apart. */
export function block(start: number, stride: number, rows: number, cols: number): { start: number; end: number } {
  return { start, end: rows === 0 || cols === 0 ? start : start + (rows - 1) * stride + cols };
}

export function footprint(ins: Instruction): Access[] {
  const f = ins.f;
  const acc = (space: Space, write: boolean, field: string, stride: number, rows: number, cols: number): Access => ({
    space,
    write,
    field,
    ...block(f[field], stride, rows, cols),
  });
  switch (ins.op) {
    case "RHM":
      return [acc("host", false, "host", f.hstride, f.rows, f.cols), acc("ub", true, "ub", f.ustride, f.rows, f.cols)];
    case "WHM":
      return [acc("ub", false, "ub", f.ustride, f.rows, f.cols), acc("host", true, "host", f.hstride, f.rows, f.cols)];
    case "RDW":
      return f.transpose
        ? [acc("weights", false, "wm", f.wstride, f.cols, f.rows)]
        : [acc("weights", false, "wm", f.wstride, f.rows, f.cols)];
    case "RDWU":
      return f.transpose
        ? [acc("ub", false, "ub", f.ustride, f.cols, f.rows)]
        : [acc("ub", false, "ub", f.ustride, f.rows, f.cols)];
    case "MMUL": {
      const rows = { space: "acc" as const, field: "acc", start: f.acc, end: f.acc + f.rows };
      const out: Access[] = [acc("ub", false, "ub", f.ustride, f.rows, f.cols), { ...rows, write: true }];
      if (f.accumulate) out.push({ ...rows, write: false });
      return out;
    }
    case "ACT":
      return [
        { space: "acc", write: false, field: "acc", start: f.acc, end: f.acc + f.rows },
        acc("ub", true, "ub", f.ustride, f.rows, f.cols),
      ];
    case "VEC": {
      const out = [acc("ub", true, "dst", f.dstride, f.rows, f.cols), acc("ub", false, "a", f.astride, f.rows, f.cols)];
      // copy ignores b (opcodes.ts), so b claims nothing.
      if (f.fn !== VEC_COPY) out.push(acc("ub", false, "b", f.bstride, f.rows, f.cols));
      return out;
    }
    case "VTR":
      return [acc("ub", false, "src", f.sstride, f.rows, f.cols), acc("ub", true, "dst", f.dstride, f.cols, f.rows)];
    case "VSMX":
      return [acc("ub", false, "src", f.sstride, f.rows, f.cols), acc("ub", true, "dst", f.dstride, f.rows, f.cols)];
    case "WHMA":
      return [
        { space: "acc", write: false, field: "acc", start: f.acc, end: f.acc + f.rows },
        acc("host", true, "host", f.hstride, f.rows, f.cols),
      ];
    case "VSGD":
      return [
        { space: "acc", write: false, field: "acc", start: f.acc, end: f.acc + f.rows },
        acc("weights", false, "wm", f.wstride, f.rows, f.cols),
        acc("weights", true, "wm", f.wstride, f.rows, f.cols),
      ];
    default:
      return [];
  }
}

export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The address fields of each memory (the ones footprint() reads). */
const ADDRESS_FIELDS: Record<Exclude<Space, "acc">, readonly [string, string][]> = {
  ub: [["RHM", "ub"], ["WHM", "ub"], ["RDWU", "ub"], ["MMUL", "ub"], ["ACT", "ub"], ["VEC", "dst"], ["VEC", "a"], ["VEC", "b"], ["VTR", "src"], ["VTR", "dst"], ["VSMX", "src"], ["VSMX", "dst"]],
  weights: [["RDW", "wm"], ["VSGD", "wm"]],
  host: [["RHM", "host"], ["WHM", "host"]],
};

/**
 * Elements of `space` that every instruction can address: 2^(narrowest address field), from the ISA
 * table, so a buffer placed below it is reachable by whichever instruction touches it.
 */
export function addressLimit(space: Exclude<Space, "acc">): number {
  const bits = ADDRESS_FIELDS[space].map(([op, name]) => {
    const field = OPCODE_BY_MNEMONIC.get(op)?.fields.find((x) => x.name === name);
    if (!field) throw new Error(`internal: ${op} has no address field ${name}`);
    return field.bits;
  });
  return 2 ** Math.min(...bits);
}

/**
 * Instruction <-> 32-byte word. The word is one 256-bit little-endian integer: bits 0-7 hold the
 * opcode, the opcode's fields follow in table order from bit 8 without gaps, and every bit after the
 * last field is reserved and must be zero (see docs/ISA.md). Everything here derives from OPCODES.
 */
import { UserInputError } from "../errors.js";
import { INSTRUCTION_BYTES, OPCODES, OPCODE_BY_CODE, OPCODE_BY_MNEMONIC } from "./opcodes.js";
import type { FieldSpec, Instruction, OpcodeSpec } from "./opcodes.js";

const OPCODE_BITS = 8;
const WORD_BITS = INSTRUCTION_BYTES * 8;

/** The quiet NaN every f32 NaN is encoded as: JS numbers do not reliably carry NaN payloads. */
export const CANONICAL_NAN_BITS = 0x7fc00000;

interface Layout {
  readonly spec: OpcodeSpec;
  /** Bit offset of each field, parallel to spec.fields. */
  readonly offsets: readonly number[];
  /** First reserved bit. */
  readonly end: number;
}

function layoutOf(spec: OpcodeSpec): Layout {
  const offsets: number[] = [];
  let pos = OPCODE_BITS;
  for (const field of spec.fields) {
    if (field.kind === "enum" && (field.values?.length ?? 0) > 2 ** field.bits) {
      throw new Error(`internal: ${spec.mnemonic}.${field.name} has more values than ${field.bits} bits hold`);
    }
    offsets.push(pos);
    pos += field.bits;
  }
  if (pos > WORD_BITS) throw new Error(`internal: ${spec.mnemonic} needs ${pos} bits, more than ${WORD_BITS}`);
  return { spec, offsets, end: pos };
}

// Built once so a table that cannot be encoded fails at startup rather than on first use.
const LAYOUTS: ReadonlyMap<number, Layout> = new Map(OPCODES.map((o) => [o.code, layoutOf(o)]));

/**
 * Fields are up to 32 bits wide and JS bitwise operators are signed 32-bit, so whole values are moved
 * with arithmetic; only the at-most-8-bit chunk that lands in one byte uses shifts.
 */
function writeBits(out: Uint8Array, start: number, width: number, value: number): void {
  let pos = start;
  let left = width;
  let rest = value;
  while (left > 0) {
    const shift = pos % 8;
    const n = Math.min(8 - shift, left);
    const chunk = rest % 2 ** n;
    out[pos >> 3] |= chunk << shift;
    rest = (rest - chunk) / 2 ** n;
    pos += n;
    left -= n;
  }
}

function readBits(bytes: Uint8Array, base: number, start: number, width: number): number {
  let pos = start;
  let left = width;
  let value = 0;
  let scale = 1;
  while (left > 0) {
    const shift = pos % 8;
    const n = Math.min(8 - shift, left);
    value += ((bytes[base + (pos >> 3)] >> shift) & ((1 << n) - 1)) * scale;
    scale *= 2 ** n;
    pos += n;
    left -= n;
  }
  return value;
}

/** The lowest set bit at or above `start` in the word at `base`, or -1. Byte-wise: decoding is on the load path. */
function firstSetBit(bytes: Uint8Array, base: number, start: number): number {
  for (let byte = start >> 3; byte < INSTRUCTION_BYTES; byte++) {
    const from = byte === start >> 3 ? start % 8 : 0;
    const set = (bytes[base + byte] >> from) << from;
    if (set !== 0) return byte * 8 + 31 - Math.clz32(set & -set);
  }
  return -1;
}

/** IEEE binary32 bit pattern of Math.fround(v); every NaN becomes CANONICAL_NAN_BITS. */
export function f32ToBits(v: number): number {
  if (Number.isNaN(v)) return CANONICAL_NAN_BITS;
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, v, true);
  return view.getUint32(0, true);
}

export function bitsToF32(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits, true);
  return view.getFloat32(0, true);
}

function fieldBits(op: string, field: FieldSpec, v: number | undefined): number {
  if (typeof v !== "number") throw new Error(`internal: ${op}.${field.name} is missing or not a number`);
  if (field.kind === "f32") return f32ToBits(v);
  const max = field.kind === "enum" ? (field.values?.length ?? 0) - 1 : 2 ** field.bits - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`internal: ${op}.${field.name} = ${v} is outside 0..${max}`);
  }
  return v;
}

/** Encode one instruction. Out-of-range values are bugs in the caller (the assembler checks first). */
export function encodeInstruction(ins: Instruction): Uint8Array {
  const spec = OPCODE_BY_MNEMONIC.get(ins.op);
  if (!spec) throw new Error(`internal: unknown mnemonic ${ins.op}`);
  const layout = LAYOUTS.get(spec.code) as Layout;
  for (const name of Object.keys(ins.f)) {
    if (!spec.fields.some((f) => f.name === name)) throw new Error(`internal: ${ins.op} has no field ${name}`);
  }
  const out = new Uint8Array(INSTRUCTION_BYTES);
  out[0] = spec.code;
  spec.fields.forEach((field, i) => {
    writeBits(out, layout.offsets[i], field.bits, fieldBits(ins.op, field, ins.f[field.name]));
  });
  return out;
}

/**
 * Decode the 32 bytes at `offset`. Errors are user errors (the bytes come from a file) that carry the
 * instruction's byte offset and the offending field.
 */
export function decodeInstruction(bytes: Uint8Array, offset: number, file?: string): Instruction {
  const where = (field: string) => ({ file, offset, field });
  const available = bytes.length - offset;
  if (available < INSTRUCTION_BYTES) {
    const found = Math.max(0, available);
    const detail = `truncated instruction: expected ${INSTRUCTION_BYTES} bytes, found ${found}`;
    throw new UserInputError(detail, { file, offset });
  }
  const code = bytes[offset];
  const layout = LAYOUTS.get(code);
  if (!layout) {
    throw new UserInputError(`unknown opcode 0x${code.toString(16).padStart(2, "0")}`, where("opcode"));
  }
  const { spec } = layout;
  const f: Record<string, number> = {};
  for (const [i, field] of spec.fields.entries()) {
    const raw = readBits(bytes, offset, layout.offsets[i], field.bits);
    const values = field.values ?? [];
    if (field.kind === "enum" && raw >= values.length) {
      const valid = `${values.length} values: ${values.join(", ")}`;
      const detail = `${spec.mnemonic}.${field.name}: enum index ${raw} out of range (${valid})`;
      throw new UserInputError(detail, where(field.name));
    }
    f[field.name] = field.kind === "f32" ? bitsToF32(raw) : raw;
  }
  const bit = firstSetBit(bytes, offset, layout.end);
  if (bit >= 0) {
    const detail = `${spec.mnemonic}: reserved bit ${bit} is set (bits ${layout.end}-${WORD_BITS - 1} must be zero)`;
    throw new UserInputError(detail, where("reserved"));
  }
  return { op: spec.mnemonic, f };
}

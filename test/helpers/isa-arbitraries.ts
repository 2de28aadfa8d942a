/**
 * fast-check arbitraries for encodable ISA values: any field value its width allows, any instruction
 * in the opcode table, and whole programs with non-overlapping data segments. Unlike the arbitraries in
 * programs.ts these need not be runnable: they are for encode/decode/assemble/disassemble round trips.
 * Everything derives from OPCODES, so a new opcode or a widened field is covered without edits here.
 */
import fc from "fast-check";
import { OPCODES } from "../../src/isa/opcodes.js";
import type { FieldSpec, Instruction, OpcodeSpec } from "../../src/isa/opcodes.js";
import type { DataMemory, DataSegment, Program } from "../../src/isa/program.js";

/**
 * Any value the field can encode. fc.float() yields only Number.NaN among NaNs, which encodes as the
 * canonical quiet NaN: the one NaN that also survives the text form.
 */
export function fieldArb(field: FieldSpec): fc.Arbitrary<number> {
  if (field.kind === "u") return fc.integer({ min: 0, max: 2 ** field.bits - 1 });
  if (field.kind === "flag") return fc.constantFrom(0, 1);
  if (field.kind === "enum") return fc.integer({ min: 0, max: (field.values?.length ?? 1) - 1 });
  return fc.float();
}

/** Instructions of one opcode, every field drawn from fieldArb. */
export function instructionArbFor(spec: OpcodeSpec): fc.Arbitrary<Instruction> {
  const fields = Object.fromEntries(spec.fields.map((f) => [f.name, fieldArb(f)]));
  return fc.record(fields).map((f) => ({ op: spec.mnemonic, f }));
}

/** Instructions of any opcode in the table. */
export const instructionArb: fc.Arbitrary<Instruction> = fc.constantFrom(...OPCODES).chain(instructionArbFor);

export interface SegmentsArbOptions {
  /** Most values in one segment. */
  readonly maxValues?: number;
  /** Most segments in one program. */
  readonly maxSegments?: number;
}

/**
 * Non-overlapping data segments (some empty, some touching, some with gaps of up to 2^29 elements),
 * laid out per memory in generation order and then emitted in a shuffled order.
 */
export function segmentsArb({ maxValues = 12, maxSegments = 6 }: SegmentsArbOptions = {}): fc.Arbitrary<DataSegment[]> {
  return fc
    .array(
      fc.record({
        memory: fc.constantFrom<DataMemory>("host", "weights"),
        gap: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 ** 29 })),
        values: fc.array(fc.float(), { maxLength: maxValues }),
        key: fc.nat(),
      }),
      { maxLength: maxSegments },
    )
    .map((specs) => {
      const next: Record<DataMemory, number> = { host: 0, weights: 0 };
      const placed = specs.map((s) => {
        const address = next[s.memory] + s.gap;
        next[s.memory] = address + s.values.length;
        return { key: s.key, seg: { memory: s.memory, address, values: Float32Array.from(s.values) } };
      });
      return placed.sort((a, b) => a.key - b.key).map((p) => p.seg);
    });
}

export interface ProgramArbOptions extends SegmentsArbOptions {
  /** Most instructions in one program. */
  readonly maxInstructions?: number;
}

/** Programs of random instructions and random non-overlapping data segments. */
export function programArb({ maxInstructions = 10, ...segments }: ProgramArbOptions = {}): fc.Arbitrary<Program> {
  return fc.record({
    instructions: fc.array(instructionArb, { maxLength: maxInstructions }),
    data: segmentsArb(segments),
  });
}

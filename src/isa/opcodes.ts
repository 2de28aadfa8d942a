/**
 * THE instruction table. Every instruction is 32 bytes (256 bits, little-endian). Bits 0-7 hold the
 * opcode; the fields follow in table order from bit 8, each `bits` wide, packed without gaps.
 * Encoder, decoder, assembler, disassembler and docs/ISA.md all derive from this table.
 *
 * Field kinds:
 *   u     unsigned integer
 *   flag  1 bit; in assembly written as a bare word (e.g. `switch`, `accumulate`, `transpose`) after the operands
 *   f32   IEEE-754 binary32 bit pattern; assembly writes a decimal number
 *   enum  index into `values`; assembly writes the name
 */

export type FieldKind = "u" | "flag" | "f32" | "enum";

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly bits: number;
  readonly values?: readonly string[];
  readonly doc: string;
}

export type UnitName = "control" | "dma" | "weights" | "matrix" | "activation" | "vector";

export interface OpcodeSpec {
  readonly mnemonic: string;
  readonly code: number;
  readonly unit: UnitName;
  readonly fields: readonly FieldSpec[];
  readonly doc: string;
}

export const INSTRUCTION_BYTES = 32;

export const ACTIVATION_FUNCTIONS = ["identity", "relu", "sigmoid"] as const;
export type ActivationFunction = (typeof ACTIVATION_FUNCTIONS)[number];

/** Vector-unit functions: dst = imm * f(a, b), see numerics/vector-ops.ts. */
export const VECTOR_FUNCTIONS = ["add", "sub", "mul", "copy", "dsigmul", "drelumul"] as const;
export type VectorFunction = (typeof VECTOR_FUNCTIONS)[number];

const u = (name: string, bits: number, doc: string): FieldSpec => ({ name, kind: "u", bits, doc });
const flag = (name: string, doc: string): FieldSpec => ({ name, kind: "flag", bits: 1, doc });
const f32 = (name: string, doc: string): FieldSpec => ({ name, kind: "f32", bits: 32, doc });
const enumField = (name: string, values: readonly string[], doc: string): FieldSpec => ({
  name,
  kind: "enum",
  bits: 4,
  values,
  doc,
});

export const OPCODES: readonly OpcodeSpec[] = [
  { mnemonic: "NOP", code: 0x00, unit: "control", fields: [], doc: "Do nothing for one issue slot." },
  { mnemonic: "HALT", code: 0x01, unit: "control", fields: [], doc: "Stop once every unit has finished." },
  { mnemonic: "SYNC", code: 0x02, unit: "control", fields: [], doc: "Fence: issue nothing more until every unit is idle." },
  {
    mnemonic: "RHM",
    code: 0x10,
    unit: "dma",
    doc: "Read_Host_Memory: host fp32 matrix -> unified buffer, converted to the array data type.",
    fields: [
      u("host", 32, "host memory element address of row 0"),
      u("hstride", 24, "host elements between rows"),
      u("ub", 28, "unified buffer element address of row 0"),
      u("ustride", 16, "unified buffer elements between rows"),
      u("rows", 16, "rows to move"),
      u("cols", 16, "elements per row"),
    ],
  },
  {
    mnemonic: "WHM",
    code: 0x11,
    unit: "dma",
    doc: "Write_Host_Memory: unified buffer -> host memory (decoded to fp32).",
    fields: [
      u("ub", 28, "unified buffer element address of row 0"),
      u("ustride", 16, "unified buffer elements between rows"),
      u("host", 32, "host memory element address of row 0"),
      u("hstride", 24, "host elements between rows"),
      u("rows", 16, "rows to move"),
      u("cols", 16, "elements per row"),
    ],
  },
  {
    mnemonic: "WHMA",
    code: 0x12,
    unit: "dma",
    doc: "Write accumulators to host memory exactly (fp32 or int32 as numbers), bypassing the activation unit.",
    fields: [
      u("acc", 16, "first accumulator row"),
      u("rows", 16, "rows"),
      u("cols", 16, "elements per row (<= C)"),
      u("host", 32, "host memory element address of row 0"),
      u("hstride", 24, "host elements between rows"),
    ],
  },
  {
    mnemonic: "RDW",
    code: 0x20,
    unit: "weights",
    doc: "Read_Weights: a rows x cols tile from weight memory into the weight FIFO (optionally transposed).",
    fields: [
      u("wm", 32, "weight memory element address"),
      u("wstride", 24, "weight memory elements between stored rows"),
      u("rows", 16, "tile rows (<= array rows R)"),
      u("cols", 16, "tile columns (<= array columns C)"),
      flag("transpose", "tile[r][c] = wm[wm + c*wstride + r] instead of wm[wm + r*wstride + c]"),
    ],
  },
  {
    mnemonic: "RDWU",
    code: 0x21,
    unit: "weights",
    doc: "Read a stationary tile from the unified buffer into the weight FIFO (for X^T-style products).",
    fields: [
      u("ub", 28, "unified buffer element address"),
      u("ustride", 16, "unified buffer elements between rows"),
      u("rows", 16, "tile rows (<= R)"),
      u("cols", 16, "tile columns (<= C)"),
      flag("transpose", "tile[r][c] = ub[ub + c*ustride + r]"),
    ],
  },
  {
    mnemonic: "MMUL",
    code: 0x30,
    unit: "matrix",
    doc: "MatrixMultiply: `rows` input vectors from the unified buffer through the array into accumulator rows.",
    fields: [
      u("ub", 28, "unified buffer element address of vector 0"),
      u("ustride", 16, "unified buffer elements between vectors"),
      u("rows", 16, "number of input vectors B"),
      u("cols", 16, "elements per vector (<= R); lanes beyond are fed zeros"),
      u("acc", 16, "accumulator row of vector 0"),
      flag("switch", "make the next loaded weight tile active before the first vector"),
      flag("accumulate", "add into the accumulators instead of overwriting them"),
    ],
  },
  {
    mnemonic: "ACT",
    code: 0x40,
    unit: "activation",
    doc: "Activate: accumulator rows -> f(acc*inscale)*outscale -> unified buffer in the array data type.",
    fields: [
      u("acc", 16, "first accumulator row"),
      u("rows", 16, "rows"),
      u("cols", 16, "elements per row (<= C)"),
      u("ub", 28, "unified buffer element address of the first output row"),
      u("ustride", 16, "unified buffer elements between output rows"),
      enumField("fn", ACTIVATION_FUNCTIONS, "activation function"),
      f32("inscale", "scale applied to the accumulator value before f (int8 dequantization)"),
      f32("outscale", "scale applied after f (int8 requantization)"),
    ],
  },
  {
    mnemonic: "VEC",
    code: 0x50,
    unit: "vector",
    doc: "Elementwise vector op on unified-buffer matrices: dst = imm * f(a, b).",
    fields: [
      enumField("fn", VECTOR_FUNCTIONS, "elementwise function"),
      u("dst", 28, "destination address"),
      u("dstride", 16, "destination elements between rows"),
      u("a", 28, "first operand address"),
      u("astride", 16, "first operand elements between rows"),
      u("b", 28, "second operand address (ignored by copy)"),
      u("bstride", 16, "second operand elements between rows"),
      u("rows", 16, "rows"),
      u("cols", 16, "elements per row"),
      f32("imm", "scale applied to the result"),
    ],
  },
  {
    mnemonic: "VTR",
    code: 0x51,
    unit: "vector",
    doc: "Transpose a rows x cols block of the unified buffer: dst[c][r] = src[r][c].",
    fields: [
      u("src", 28, "source address"),
      u("sstride", 16, "source elements between rows"),
      u("rows", 16, "source rows"),
      u("cols", 16, "source columns"),
      u("dst", 28, "destination address"),
      u("dstride", 16, "destination elements between rows (rows of the transposed block)"),
    ],
  },
  {
    mnemonic: "VSGD",
    code: 0x52,
    unit: "vector",
    doc: "SGD update of fp32 master weights: wm[r][c] -= lr * acc[r][c], in fp32.",
    fields: [
      u("wm", 32, "weight memory element address of row 0"),
      u("wstride", 24, "weight memory elements between rows"),
      u("acc", 16, "first accumulator row (gradient)"),
      u("rows", 16, "rows"),
      u("cols", 16, "elements per row (<= C)"),
      f32("lr", "learning rate"),
    ],
  },
  {
    mnemonic: "VSMX",
    code: 0x53,
    unit: "vector",
    doc: "Row-wise softmax of a rows x cols block of the unified buffer: dst[r] = softmax(src[r]).",
    fields: [
      u("src", 28, "source address"),
      u("sstride", 16, "source elements between rows"),
      u("dst", 28, "destination address"),
      u("dstride", 16, "destination elements between rows"),
      u("rows", 16, "rows"),
      u("cols", 16, "elements per row (the softmax runs over each row)"),
    ],
  },
];

export const OPCODE_BY_MNEMONIC: ReadonlyMap<string, OpcodeSpec> = new Map(OPCODES.map((o) => [o.mnemonic, o]));
export const OPCODE_BY_CODE: ReadonlyMap<number, OpcodeSpec> = new Map(OPCODES.map((o) => [o.code, o]));

/**
 * A decoded instruction: its mnemonic and every field by name (flags are 0/1, f32 fields hold the
 * number, enums the index). `source` is the assembly line it came from, when known.
 */
export interface Instruction {
  readonly op: string;
  readonly f: Readonly<Record<string, number>>;
  readonly source?: number;
  readonly comment?: string;
}

/** Build an instruction, filling omitted fields with 0 (f32 fields default to 1.0 for scales). */
export function makeInstruction(op: string, fields: Record<string, number | string> = {}, comment?: string): Instruction {
  const spec = OPCODE_BY_MNEMONIC.get(op);
  if (!spec) throw new Error(`internal: unknown mnemonic ${op}`);
  const f: Record<string, number> = {};
  for (const field of spec.fields) {
    const v = fields[field.name];
    if (v === undefined) f[field.name] = field.kind === "f32" ? 1 : 0;
    else if (typeof v === "string") {
      const idx = field.values?.indexOf(v) ?? -1;
      if (idx < 0) throw new Error(`internal: ${op}.${field.name} has no value ${v}`);
      f[field.name] = idx;
    } else f[field.name] = v;
  }
  for (const k of Object.keys(fields)) {
    if (!spec.fields.some((x) => x.name === k)) throw new Error(`internal: ${op} has no field ${k}`);
  }
  return comment === undefined ? { op, f } : { op, f, comment };
}

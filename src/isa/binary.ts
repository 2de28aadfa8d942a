/**
 * The program file (docs/ISA.md, "Binary program format"), all little-endian:
 *   "TPUS" | u16 version = 1 | u16 reserved = 0 | u32 instruction count | u32 data segment count
 *   instructions, 32 bytes each
 *   per segment: u8 memory (0 host, 1 weights) | 3 zero bytes | u32 element address | u32 count | count x f32
 * Decoding accepts exactly the files encoding produces, so decode -> encode gives back the same bytes
 * (except that NaN payloads in instruction f32 fields are canonicalised, see encoding.ts).
 */
import { UserInputError } from "../errors.js";
import { decodeInstruction, encodeInstruction } from "./encoding.js";
import { INSTRUCTION_BYTES } from "./opcodes.js";
import type { Instruction } from "./opcodes.js";
import type { DataMemory, DataSegment, Program } from "./program.js";

export const PROGRAM_MAGIC = "TPUS";
export const PROGRAM_VERSION = 1;
const HEADER_BYTES = 16;
const SEGMENT_HEADER_BYTES = 12;
const MEMORY_IDS: readonly DataMemory[] = ["host", "weights"];
const ADDRESS_LIMIT = 2 ** 32;

/** The part of a segment the overlap check needs; the assembler uses it before values exist. */
export interface SegmentExtent {
  readonly memory: DataMemory;
  readonly address: number;
  readonly length: number;
}

/**
 * The first pair [earlier, later] (indices in program order) of segments in the same memory that share
 * an element, or undefined. Empty segments overlap nothing.
 */
export function findSegmentOverlap(segments: readonly SegmentExtent[]): [number, number] | undefined {
  const end = (i: number) => segments[i].address + segments[i].length;
  const order = segments
    .map((_, i) => i)
    .filter((i) => segments[i].length > 0)
    .sort((a, b) => {
      const sa = segments[a];
      const sb = segments[b];
      return sa.memory === sb.memory ? sa.address - sb.address : sa.memory < sb.memory ? -1 : 1;
    });
  // Sorted by start, an overlap exists exactly when a segment starts before the furthest end so far.
  let reach: number | undefined;
  for (const i of order) {
    const sameMemory = reach !== undefined && segments[reach].memory === segments[i].memory;
    if (reach !== undefined && sameMemory && segments[i].address < end(reach)) {
      return [Math.min(reach, i), Math.max(reach, i)];
    }
    if (reach === undefined || !sameMemory || end(i) > end(reach)) reach = i;
  }
  return undefined;
}

function checkSegment(s: DataSegment, i: number): void {
  if (!MEMORY_IDS.includes(s.memory)) throw new Error(`internal: data segment ${i} has memory ${s.memory}`);
  if (!Number.isInteger(s.address) || s.address < 0 || s.address + s.values.length > ADDRESS_LIMIT) {
    const extent = `${s.address} (+${s.values.length})`;
    throw new Error(`internal: data segment ${i} at ${extent} leaves the 32-bit address space`);
  }
}

export function encodeProgram(p: Program): Uint8Array {
  p.data.forEach(checkSegment);
  const overlap = findSegmentOverlap(p.data.map((s) => ({ ...s, length: s.values.length })));
  if (overlap) throw new Error(`internal: data segments ${overlap[0]} and ${overlap[1]} overlap`);
  const valueCount = p.data.reduce((n, s) => n + s.values.length, 0);
  const size =
    HEADER_BYTES + p.instructions.length * INSTRUCTION_BYTES + p.data.length * SEGMENT_HEADER_BYTES + valueCount * 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = PROGRAM_MAGIC.charCodeAt(i);
  view.setUint16(4, PROGRAM_VERSION, true);
  view.setUint32(8, p.instructions.length, true);
  view.setUint32(12, p.data.length, true);
  let pos = HEADER_BYTES;
  for (const ins of p.instructions) {
    out.set(encodeInstruction(ins), pos);
    pos += INSTRUCTION_BYTES;
  }
  for (const s of p.data) {
    out[pos] = MEMORY_IDS.indexOf(s.memory);
    view.setUint32(pos + 4, s.address, true);
    view.setUint32(pos + 8, s.values.length, true);
    pos += SEGMENT_HEADER_BYTES;
    // Through the raw bits, so data NaN payloads survive the file unchanged.
    const bits = new Uint32Array(s.values.buffer, s.values.byteOffset, s.values.length);
    for (const b of bits) {
      view.setUint32(pos, b, true);
      pos += 4;
    }
  }
  return out;
}

export function decodeProgram(bytes: Uint8Array, file?: string): Program {
  function fail(detail: string, offset: number): never {
    throw new UserInputError(detail, { file, offset });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_BYTES) fail(`truncated header: expected ${HEADER_BYTES} bytes, found ${bytes.length}`, 0);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== PROGRAM_MAGIC) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    fail(`bad magic: expected "${PROGRAM_MAGIC}", found bytes ${hex}; not a tpusim program`, 0);
  }
  const version = view.getUint16(4, true);
  if (version !== PROGRAM_VERSION) {
    fail(`unsupported version ${version} (this tpusim reads version ${PROGRAM_VERSION})`, 4);
  }
  const reserved = view.getUint16(6, true);
  if (reserved !== 0) fail(`reserved header field is ${reserved}, must be 0`, 6);
  const instructionCount = view.getUint32(8, true);
  const segmentCount = view.getUint32(12, true);

  let pos = HEADER_BYTES;
  const instructions: Instruction[] = [];
  for (let i = 0; i < instructionCount; i++) {
    const left = bytes.length - pos;
    if (left < INSTRUCTION_BYTES) {
      const which = `instruction ${i} of ${instructionCount}`;
      fail(`truncated ${which}: expected ${INSTRUCTION_BYTES} bytes, found ${left}`, pos);
    }
    instructions.push(decodeInstruction(bytes, pos, file));
    pos += INSTRUCTION_BYTES;
  }

  const data: DataSegment[] = [];
  const starts: number[] = [];
  for (let i = 0; i < segmentCount; i++) {
    const left = bytes.length - pos;
    if (left < SEGMENT_HEADER_BYTES) {
      const which = `data segment ${i} of ${segmentCount}`;
      fail(`truncated ${which}: expected a ${SEGMENT_HEADER_BYTES}-byte header, found ${left}`, pos);
    }
    const memory = MEMORY_IDS[bytes[pos]];
    if (memory === undefined) fail(`data segment ${i}: unknown memory id ${bytes[pos]} (0 = host, 1 = weights)`, pos);
    for (let k = 1; k < 4; k++) {
      if (bytes[pos + k] !== 0) fail(`data segment ${i}: padding byte is ${bytes[pos + k]}, must be 0`, pos + k);
    }
    const address = view.getUint32(pos + 4, true);
    const count = view.getUint32(pos + 8, true);
    if (address + count > ADDRESS_LIMIT) {
      fail(`data segment ${i}: ${count} values from element ${address} run past the 32-bit address space`, pos);
    }
    const valueBytes = left - SEGMENT_HEADER_BYTES;
    if (valueBytes < count * 4) {
      const expected = `${count} f32 values (${count * 4} bytes)`;
      fail(`truncated data segment ${i}: expected ${expected}, found ${valueBytes} bytes`, pos);
    }
    starts.push(pos);
    pos += SEGMENT_HEADER_BYTES;
    const values = new Float32Array(count);
    const bits = new Uint32Array(values.buffer);
    for (let k = 0; k < count; k++, pos += 4) bits[k] = view.getUint32(pos, true);
    data.push({ memory, address, values });
  }
  const overlap = findSegmentOverlap(data.map((s) => ({ ...s, length: s.values.length })));
  if (overlap) {
    const [a, b] = overlap;
    fail(`data segment ${b} overlaps data segment ${a} in ${data[b].memory} memory`, starts[b]);
  }
  if (pos !== bytes.length) fail(`trailing bytes: ${bytes.length - pos} bytes after the last data segment`, pos);
  return { instructions, data };
}

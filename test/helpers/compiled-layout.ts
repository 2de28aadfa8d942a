/** Reading a compiled program's buffers back out of a machine's memories, and comparing fp32 bits. */
import type { CompiledProgram } from "../../src/compiler/index.js";

/** fp32 bit patterns, so -0 and +0 (and NaN payloads) count as different. */
export function bits(a: ArrayLike<number>): Uint32Array {
  return new Uint32Array(Float32Array.from(a).buffer);
}

/** rows x cols values of a strided block, row-major. */
export function block(src: ArrayLike<number>, address: number, stride: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = src[address + r * stride + c];
  return out;
}

/** A placed buffer of the compiled program, by name. */
export function buffer(c: CompiledProgram, name: string) {
  const b = c.buffers.find((x) => x.name === name);
  if (!b) throw new Error(`no buffer ${name}`);
  return b;
}

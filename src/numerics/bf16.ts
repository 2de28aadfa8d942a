/**
 * bfloat16: the top 16 bits of an IEEE-754 binary32. Conversion from fp32 rounds to nearest, ties to
 * even; NaN stays NaN (quiet). Every bf16 value is exactly representable as fp32 and as a JS number,
 * so the datapath keeps decoded values in Float32Array and only memories store the 16-bit pattern.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** fp32 (or any number, first rounded to fp32) -> bf16 bit pattern, round to nearest even. */
export function toBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0) return ((bits >>> 16) | 0x0040) & 0xffff;
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** bf16 bit pattern -> number (exact). */
export function fromBf16Bits(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Round a number to the nearest bf16 value (via fp32 first), returned as a number. */
export function roundBf16(x: number): number {
  return fromBf16Bits(toBf16Bits(x));
}

/**
 * Round fp32 values in place to bf16 (nearest, ties to even), elements [from, to) of `buf`, through
 * an integer view of the same memory. Returns the index of the first value that is, or rounds to,
 * a non-finite one, or -1.
 * Same results as roundBf16 element by element; used on whole rows where speed matters. `bits` is
 * an integer view of `buf` (pass one to avoid creating it on every call).
 */
export function roundBf16InPlace(
  buf: Float32Array, from: number, to: number,
  bits: Uint32Array = new Uint32Array(buf.buffer, buf.byteOffset, buf.length),
): number {
  let bad = -1;
  for (let i = from; i < to; i++) {
    const b = bits[i];
    if ((b & 0x7f800000) === 0x7f800000) {
      if (bad < 0) bad = i;
      bits[i] = (b & 0x007fffff) !== 0 ? (b | 0x00400000) & 0xffff0000 : b & 0xffff0000;
      continue;
    }
    const r = ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
    // A finite fp32 beyond the largest bf16 rounds to infinity: reported like one.
    if ((r & 0x7f800000) === 0x7f800000 && bad < 0) bad = i;
    bits[i] = r;
  }
  return bad;
}

/**
 * int8 numerics of the TPU v1 path. Products int8 x int8 are exact; sums are int32 with
 * two's-complement wrap-around (documented overflow semantics, docs/ARCHITECTURE.md "Numerics").
 */

/** Round half to even, then saturate to [-128, 127]. NaN maps to 0. */
export function toInt8(x: number): number {
  if (x !== x) return 0;
  let r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) r = 2 * Math.round(x / 2);
  return r > 127 ? 127 : r < -128 ? -128 : r;
}

/** int32 wrap-around of an exact integer-valued number. */
export function wrapInt32(x: number): number {
  return x | 0;
}

/**
 * The systolic array's row kernels (src/hw/systolic-array.ts): the MACs of one evaluate, on the
 * array's renamed registers. Separate functions per data type keep each typed-array site monomorphic.
 */

/**
 * Columns c0..c1 of one PE row: psum += act * weight, where the activation of column c is
 * setup[a0 - (c - c0)] (older vectors sit further right). Row 0 starts from the top input instead.
 */
export function rowSegmentFloat(
  psum: Float32Array, pBase: number, firstRow: boolean, top: Float32Array,
  setup: Float32Array, a0: number, weights: Float32Array, wBase: number, c0: number, c1: number,
): void {
  const aOff = a0 + c0;
  if (firstRow) {
    for (let c = c0; c <= c1; c++) psum[pBase + c] = top[c] + setup[aOff - c] * weights[wBase + c];
    return;
  }
  // Unrolled by four: the per-PE work is three loads and a store, so loop overhead matters.
  let c = c0;
  let p = pBase + c0;
  let w = wBase + c0;
  let a = aOff - c0;
  for (const end = c1 - 3; c <= end; c += 4, p += 4, w += 4, a -= 4) {
    psum[p] += setup[a] * weights[w];
    psum[p + 1] += setup[a - 1] * weights[w + 1];
    psum[p + 2] += setup[a - 2] * weights[w + 2];
    psum[p + 3] += setup[a - 3] * weights[w + 3];
  }
  for (; c <= c1; c++, p++, w++, a--) psum[p] += setup[a] * weights[w];
}

/**
 * The int8 twin of rowSegmentFloat, in int32 arithmetic: activations and weights are int8 integers,
 * so imul is exact and `| 0` is the accumulator's wrap-around (the same value the float product
 * stored through the Int32Array gives). A separate function keeps each typed-array site monomorphic.
 */
export function rowSegmentInt(
  psum: Int32Array, pBase: number, firstRow: boolean, top: Int32Array,
  setup: Int32Array, a0: number, weights: Int32Array, wBase: number, c0: number, c1: number,
): void {
  const aOff = a0 + c0;
  if (firstRow) {
    for (let c = c0; c <= c1; c++) psum[pBase + c] = (top[c] + Math.imul(setup[aOff - c], weights[wBase + c])) | 0;
    return;
  }
  let c = c0;
  let p = pBase + c0;
  let w = wBase + c0;
  let a = aOff - c0;
  for (const end = c1 - 3; c <= end; c += 4, p += 4, w += 4, a -= 4) {
    psum[p] = (psum[p] + Math.imul(setup[a], weights[w])) | 0;
    psum[p + 1] = (psum[p + 1] + Math.imul(setup[a - 1], weights[w + 1])) | 0;
    psum[p + 2] = (psum[p + 2] + Math.imul(setup[a - 2], weights[w + 2])) | 0;
    psum[p + 3] = (psum[p + 3] + Math.imul(setup[a - 3], weights[w + 3])) | 0;
  }
  for (; c <= c1; c++, p++, w++, a--) psum[p] = (psum[p] + Math.imul(setup[a], weights[w])) | 0;
}

/**
 * The whole window in one run of bank tag g (slot g of the weights): PE row r adds lane r of the
 * vectors latched at t-1-r-c to its psum, column by column (rowSegmentInt with c0 = 0, c1 = C-1, for
 * every row). jHi and pRow are row 0's newest vector slot and psum ring row.
 */
export function wholeWindowInt(
  psum: Int32Array, top: Int32Array, setup: Int32Array, weights: Int32Array,
  R: number, C: number, N: number, g: number, jHi: number, pRow: number,
): void {
  const S = 2 * N;
  let w = g * R * C;
  for (let r = 0; r < R; r++, w += C) {
    const p = pRow * C;
    const a = r * S + N + jHi;
    if (r === 0) {
      for (let c = 0; c < C; c++) psum[p + c] = (top[c] + Math.imul(setup[a - c], weights[w + c])) | 0;
    } else {
      let c = 0;
      for (; c <= C - 4; c += 4) {
        psum[p + c] = (psum[p + c] + Math.imul(setup[a - c], weights[w + c])) | 0;
        psum[p + c + 1] = (psum[p + c + 1] + Math.imul(setup[a - c - 1], weights[w + c + 1])) | 0;
        psum[p + c + 2] = (psum[p + c + 2] + Math.imul(setup[a - c - 2], weights[w + c + 2])) | 0;
        psum[p + c + 3] = (psum[p + c + 3] + Math.imul(setup[a - c - 3], weights[w + c + 3])) | 0;
      }
      for (; c < C; c++) psum[p + c] = (psum[p + c] + Math.imul(setup[a - c], weights[w + c])) | 0;
    }
    jHi = jHi === 0 ? N - 1 : jHi - 1;
    pRow = pRow === R ? 0 : pRow + 1;
  }
}

/** The float twin of wholeWindowInt (rowSegmentFloat's arithmetic, in the same order). */
export function wholeWindowFloat(
  psum: Float32Array, top: Float32Array, setup: Float32Array, weights: Float32Array,
  R: number, C: number, N: number, g: number, jHi: number, pRow: number,
): void {
  const S = 2 * N;
  let w = g * R * C;
  for (let r = 0; r < R; r++, w += C) {
    const p = pRow * C;
    const a = r * S + N + jHi;
    if (r === 0) {
      for (let c = 0; c < C; c++) psum[p + c] = top[c] + setup[a - c] * weights[w + c];
    } else {
      let c = 0;
      for (; c <= C - 4; c += 4) {
        psum[p + c] += setup[a - c] * weights[w + c];
        psum[p + c + 1] += setup[a - c - 1] * weights[w + c + 1];
        psum[p + c + 2] += setup[a - c - 2] * weights[w + c + 2];
        psum[p + c + 3] += setup[a - c - 3] * weights[w + c + 3];
      }
      for (; c < C; c++) psum[p + c] += setup[a - c] * weights[w + c];
    }
    jHi = jHi === 0 ? N - 1 : jHi - 1;
    pRow = pRow === R ? 0 : pRow + 1;
  }
}

/**
 * Nonzero unless the fp32 with bits u is ±0 or a bf16 value (low 16 bits zero) of magnitude in
 * [2^-67, 2^64) (biased exponent 60..190). The product of two such values is exact in fp32: it has
 * at most 16 significant bits, its lowest at or above 2^(-67-7-67-7) = 2^-148, and its magnitude at
 * most (2 - 2^-7)^2 * 2^126 < 2^128 - 2^104, the largest fp32 (so the bf16 SIMD kernel in
 * pe-rows-wasm.ts gives JavaScript's numbers).
 * Infinities, NaNs, subnormals and values that are not bf16 are all outside.
 */
export function inexactBits(u: number): number {
  const m = u & 0x7fffffff;
  return m === 0 ? 0 : (u & 0xffff) | (((m >>> 23) - EXACT_EXPONENT_LO) >>> 0 > EXACT_EXPONENT_SPAN ? 1 : 0);
}

/** inexactBits' biased exponents: EXACT_EXPONENT_LO .. EXACT_EXPONENT_LO + EXACT_EXPONENT_SPAN (the kernel's check too). */
export const EXACT_EXPONENT_LO = 60;
export const EXACT_EXPONENT_SPAN = 130;

/**
 * Fast mode's predictions for the matrix unit and the weight shifter, in closed form
 * (docs/ARCHITECTURE.md "MatrixMultiply", "Weight shift", "Counters"). The matrix unit never waits
 * for a port, so a pass's events are fixed at issue: vector b is read at t0+b, column c reads its
 * psum input at t0+b+1+c and writes its result at t0+b+R+c+1, PE(r,c) computes it at t0+b+1+r+c.
 * The counts below are the number of those events inside a cycle range [from, to), so fast mode can
 * charge an interval of any length at once. Detailed mode never reads this file: there the array,
 * the accumulators and the shifter do the work and the counters count it.
 */

/** Completion of a pass of B vectors issued at t0 on an R x C array: its last result write. */
export function passCompleteCycle(R: number, C: number, t0: number, vectors: number): number {
  return t0 + vectors + R + C - 1;
}

/** #{x in [0, n) : x <= s}. */
function upTo(s: number, n: number): number {
  return s < 0 ? 0 : s >= n ? n : s + 1;
}

/** Number of (b, c) in [0,B) x [0,C) with b + c <= s. */
function pairsUpTo(s: number, B: number, C: number): number {
  if (s >= B + C - 2) return B * C;
  return t2(s) - t2(s - B) - t2(s - C) + t2(s - B - C);
}

/** Pairs of non-negative integers with sum <= m; triples likewise. */
function t2(m: number): number {
  return m < 0 ? 0 : ((m + 1) * (m + 2)) / 2;
}

function t3(m: number): number {
  return m < 0 ? 0 : ((m + 1) * (m + 2) * (m + 3)) / 6;
}

/** Number of (r, c, j) with r < R, c < C, j >= 0 and r + c + j <= m (m small: at most R + C). */
function wedge(m: number, R: number, C: number): number {
  return t3(m) - t3(m - R) - t3(m - C) + t3(m - R - C);
}

/** Number of (b, r, c) in [0,B) x [0,R) x [0,C) with b + r + c <= s, exact for large B. */
function triplesUpTo(s: number, B: number, R: number, C: number): number {
  if (s < 0 || R === 0 || C === 0) return 0;
  // Vectors with s - b >= R + C - 2 have all R*C of their (r, c) inside; the rest are a wedge.
  const K = R + C - 2;
  const full = upTo(s - K, B);
  const mHi = Math.min(K - 1, s);
  const mLo = Math.max(0, s - B + 1);
  return full * R * C + (mHi >= mLo ? wedge(mHi, R, C) - wedge(mLo - 1, R, C) : 0);
}

/** Vectors read from the unified buffer in [from, to): vector b at t0 + b. */
export function vectorsReadIn(from: number, to: number, t0: number, B: number): number {
  return upTo(to - 1 - t0, B) - upTo(from - 1 - t0, B);
}

/** Column slices whose psum input is read in [from, to): (b, c) at t0 + b + 1 + c. */
export function psumReadsIn(from: number, to: number, t0: number, B: number, C: number): number {
  return pairsUpTo(to - 2 - t0, B, C) - pairsUpTo(from - 2 - t0, B, C);
}

/** Results written in [from, to): (b, c) at t0 + b + R + c + 1. */
export function resultWritesIn(from: number, to: number, t0: number, B: number, R: number, C: number): number {
  return pairsUpTo(to - 2 - t0 - R, B, C) - pairsUpTo(from - 2 - t0 - R, B, C);
}

/** Useful MACs in [from, to): PE(r,c) works on vector b at t0 + b + 1 + r + c, r < tileRows, c < tileCols. */
export function macsIn(from: number, to: number, t0: number, B: number, tileRows: number, tileCols: number): number {
  return triplesUpTo(to - 2 - t0, B, tileRows, tileCols) - triplesUpTo(from - 2 - t0, B, tileRows, tileCols);
}

/** Rows the gated shift moves in steps [lo, hi) (step k moves rows 0..k: k + 1 rows). */
export function shiftRowsMoved(lo: number, hi: number): number {
  return (hi * (hi + 1) - lo * (lo + 1)) / 2;
}

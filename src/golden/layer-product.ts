/**
 * Exact references for one layer's output rows, computed straight from the layer's definition and
 * sharing no code with hw/, sim/ or the job that gathers the chip's inputs
 * (docs/ARCHITECTURE.md "Numerics", "Order of additions"):
 *   int8: the exact integer sum, wrapped to int32 (summed in float64, exact while K < 2^39);
 *   bf16: for each output one fp32 chain over k in increasing order, s = fp32(s + a*w), then + 0.
 * A GEMM row i is sum over k of A[i][k] * B[k][j]; a convolution output pixel (oy, ox) sums over the
 * filter taps in the order (ky, kx, channel) of the input at (oy*stride + ky, ox*stride + kx), which
 * is the order of the im2col patch vector k = (ky * Fw + kx) * channels + c.
 */

export interface ConvGeometry {
  ifmapWidth: number;
  filterHeight: number;
  filterWidth: number;
  channels: number;
  stride: number;
  outputWidth: number;
}

/** rows x n outputs for GEMM rows [r0, r0 + rows): A is m x k, B is k x n, row-major. */
export function gemmRowsReference(int8: boolean, a: Float32Array, b: Float32Array, k: number, n: number, r0: number, rows: number): Float64Array {
  const out = new Float64Array(rows * n);
  const taps = new Taps(k);
  for (let i = 0; i < rows; i++) {
    taps.count = 0;
    const row = (r0 + i) * k;
    for (let x = 0; x < k; x++) taps.add(a[row + x], x * n);
    taps.sum(int8, b, n, out, i * n);
  }
  return out;
}

/**
 * rows x filters outputs for output pixels [p0, p0 + rows) of a convolution: `ifmap` is
 * H x W x channels (channel fastest), `filters` is (Fh * Fw * channels) x N.
 */
export function convRowsReference(
  int8: boolean, g: ConvGeometry, ifmap: Float32Array, filters: Float32Array, n: number, p0: number, rows: number,
): Float64Array {
  const out = new Float64Array(rows * n);
  const taps = new Taps(g.filterHeight * g.filterWidth * g.channels);
  for (let i = 0; i < rows; i++) {
    const oy = Math.floor((p0 + i) / g.outputWidth);
    const ox = (p0 + i) % g.outputWidth;
    taps.count = 0;
    for (let ky = 0; ky < g.filterHeight; ky++) {
      for (let kx = 0; kx < g.filterWidth; kx++) {
        const pixel = ((oy * g.stride + ky) * g.ifmapWidth + ox * g.stride + kx) * g.channels;
        const tap = (ky * g.filterWidth + kx) * g.channels;
        for (let c = 0; c < g.channels; c++) taps.add(ifmap[pixel + c], (tap + c) * n);
      }
    }
    taps.sum(int8, filters, n, out, i * n);
  }
  return out;
}

/** The nonzero terms of one output row, in k order: a factor and the offset of its row of weights. */
class Taps {
  readonly x: Float64Array;
  readonly at: Int32Array;
  count = 0;

  constructor(capacity: number) {
    this.x = new Float64Array(capacity + 3);
    this.at = new Int32Array(capacity + 3);
  }

  /** A zero factor adds +-0, which changes no partial sum (none can be -0: each starts at +0). */
  add(x: number, at: number): void {
    if (x === 0) return;
    this.x[this.count] = x;
    this.at[this.count++] = at;
  }

  /** out[o + j] = sum over the taps of x * w[at + j], for j < n. */
  sum(int8: boolean, w: Float32Array, n: number, out: Float64Array, o: number): void {
    // Pad to a multiple of 4 with zero factors on row 0 (exact: +0 terms change no sum).
    let count = this.count;
    while (count % 4 !== 0) {
      this.x[count] = 0;
      this.at[count++] = 0;
    }
    const s = out.subarray(o, o + n);
    s.fill(0);
    if (int8) sumExact(this.x, this.at, count, w, n, s);
    else sumFp32Chain(this.x, this.at, count, w, n, s);
    for (let j = 0; j < n; j++) s[j] = int8 ? s[j] | 0 : s[j] + 0;
  }
}

/** Integer products (|x * w| <= 2^14) summed in float64: exact, four terms at a time. */
function sumExact(x: Float64Array, at: Int32Array, count: number, w: Float32Array, n: number, s: Float64Array): void {
  for (let t = 0; t < count; t += 4) {
    const x0 = x[t], x1 = x[t + 1], x2 = x[t + 2], x3 = x[t + 3];
    const a0 = at[t], a1 = at[t + 1], a2 = at[t + 2], a3 = at[t + 3];
    for (let j = 0; j < n; j++) s[j] += x0 * w[a0 + j] + x1 * w[a1 + j] + x2 * w[a2 + j] + x3 * w[a3 + j];
  }
}

/** One fp32 chain per output in k order: s = fp32(s + x * w), the product exact in float64. */
function sumFp32Chain(x: Float64Array, at: Int32Array, count: number, w: Float32Array, n: number, s: Float64Array): void {
  const f = Math.fround;
  for (let t = 0; t < count; t += 4) {
    const x0 = x[t], x1 = x[t + 1], x2 = x[t + 2], x3 = x[t + 3];
    const a0 = at[t], a1 = at[t + 1], a2 = at[t + 2], a3 = at[t + 3];
    for (let j = 0; j < n; j++) s[j] = f(f(f(f(s[j] + x0 * w[a0 + j]) + x1 * w[a1 + j]) + x2 * w[a2 + j]) + x3 * w[a3 + j]);
  }
}

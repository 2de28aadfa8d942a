/**
 * A convolution layer in float64, straight from its definition (src/workloads/types.ts ConvSpec),
 * without im2col: the independent side of the check on the compiler's lowering. M is
 * C x (k*k*Cin + 1), weight (c, ky, kx, ci) at column (ky*k + kx)*Cin + ci, bias in the last column.
 */
import type { ConvSpec } from "../workloads/types.js";

/** Visit every (image, position, channel) with the pixel index of each kernel tap (-1 in the padding). */
function forEachTap(c: ConvSpec, count: number, visit: (b: number, pos: number, tap: number, pixel: number) => void): void {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = c;
  for (let b = 0; b < count; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const iy = oy * s + ky - p;
            const ix = ox * s + kx - p;
            const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            for (let ci = 0; ci < Cin; ci++) visit(b, oy * OW + ox, (ky * k + kx) * Cin + ci, inside ? ((b * H + iy) * W + ix) * Cin + ci : -1);
          }
        }
      }
    }
  }
}

/** a[b][pos * C + c] = f(bias_c + sum over taps of x * w): count x (P*C), position-major. */
export function convForwardF64(c: ConvSpec, m: ArrayLike<number>, images: ArrayLike<number>, count: number, f: (z: number) => number): Float64Array {
  const C = c.channels;
  const KK = c.kernel * c.kernel * c.inputChannels;
  const P = c.outputHeight * c.outputWidth;
  const z = new Float64Array(count * P * C);
  for (let b = 0; b < count; b++) for (let pos = 0; pos < P; pos++) for (let ch = 0; ch < C; ch++) z[(b * P + pos) * C + ch] = m[ch * (KK + 1) + KK];
  forEachTap(c, count, (b, pos, tap, pixel) => {
    if (pixel < 0) return;
    for (let ch = 0; ch < C; ch++) z[(b * P + pos) * C + ch] += images[pixel] * m[ch * (KK + 1) + tap];
  });
  return z.map(f);
}

/** dL/dM (C x (KK+1)) from delta = dL/dZ (count x P*C, position-major). */
export function convGradientF64(c: ConvSpec, images: ArrayLike<number>, delta: ArrayLike<number>, count: number): Float64Array {
  const C = c.channels;
  const KK = c.kernel * c.kernel * c.inputChannels;
  const P = c.outputHeight * c.outputWidth;
  const g = new Float64Array(C * (KK + 1));
  for (let b = 0; b < count; b++) for (let pos = 0; pos < P; pos++) for (let ch = 0; ch < C; ch++) g[ch * (KK + 1) + KK] += delta[(b * P + pos) * C + ch];
  forEachTap(c, count, (b, pos, tap, pixel) => {
    if (pixel < 0) return;
    for (let ch = 0; ch < C; ch++) g[ch * (KK + 1) + tap] += delta[(b * P + pos) * C + ch] * images[pixel];
  });
  return g;
}

/** dL/dx (count x H*W*Cin) from delta = dL/dZ (count x P*C): every tap sends its share back to its pixel. */
export function convInputGradientF64(c: ConvSpec, m: ArrayLike<number>, delta: ArrayLike<number>, count: number): Float64Array {
  const C = c.channels;
  const KK = c.kernel * c.kernel * c.inputChannels;
  const P = c.outputHeight * c.outputWidth;
  const g = new Float64Array(count * c.inputHeight * c.inputWidth * c.inputChannels);
  forEachTap(c, count, (b, pos, tap, pixel) => {
    if (pixel < 0) return;
    for (let ch = 0; ch < C; ch++) g[pixel] += delta[(b * P + pos) * C + ch] * m[ch * (KK + 1) + tap];
  });
  return g;
}

/**
 * im2col and its inverse (col2im) for the golden models: the patch under every output position of a convolution, as rows
 * (ARCHITECTURE-independent; written from the definition in src/workloads/types.ts ConvSpec). Row
 * b*P + oy*OW + ox holds x[b][iy][ix][ci] at column (ky*k + kx)*Cin + ci with iy = oy*s + ky - p,
 * ix = ox*s + kx - p (0 outside the image), and `lane` in the last column.
 */
import type { ConvSpec } from "../workloads/types.js";

export function imagePatches(images: ArrayLike<number>, count: number, c: ConvSpec, pixel: (x: number) => number, lane: number): Float32Array {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = c;
  const KK = k * k * Cin;
  const out = new Float32Array(count * OH * OW * (KK + 1));
  let row = 0;
  for (let b = 0; b < count; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++, row++) {
        const at = row * (KK + 1);
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * s + ky - p;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * s + kx - p;
            if (ix < 0 || ix >= W) continue;
            for (let ci = 0; ci < Cin; ci++) out[at + (ky * k + kx) * Cin + ci] = pixel(images[((b * H + iy) * W + ix) * Cin + ci]);
          }
        }
        out[at + KK] = lane;
      }
    }
  }
  return out;
}

/**
 * The gradient of a convolution's input from the gradient of its patches (col2im, a scatter-add), as
 * the machine computes it: the input gradient starts at 0 and every patch entry is added to its
 * pixel by the vector unit (`fp32(a + b)` rounded to `dtype`), in the order image b, output row oy,
 * kernel row ky, kernel column kx (then output column ox, input channel ci, which touch different
 * pixels). `patches` is count*P x KK (no lane); the result is count x H*W*Cin.
 */
export function scatterPatches(patches: ArrayLike<number>, count: number, c: ConvSpec, add: (a: number, b: number) => number): Float32Array {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = c;
  const KK = k * k * Cin;
  const out = new Float32Array(count * H * W * Cin);
  for (let b = 0; b < count; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - p;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < k; kx++) {
          for (let ox = 0; ox < OW; ox++) {
            const ix = ox * s + kx - p;
            if (ix < 0 || ix >= W) continue;
            const from = ((b * OH + oy) * OW + ox) * KK + (ky * k + kx) * Cin;
            const to = ((b * H + iy) * W + ix) * Cin;
            for (let ci = 0; ci < Cin; ci++) out[to + ci] = add(out[to + ci], patches[from + ci]);
          }
        }
      }
    }
  }
  return out;
}

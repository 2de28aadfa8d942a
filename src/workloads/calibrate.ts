/**
 * Calibration for post-training quantization (quantize.ts): the largest |activation| of every layer
 * over sample inputs, from a float64 forward pass, dense layers and convolutions alike (a
 * convolution is evaluated straight from its definition, types.ts ConvSpec).
 */
import type { ConvSpec, LayerActivation, WorkloadSpec } from "./types.js";
import { layerInputs } from "./init.js";

/** max |activation| per layer over `count` samples (count x inputs, row-major). */
export function calibratedRanges(spec: WorkloadSpec, params: readonly Float32Array[], images: Float32Array, count: number): number[] {
  const fanIn = layerInputs(spec);
  const ranges = spec.layers.map(() => 0);
  for (let b = 0; b < count; b++) {
    // Float64Array throughout keeps the loops below on one array type.
    let x: Float64Array = Float64Array.from(images.subarray(b * spec.inputs, (b + 1) * spec.inputs));
    spec.layers.forEach((layer, l) => {
      const a = layer.conv ? convolve(layer.conv, params[l], x, layer.activation) : dense(params[l], x, fanIn[l], layer.units, layer.activation);
      for (const v of a) ranges[l] = Math.max(ranges[l], Math.abs(v));
      x = a;
    });
  }
  return ranges;
}

function dense(m: Float32Array, x: Float64Array, K: number, N: number, f: LayerActivation): Float64Array {
  const a = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const row = n * (K + 1);
    let z = m[row + K];
    for (let k = 0; k < K; k++) z += x[k] * m[row + k];
    a[n] = activation(f, z);
  }
  return a;
}

/** One sample's convolution, output position-major, channel-minor. */
function convolve(c: ConvSpec, m: Float32Array, x: Float64Array, f: LayerActivation): Float64Array {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW, channels: C } = c;
  const KK = k * k * Cin;
  const a = new Float64Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let ch = 0; ch < C; ch++) {
        const w = ch * (KK + 1);
        let z = m[w + KK];
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * s + ky - p;
          if (iy < 0 || iy >= H) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * s + kx - p;
            if (ix < 0 || ix >= W) continue;
            for (let ci = 0; ci < Cin; ci++) z += x[(iy * W + ix) * Cin + ci] * m[w + (ky * k + kx) * Cin + ci];
          }
        }
        a[(oy * OW + ox) * C + ch] = activation(f, z);
      }
    }
  }
  return a;
}

function activation(f: LayerActivation, z: number): number {
  return f === "sigmoid" ? 1 / (1 + Math.exp(-z)) : f === "relu" ? Math.max(z, 0) : z;
}

/**
 * int8 inference exactly as the machine computes it (docs/ARCHITECTURE.md "Numerics"): int8 codes,
 * exact int32 sums (wrapping), the activation unit's requantization. Dense and convolution layers,
 * each with the constant input lane of its plan.
 */
import { toInt8 } from "../numerics/int8.js";
import { ACT_IDENTITY, ACT_RELU, ACT_SIGMOID, activate } from "../numerics/vector-ops.js";
import type { Int8Plan } from "../workloads/quantize.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { argmaxRows, layerRows, shapesOf } from "./layers.js";

const f32 = Math.fround;
const ACT_CODE: Record<LayerActivation, number> = { identity: ACT_IDENTITY, relu: ACT_RELU, sigmoid: ACT_SIGMOID };

/**
 * int8 inference with a plan from quantizeForInference. The host feeds pixel x as the int8 code of
 * fp32(x * pixelMultiplier); each layer's rows carry its plan's biasInput in the constant lane.
 * `outputs` holds the last layer's int8 codes.
 */
export function predictInt8(
  spec: WorkloadSpec,
  plan: Int8Plan,
  images: Float32Array,
  count: number,
): { outputs: Float32Array; predicted: Int32Array } {
  const shapes = shapesOf(spec, null, images, count);
  let codes = new Float32Array(count * spec.inputs);
  for (let i = 0; i < codes.length; i++) codes[i] = toInt8(f32(images[i] * plan.pixelMultiplier));
  shapes.forEach((shape, l) => {
    const { K, N, act, positions } = shape;
    const layer = plan.layers[l];
    const x = layerRows(shape, codes, count, layer.biasInput);
    const w = layer.qweights;
    const rows = count * positions;
    const out = new Float32Array(rows * N);
    for (let r = 0; r < rows; r++) {
      const xr = r * (K + 1);
      for (let n = 0; n < N; n++) {
        const wn = n * (K + 1);
        let acc = 0;
        for (let k = 0; k <= K; k++) acc = (acc + x[xr + k] * w[wn + k]) | 0;
        out[r * N + n] = activate(acc, ACT_CODE[act], layer.inScale, layer.outScale, "int8");
      }
    }
    codes = out;
  });
  const outputs = codes;
  return { outputs, predicted: argmaxRows(outputs, count, outputs.length / count) };
}

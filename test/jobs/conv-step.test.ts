/**
 * A convolution network's training step on the simulator (both modes) equals the same-numerics golden
 * model bit for bit: the host writes plain image rows (NetworkOnChip, unchanged) and the program's
 * gather DMAs build the patches. Also: the shipped CNN workload's step on the real preset.
 */
import { describe, expect, it } from "vitest";
import { predictSameNumerics, trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { SimMode } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { loadWorkload } from "../../src/workloads/spec.js";
import { convSpec, type ConvShape } from "../compiler/conv-harness.js";
import { grid, randomImages, randomLabels } from "../compiler/harness.js";

const bits = (a: Float32Array) => new Uint32Array(Float32Array.from(a).buffer);

async function stepOnChip(shape: ConvShape, rows: number, cols: number, mode: SimMode) {
  const spec = convSpec(shape, [[4, "sigmoid"], [3, "sigmoid"]], 3, { learningRate: 0.5 });
  const net = new NetworkOnChip(spec, grid(rows, cols), mode, "train-step");
  const params = initParameters(spec);
  net.setParams(params);
  const images = randomImages(3, spec.inputs, 61);
  const labels = Uint8Array.from(randomLabels(3, 3, 62));
  const outputs = await net.step(images, labels, null, 0, 3, {});
  return { net, outputs, golden: trainStepSameNumerics(spec, params, images, labels), params };
}

describe("a convolution network's training step on the chip equals the golden model", () => {
  const cases: [ConvShape, number, number][] = [
    [{ image: 9, kernel: 3, channels: 5, stride: 1, padding: 1, activation: "relu" }, 3, 5],
    [{ image: 9, kernel: 5, channels: 5, stride: 2, padding: 0, activation: "relu" }, 7, 7],
    [{ image: 10, kernel: 3, channels: 6, stride: 2, padding: 1, activation: "sigmoid" }, 16, 16],
    [{ image: 11, kernel: 5, channels: 3, stride: 1, padding: 1, activation: "relu" }, 128, 128],
  ];
  for (const [shape, r, c] of cases) {
    for (const mode of ["fast", "detailed"] as const) {
      it(`kernel ${shape.kernel}, stride ${shape.stride}, padding ${shape.padding}, ${shape.activation}, on ${r}x${c} ${mode}`, async () => {
        const { net, outputs, golden, params } = await stepOnChip(shape, r, c, mode);
        expect(net.sim.stats.macs).toBeGreaterThan(0);
        expect(bits(outputs)).toEqual(bits(golden.activations[2]));
        net.getParams().forEach((p, l) => {
          expect(bits(p)).not.toEqual(bits(params[l]));
          expect(bits(p)).toEqual(bits(golden.params[l]));
        });
      });
    }
  }

  it("fast and detailed mode take the same cycles and statistics", async () => {
    const shape: ConvShape = { image: 8, kernel: 3, channels: 4, stride: 1, padding: 1, activation: "relu" };
    const fast = await stepOnChip(shape, 5, 4, "fast");
    const detailed = await stepOnChip(shape, 5, 4, "detailed");
    expect(detailed.net.sim.stats).toEqual(fast.net.sim.stats);
  });

  it("mnist-cnn-small: one step of batch 32 on the tpu-v2 preset, and inference on 8x8", async () => {
    const spec = loadWorkload("workloads/mnist-cnn-small.json");
    const params = initParameters(spec);
    const images = randomImages(32, 784, 71);
    const labels = Uint8Array.from(randomLabels(32, 10, 72));
    const net = new NetworkOnChip(spec, buildHwConfig("tpu-v2"), "fast", "train-step");
    net.setParams(params);
    await net.step(images, labels, null, 0, 32, {});
    const golden = trainStepSameNumerics(spec, params, images, labels);
    net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(golden.params[l])));
    const inference = new NetworkOnChip(spec, buildHwConfig("tpu-v2", { rows: 8, cols: 8 }), "fast", "inference");
    inference.setParams(params);
    const out = await inference.step(images, null, null, 0, 32, {});
    expect(bits(out)).toEqual(bits(predictSameNumerics(spec, params, images, 32).outputs));
  });
});

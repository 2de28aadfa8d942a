/**
 * One training step on the simulator (both modes) equals the same-numerics golden model bit for bit:
 * activations and deltas in the unified buffer, updated parameters in weight memory (which pins the
 * gradients: w' = fp32(w - fp32(lr*g))). Several grids, including one larger than every layer.
 */
import { describe, expect, it } from "vitest";
import { compileTrainingStep } from "../../src/compiler/index.js";
import { trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import type { SimMode } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";
import { bits, block, buffer } from "../helpers/compiled-layout.js";




async function stepOnChip(rows: number, cols: number, mode: SimMode, relu: boolean) {
  const spec = makeSpec(20, [[7, relu ? "relu" : "sigmoid"], [5, "sigmoid"], [3, "sigmoid"]], 6, { learningRate: 0.5 });
  const hw = grid(rows, cols);
  const params = initParameters(spec);
  const images = randomImages(spec.batch, spec.inputs, 11);
  const labels = Uint8Array.from(randomLabels(spec.batch, 3, 12));
  const net = new NetworkOnChip(spec, hw, mode, "train-step");
  net.setParams(params);
  await net.step(images, labels, null, 0, spec.batch, {});
  const golden = trainStepSameNumerics(spec, params, images, labels);
  const c = net.compiled;
  const ub = net.sim.dp.ub;
  return { spec, net, golden, c, ub, stats: net.sim.stats };
}

describe("one training step on the chip equals the golden model", () => {
  const grids: [number, number][] = [[3, 5], [7, 7], [16, 16], [128, 128], [40, 48]];
  for (const [rows, cols] of grids) {
    for (const mode of ["fast", "detailed"] as const) {
      it(`${rows}x${cols} ${mode}`, async () => {
        const { spec, net, golden, c, ub, stats } = await stepOnChip(rows, cols, mode, rows === 7);
        expect(stats.macs).toBeGreaterThan(0);
        spec.layers.forEach((layer, l) => {
          const x = buffer(c, `X${l + 1}`);
          const a = block(ub, x.address!, x.cols, spec.batch, layer.units);
          expect(bits(a)).toEqual(bits(golden.activations[l]));
          const d = buffer(c, `D${l}`);
          expect(bits(block(ub, d.address!, d.cols, spec.batch, layer.units))).toEqual(bits(golden.deltas[l]));
        });
        net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(golden.params[l])));
      });
    }
  }

  it("fast and detailed mode take the same cycles and statistics for a step", async () => {
    const fast = await stepOnChip(5, 4, "fast", false);
    const detailed = await stepOnChip(5, 4, "detailed", false);
    expect(detailed.stats).toEqual(fast.stats);
  });

  it("the same step gives the same numbers on every grid (array size changes cycles only)", async () => {
    const a = await stepOnChip(3, 5, "fast", false);
    const b = await stepOnChip(128, 128, "fast", false);
    a.net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(b.net.getParams()[l])));
    expect(a.stats.cycles).not.toBe(b.stats.cycles);
  });

  it("MNIST 784-16-16-10, batch 32 on 16x16: one step equals the golden model", async () => {
    const spec = makeSpec(784, [[16, "sigmoid"], [16, "sigmoid"], [10, "sigmoid"]], 32, { learningRate: 1, seed: 1 });
    const hw = grid(16, 16);
    const params = initParameters(spec);
    const images = randomImages(32, 784, 3);
    const labels = Uint8Array.from(randomLabels(32, 10, 4));
    const net = new NetworkOnChip(spec, hw, "fast", "train-step");
    net.setParams(params);
    await net.step(images, labels, null, 0, 32, {});
    const golden = trainStepSameNumerics(spec, params, images, labels);
    net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(golden.params[l])));
  });

  it("the compiled step for MNIST verifies", () => {
    const spec = makeSpec(784, [[16, "sigmoid"], [16, "sigmoid"], [10, "sigmoid"]], 32);
    expect(() => compileTrainingStep(spec, grid(8, 8), { check: true })).not.toThrow();
  });
});

/**
 * The input-gradient program on the simulator (both modes) equals the same-numerics golden model bit
 * for bit, on grids that divide nothing and on one larger than every layer.
 */
import { describe, expect, it } from "vitest";
import { inputGradientSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { InputGradientOnChip } from "../../src/jobs/input-gradient.js";
import type { SimMode } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";

const bits = (a: Float32Array) => new Uint32Array(Float32Array.from(a).buffer);

async function onChip(rows: number, cols: number, mode: SimMode, count = 6) {
  const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6);
  const chip = new InputGradientOnChip(spec, grid(rows, cols), mode);
  const params = initParameters(spec);
  chip.setParams(params);
  const images = randomImages(count, 20, 41);
  const targets = randomLabels(count, 3, 42);
  const got = await chip.run(images, targets, 0, count);
  return { spec, chip, params, images, targets, got };
}

describe("input gradient on the simulated chip", () => {
  for (const [r, c] of [[3, 5], [16, 16], [128, 128]] as const) {
    for (const mode of ["fast", "detailed"] as const) {
      it(`${r}x${c} ${mode}: outputs and E0 equal the golden model`, async () => {
        const { spec, chip, params, images, targets, got } = await onChip(r, c, mode);
        const want = inputGradientSameNumerics(spec, params, images, targets);
        expect(chip.sim.stats.macs).toBeGreaterThan(0);
        expect(want.inputGradient.some((v) => v !== 0)).toBe(true);
        expect(bits(got.gradient)).toEqual(bits(want.inputGradient));
        expect(bits(got.outputs)).toEqual(bits(want.activations[2]));
      });
    }
  }

  it("fast and detailed mode take the same cycles and statistics", async () => {
    const fast = await onChip(5, 4, "fast");
    const detailed = await onChip(5, 4, "detailed");
    expect(detailed.chip.sim.stats).toEqual(fast.chip.sim.stats);
  });

  it("a partial batch: the first rows equal the golden rows of the full batch; weights stay put", async () => {
    const { spec, chip, params, images, targets, got } = await onChip(4, 4, "fast", 2);
    // Rows are independent, and the loss scale 2/B uses the program's batch B = 6.
    const want = inputGradientSameNumerics(spec, params, padded(images, 6 * 20), [...targets, 0, 0, 0, 0]);
    expect(got.gradient).toHaveLength(2 * 20);
    expect(bits(got.gradient)).toEqual(bits(want.inputGradient.slice(0, 40)));
    const again = await chip.run(images, targets, 0, 2);
    expect(bits(again.gradient)).toEqual(bits(got.gradient));
    chip.compiled.weights.forEach((w, l) => expect(bits(chip.sim.dp.wm.slice(w.address, w.address + w.rows * w.cols))).toEqual(bits(params[l])));
  });
});

function padded(a: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  out.set(a);
  return out;
}

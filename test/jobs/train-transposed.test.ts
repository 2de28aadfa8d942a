/**
 * The transposed weight gradient (compiler gradient-form.ts) on the chip: M_l stored transposed in
 * weight memory, the runtime's setParams/getParams in the logical layout. Several prefetching steps
 * in a row (the self-loading first step, then both steady programs) equal the same-numerics golden
 * model bit for bit, in fast and in detailed mode, which also take the same cycles and statistics.
 */
import { describe, expect, it } from "vitest";
import type { GradientForm } from "../../src/compiler/index.js";
import { trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import type { SimMode } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";
import { bits } from "../helpers/compiled-layout.js";

const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6, { learningRate: 0.5 });
const STEPS = 4;
const images = randomImages(STEPS * spec.batch, spec.inputs, 31);
const labels = Uint8Array.from(randomLabels(STEPS * spec.batch, 3, 32));

function goldenParams(steps: number): Float32Array[] {
  let params = initParameters(spec);
  for (let s = 0; s < steps; s++) {
    const x = images.subarray(s * spec.batch * spec.inputs, (s + 1) * spec.batch * spec.inputs);
    params = trainStepSameNumerics(spec, params, x, labels.subarray(s * spec.batch, (s + 1) * spec.batch)).params;
  }
  return params;
}

async function run(rows: number, cols: number, mode: SimMode, form: GradientForm) {
  const net = new NetworkOnChip(spec, grid(rows, cols), mode, "train-step", undefined, 1, 1, 1, form);
  net.setParams(initParameters(spec));
  for (let s = 0; s < STEPS; s++) {
    const next = s + 1 < STEPS ? { order: null, first: (s + 1) * spec.batch, count: spec.batch } : undefined;
    await net.step(images, labels, null, s * spec.batch, spec.batch, {}, next);
  }
  return net;
}

describe("the transposed gradient on the chip", () => {
  const want = goldenParams(STEPS);
  for (const [rows, cols, mode] of [[1, 1, "fast"], [4, 4, "fast"], [4, 4, "detailed"], [8, 8, "detailed"], [16, 16, "fast"], [16, 16, "detailed"], [128, 128, "fast"]] as const) {
    it(`${STEPS} prefetching steps equal the golden model's, ${rows}x${cols} ${mode}`, async () => {
      const net = await run(rows, cols, mode, "transposed");
      expect(net.compiled.weights.map((w) => w.transposed === true)).toEqual([true, true, true]);
      net.getParams().forEach((p, l) => expect(bits(p), `layer ${l}`).toEqual(bits(want[l])));
    });
  }

  it("weight memory holds M_l^T: (K_l+1) x N_l, the bias in the last row", () => {
    const net = new NetworkOnChip(spec, grid(4, 4), "fast", "train-step", undefined, 1, 1, 1, "transposed");
    const params = initParameters(spec);
    net.setParams(params);
    const w = net.compiled.weights[1]; // layer 1: 5 units, 7 inputs
    expect([w.rows, w.cols]).toEqual([8, 5]);
    const stored = net.sim.dp.wm.subarray(w.address, w.address + 40);
    // M_1[u][i] (row-major 5 x 8) is stored at i * 5 + u.
    for (let u = 0; u < 5; u++) for (let i = 0; i < 8; i++) expect(stored[i * 5 + u]).toBe(params[1][u * 8 + i]);
  });

  it("fast and detailed mode take the same cycles and statistics, and differ from the plain form's cycles", async () => {
    const fast = await run(5, 4, "fast", "transposed");
    const detailed = await run(5, 4, "detailed", "transposed");
    expect(detailed.sim.stats).toEqual(fast.sim.stats);
    const plain = await run(5, 4, "fast", "plain");
    expect(plain.compiled.weights.some((w) => w.transposed)).toBe(false);
    expect(plain.sim.stats.cycles).not.toBe(fast.sim.stats.cycles);
    plain.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(fast.getParams()[l])));
  });
});

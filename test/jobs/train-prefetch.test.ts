/**
 * Prefetching training steps (compiler graph.ts `prefetch`, jobs/network.ts): each step transfers
 * the next batch's rows into the other copy of the input while it computes. Several steps in a row
 * equal the same-numerics golden model step after step, bit for bit, whatever the caller announces;
 * a step whose batch was prefetched does not transfer its own rows.
 */
import { describe, expect, it } from "vitest";
import { canPrefetch, compileTrainingStep } from "../../src/compiler/index.js";
import { trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { NetworkOnChip, type NextBatch } from "../../src/jobs/network.js";
import type { SimMode } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";
import { bits } from "../helpers/compiled-layout.js";

const spec = makeSpec(20, [[7, "sigmoid"], [5, "relu"], [3, "sigmoid"]], 6, { learningRate: 0.5 });
const STEPS = 4;
const images = randomImages(STEPS * spec.batch, spec.inputs, 21);
const labels = Uint8Array.from(randomLabels(STEPS * spec.batch, 3, 22));
/** Batch order: batches 0, 2, 1, 3 of the rows (a permutation, as an epoch's shuffle). */
const order = Int32Array.from([0, 2, 1, 3].flatMap((b) => Array.from({ length: spec.batch }, (_, r) => b * spec.batch + r)));

function goldenParams(steps: number): Float32Array[] {
  let params = initParameters(spec);
  for (let s = 0; s < steps; s++) {
    const rows = order.subarray(s * spec.batch, (s + 1) * spec.batch);
    const x = new Float32Array(spec.batch * spec.inputs);
    rows.forEach((r, b) => x.set(images.subarray(r * spec.inputs, (r + 1) * spec.inputs), b * spec.inputs));
    params = trainStepSameNumerics(spec, params, x, Uint8Array.from(rows, (r) => labels[r])).params;
  }
  return params;
}

/** Runs the steps; `announce(s)` is what step s tells the chip about the next call. */
async function run(rows: number, cols: number, mode: SimMode, announce: (s: number) => NextBatch | undefined) {
  const hw = grid(rows, cols);
  const net = new NetworkOnChip(spec, hw, mode, "train-step");
  net.setParams(initParameters(spec));
  const cycles: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const before = net.sim.stats.cycles;
    await net.step(images, labels, order, s * spec.batch, spec.batch, {}, announce(s));
    cycles.push(net.sim.stats.cycles - before);
  }
  return { net, cycles };
}

const honest = (s: number): NextBatch | undefined => (s + 1 < STEPS ? { order, first: (s + 1) * spec.batch, count: spec.batch } : undefined);

describe("prefetching training steps", () => {
  for (const [rows, cols, mode] of [[4, 4, "fast"], [4, 4, "detailed"], [16, 16, "fast"], [3, 5, "fast"]] as const) {
    it(`${STEPS} steps equal the golden model's, ${rows}x${cols} ${mode}`, async () => {
      const { net } = await run(rows, cols, mode, honest);
      const want = goldenParams(STEPS);
      net.getParams().forEach((p, l) => expect(bits(p), `layer ${l}`).toEqual(bits(want[l])));
    });
  }

  it("a wrong or missing announcement only costs cycles: the step loads its own rows", async () => {
    // Step 1 announces batch 3 but batch 1 comes: step 1 runs the program that loads its own rows.
    const wrong = (s: number) => (s === 0 ? { order, first: 3 * spec.batch, count: spec.batch } : honest(s));
    const a = await run(4, 4, "fast", wrong);
    const b = await run(4, 4, "fast", () => undefined);
    const want = goldenParams(STEPS);
    for (const { net } of [a, b]) net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(want[l])));
    const good = await run(4, 4, "fast", honest);
    // Every step of an unannounced run loads its rows, as the first step of the others does.
    expect(b.cycles.every((c) => c === good.cycles[0])).toBe(true);
    expect(a.cycles[1]).toBe(good.cycles[0]);
    expect(good.cycles[1]).toBeLessThan(good.cycles[0]);
    expect(good.cycles.slice(2)).toEqual([good.cycles[1], good.cycles[1]]);
  });

  it("a steady step transfers no rows of its own: only the next batch's, into the other copy", () => {
    const hw = grid(4, 4);
    const [first, steady0, steady1] = [
      compileTrainingStep(spec, hw, { prefetch: { parity: 0, loadOwn: true } }),
      compileTrainingStep(spec, hw, { prefetch: { parity: 0, loadOwn: false } }),
      compileTrainingStep(spec, hw, { prefetch: { parity: 1, loadOwn: false } }),
    ];
    const address = (name: string) => first.buffers.find((b) => b.name === name)!.address!;
    const reads = (c: typeof first) => c.program.instructions.filter((i) => i.op === "RHM").map((i) => [i.f.host, i.f.ub]);
    expect(reads(steady0)).toEqual([[address("next-labels"), address("Y'")], [address("next-input"), address("X0'")]]);
    expect(reads(steady1)).toEqual([[address("next-labels"), address("Y")], [address("next-input"), address("X0")]]);
    expect(reads(first).slice(0, 2)).toEqual([[address("input"), address("X0")], [address("labels"), address("Y")]]);
    // Parity 1 computes on the copy parity 0 filled: its first pass streams X0'.
    expect(steady1.program.instructions.find((i) => i.op === "MMUL")!.f.ub).toBe(address("X0'"));
    expect(canPrefetch(spec, hw)).toBe(true);
    expect(canPrefetch({ ...spec, batch: 64 }, grid(4, 4, { unifiedBufferBytes: 4096 }))).toBe(false);
  });
});

/**
 * Softmax cross-entropy on the chip: VSMX numerics against an independent float64 softmax, the CE
 * training step on the simulator (both modes) bit for bit equal to the same-numerics golden model,
 * the float64 gradients against central differences, and training that lowers the CE loss.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileTrainingStep } from "../../src/compiler/index.js";
import { loadMnist } from "../../src/data/mnist.js";
import { crossEntropyF64, finiteDifferenceCheck, forwardF64, lossF64, trainStepF64 } from "../../src/golden/mlp-f64.js";
import { trainStepSameNumerics } from "../../src/golden/mlp-same-numerics.js";
import { vectorSoftmax } from "../../src/sim/fast-blocks.js";
import { assemble } from "../../src/isa/assembler.js";
import { NetworkOnChip } from "../../src/jobs/network.js";
import { train } from "../../src/jobs/train.js";
import { roundBf16 } from "../../src/numerics/bf16.js";
import { Random } from "../../src/numerics/random.js";
import { softmaxRow } from "../../src/numerics/vector-ops.js";
import type { SimMode } from "../../src/sim/controller.js";
import { Simulator } from "../../src/sim/controller.js";
import { initParameters } from "../../src/workloads/init.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import type { LayerActivation, WorkloadSpec } from "../../src/workloads/types.js";
import { grid, makeSpec, randomImages, randomLabels } from "../compiler/harness.js";
import { IsaInterpreter } from "../helpers/isa-interpreter.js";
import { bits, block, buffer } from "../helpers/compiled-layout.js";

const CE = { loss: "softmax-cross-entropy" } as const;




/** Softmax written out independently: exp of every value over the sum of exps (no max shift). */
function referenceSoftmax(x: number[]): number[] {
  const e = x.map((v) => Math.exp(v));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("VSMX numerics", () => {
  it("softmaxRow equals an independent float64 softmax rounded to fp32 then bf16", () => {
    const rng = new Random(5);
    for (let trial = 0; trial < 200; trial++) {
      const cols = 1 + rng.below(12);
      const x = Array.from({ length: cols }, () => roundBf16((rng.uniform() - 0.5) * 16));
      const out = new Float64Array(cols);
      softmaxRow(x, cols, out, "bf16");
      const ref = referenceSoftmax(x);
      let sum = 0;
      for (let i = 0; i < cols; i++) {
        // The max shift and the summation order change the float64 value by a few ulps at most,
        // which survives the rounding to bf16 only at a tie; compare with a bf16-ulp tolerance.
        expect(Math.abs(out[i] - roundBf16(Math.fround(ref[i])))).toBeLessThanOrEqual(Math.max(ref[i], 1e-30) * 2 ** -7);
        expect(out[i]).toBe(roundBf16(out[i]));
        sum += out[i];
      }
      expect(Math.abs(sum - 1)).toBeLessThan(cols * 2 ** -8);
    }
  });

  it("is exact on values with exact results, and stable for large logits", () => {
    const out = new Float64Array(4);
    softmaxRow([3, 3, 3, 3], 4, out, "bf16");
    expect(Array.from(out)).toEqual([0.25, 0.25, 0.25, 0.25]);
    softmaxRow([1000, 0, -1000, 1000], 4, out, "bf16");
    expect(Array.from(out)).toEqual([0.5, 0, 0, 0.5]);
    const one = new Float64Array(1);
    softmaxRow([-7], 1, one, "bf16");
    expect(one[0]).toBe(1);
  });

  it("vectorSoftmax honours strides and works in place", () => {
    const ub = new Float32Array(64);
    const rows = [[1, 2, 3], [0, -1, 0.5]];
    rows.forEach((r, i) => r.forEach((v, c) => (ub[4 + i * 5 + c] = v)));
    const expected = rows.map((r) => {
      const o = new Float64Array(3);
      softmaxRow(r, 3, o, "bf16");
      return Array.from(o);
    });
    const scratch = new Float32Array(6);
    const out = new Float64Array(3);
    expect(vectorSoftmax(ub, 4, 5, 30, 4, 2, 3, "bf16", scratch, out)).toBe(-1);
    expect(Array.from(block(ub, 30, 4, 2, 3))).toEqual(expected.flat());
    // In place: source and destination are the same block.
    expect(vectorSoftmax(ub, 4, 5, 4, 5, 2, 3, "bf16", scratch, out)).toBe(-1);
    expect(Array.from(block(ub, 4, 5, 2, 3))).toEqual(expected.flat());
  });

  it("on the simulator (both modes) equals the ISA interpreter and takes the vector-unit cycles", () => {
    const hw = grid(4, 4);
    const src = [
      "RHM host=0 hstride=5 ub=0 ustride=5 rows=3 cols=5",
      "VSMX src=0 sstride=5 dst=100 dstride=6 rows=3 cols=5",
      "WHM ub=100 ustride=6 host=40 hstride=5 rows=3 cols=5",
      "HALT",
    ].join("\n");
    const program = assemble(src, "vsmx.s");
    const host = Float32Array.from({ length: 15 }, (_, i) => Math.sin(i * 1.7) * 4);
    const ref = new IsaInterpreter(hw, 64);
    ref.host.set(host);
    ref.run(program);
    const want = ref.host.slice(40, 55);
    for (const mode of ["fast", "detailed"] as const) {
      const sim = new Simulator(hw, { mode });
      sim.load(program);
      sim.dp.host.set(host);
      sim.run();
      expect(bits(sim.dp.host.slice(40, 55))).toEqual(bits(want));
      // VSMX 3 x 5 with 4 lanes (docs/ARCHITECTURE.md "Vector unit"): reads 3 * ceil(5/4) = 6 row
      // segments, waits Lv = 2 cycles, writes 6 segments; nothing else wants its ports: 14 cycles.
      expect(sim.stats.unitBusyCycles.vector).toBe(6 + 2 + 6);
    }
    for (let r = 0; r < 3; r++) {
      const p = referenceSoftmax(Array.from(host.slice(r * 5, r * 5 + 5), roundBf16));
      p.forEach((v, c) => expect(want[r * 5 + c]).toBeCloseTo(v, 2));
    }
  });
});

async function ceStepOnChip(rows: number, cols: number, mode: SimMode, hidden: LayerActivation) {
  const spec = makeSpec(20, [[7, hidden], [5, "sigmoid"], [4, "identity"]], 6, { learningRate: 0.5, ...CE });
  const hw = grid(rows, cols);
  const params = initParameters(spec);
  const images = randomImages(spec.batch, spec.inputs, 21);
  const labels = Uint8Array.from(randomLabels(spec.batch, 4, 22));
  const net = new NetworkOnChip(spec, hw, mode, "train-step");
  net.setParams(params);
  const out = await net.step(images, labels, null, 0, spec.batch, {});
  const golden = trainStepSameNumerics(spec, params, images, labels);
  return { spec, net, golden, out, labels, c: net.compiled, ub: net.sim.dp.ub };
}

describe("softmax cross-entropy training step on the chip equals the golden model", () => {
  const grids: [number, number][] = [[3, 5], [7, 7], [16, 16]];
  for (const [rows, cols] of grids) {
    for (const mode of ["fast", "detailed"] as const) {
      it(`${rows}x${cols} ${mode}`, async () => {
        const { spec, net, golden, out, labels, c, ub } = await ceStepOnChip(rows, cols, mode, rows === 7 ? "sigmoid" : "relu");
        expect(c.program.instructions.filter((i) => i.op === "VSMX")).toHaveLength(1);
        spec.layers.forEach((layer, l) => {
          const x = buffer(c, `X${l + 1}`);
          expect(bits(block(ub, x.address!, x.cols, spec.batch, layer.units))).toEqual(bits(golden.activations[l]));
          const d = buffer(c, `D${l}`);
          expect(bits(block(ub, d.address!, d.cols, spec.batch, layer.units))).toEqual(bits(golden.deltas[l]));
        });
        net.getParams().forEach((p, l) => expect(bits(p)).toEqual(bits(golden.params[l])));
        // The reported loss is the CE of the logits, the golden model's loss.
        expect(net.score(out, labels, null, 0, spec.batch).loss).toBeCloseTo(golden.loss, 12);
      });
    }
  }

  it("the compiled CE step verifies; SSE programs have no VSMX", () => {
    const spec = makeSpec(784, [[16, "relu"], [10, "identity"]], 32, CE);
    const c = compileTrainingStep(spec, grid(8, 8), { check: true });
    const ops = c.program.instructions.map((i) => i.op);
    const k = ops.indexOf("VSMX");
    expect(k).toBeGreaterThan(0);
    expect(c.program.instructions[k + 1]).toMatchObject({ op: "VEC", f: { fn: 1, imm: Math.fround(1 / 32) } });
    const sse = compileTrainingStep(makeSpec(784, [[16, "relu"], [10, "identity"]], 32), grid(8, 8));
    expect(sse.program.instructions.some((i) => i.op === "VSMX")).toBe(false);
  });

  it("the compiler rejects CE without an identity output layer", () => {
    const spec = makeSpec(20, [[7, "relu"], [4, "sigmoid"]], 4, CE);
    expect(() => compileTrainingStep(spec, grid(8, 8))).toThrow(/identity output layer/);
  });
});

describe("softmax cross-entropy in float64", () => {
  function spec(layers: [number, LayerActivation][]): WorkloadSpec {
    return makeSpec(9, layers, 6, { ...CE, seed: 4, learningRate: 0.5 });
  }
  const rng = new Random(9);
  const images = Float32Array.from({ length: 6 * 9 }, () => Math.fround(rng.uniform()));
  const labels = Array.from({ length: 6 }, () => rng.below(4));

  it.each([
    ["sigmoid hidden", [[7, "sigmoid"], [4, "identity"]]],
    ["relu, sigmoid hidden", [[7, "relu"], [5, "sigmoid"], [4, "identity"]]],
  ] as [string, [number, LayerActivation][]][])("%s: analytic gradients match central differences", (_, layers) => {
    const s = spec(layers);
    const result = finiteDifferenceCheck(s, initParameters(s), images, labels, { samples: 60, eps: 1e-6 });
    expect(result.checked).toBeGreaterThan(40);
    expect(result.maxRelativeError).toBeLessThan(1e-5);
  });

  it("the loss is the mean -log softmax of the label, and a step lowers it", () => {
    const s = spec([[7, "sigmoid"], [4, "identity"]]);
    const params = initParameters(s);
    const z = forwardF64(s, params, images, 6).activations[1];
    let sum = 0;
    for (let b = 0; b < 6; b++) sum -= Math.log(referenceSoftmax(Array.from(z.slice(b * 4, b * 4 + 4)))[labels[b]]);
    expect(crossEntropyF64(z, labels, 4)).toBeCloseTo(sum / 6, 12);
    const step = trainStepF64(s, params, images, labels);
    expect(step.loss).toBeCloseTo(sum / 6, 12);
    expect(lossF64(s, step.params, images, labels)).toBeLessThan(step.loss);
  });

  it("the machine's loss stays close to the float64 loss", () => {
    const s = spec([[7, "sigmoid"], [4, "identity"]]);
    const params = initParameters(s);
    const same = trainStepSameNumerics(s, params, images, labels);
    expect(Math.abs(same.loss - trainStepF64(s, params, images, labels).loss)).toBeLessThan(0.05);
  });
});

describe("training with softmax cross-entropy", () => {
  it("lowers the CE loss on an MNIST subset", async () => {
    const spec = parseWorkload(
      JSON.stringify({
        name: "ce", dataset: "mnist", inputs: 784, layers: [{ units: 16, activation: "relu" }, { units: 10, activation: "identity" }],
        loss: "softmax-cross-entropy", batch: 16, learningRate: 0.3, epochs: 3, seed: 1, dtype: "bf16", hardware: { preset: "small" },
      }),
    );
    const trainSet = loadMnist("train", { limit: 800 });
    const testSet = loadMnist("test", { limit: 200 });
    const r = await train({ spec, hw: buildHwConfig("tpu-v2", { rows: 8, cols: 8 }), mode: "fast", epochs: 3, train: trainSet, test: testSet });
    expect(r.epochs[0].loss).toBeLessThan(2.4);
    expect(r.epochs[2].loss).toBeLessThan(0.75 * r.epochs[0].loss);
    expect(r.epochs[2].testAccuracy!).toBeGreaterThan(0.6);
  });

  it("the shipped CE workload parses", () => {
    const spec = parseWorkload(JSON.stringify(JSON.parse(readWorkload())));
    expect(spec.loss).toBe("softmax-cross-entropy");
    expect(spec.layers[spec.layers.length - 1].activation).toBe("identity");
  });
});

function readWorkload(): string {
  return readFileSync(new URL("../../workloads/mnist-784-128-10-ce.json", import.meta.url), "utf8");
}

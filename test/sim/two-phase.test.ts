/**
 * Two-phase clocking (docs/ARCHITECTURE.md "Each clock every unit computes its next state from
 * current state only"; STYLE.md "Two phases"): any evaluate order of the datapath's units gives
 * byte-identical results and traces, including per-PE registers; and evaluate() leaves everything
 * another unit reads this cycle unchanged.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { SystolicArray } from "../../src/hw/systolic-array.js";
import { Simulator } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { RecordingSink, loadMachine, randomMachine, type RandomMachine } from "../helpers/programs.js";
import { Rng, randomBf16 } from "../helpers/reference-matmul.js";

/** Orders of the six evaluating units (tpu.ts EVALUATE_UNITS): forward, reversed and shuffled. */
const ORDERS = [
  [0, 1, 2, 3, 4, 5],
  [5, 4, 3, 2, 1, 0],
  [1, 0, 3, 2, 5, 4],
  [2, 5, 0, 4, 1, 3],
  [4, 2, 5, 1, 3, 0],
  [3, 0, 4, 5, 2, 1],
] as const;

interface Outcome {
  sim: Simulator;
  sink: RecordingSink;
}

function runOrder(load: (order: readonly number[]) => Simulator, order: readonly number[]): Outcome {
  const sim = load(order);
  const sink = new RecordingSink(0, Number.POSITIVE_INFINITY, { r0: 0, r1: 64, c0: 0, c1: 64 });
  expect(sim.run({ sink, maxCycles: 1_000_000 })).toBe(true);
  return { sim, sink };
}

function expectSameOutcome(a: Outcome, b: Outcome, what: string): void {
  expect(b.sim.stats, `${what}: statistics`).toEqual(a.sim.stats);
  expect(b.sink.rows, `${what}: trace rows`).toEqual(a.sink.rows);
  expect(b.sink.instructions, `${what}: instruction lifetimes`).toEqual(a.sink.instructions);
  expect(b.sink.pes.length).toBe(a.sink.pes.length);
  expect(b.sink.pes, `${what}: PE rows`).toEqual(a.sink.pes);
  expectSameBits(b.sim.dp.ub, a.sim.dp.ub, `${what}: unified buffer`);
  expectSameBits(b.sim.dp.acc.data, a.sim.dp.acc.data, `${what}: accumulators`);
  expectSameBits(b.sim.dp.wm, a.sim.dp.wm, `${what}: weight memory`);
  expectSameBits(b.sim.dp.host, a.sim.dp.host, `${what}: host memory`);
}

describe("evaluate order of the datapath units", () => {
  it("six orders of the six units give byte-identical matmul results, traces and PE registers", () => {
    const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype: "bf16" });
    const rng = new Rng(5);
    const a = Float32Array.from({ length: 5 * 7 }, () => randomBf16(rng));
    const b = Float32Array.from({ length: 7 * 6 }, () => randomBf16(rng));
    const { program } = compileMatmul(a, 5, 7, b, 6, hw);
    const load = (order: readonly number[]) => {
      const sim = new Simulator(hw, { mode: "detailed", evaluateOrder: order });
      sim.load(program);
      return sim;
    };
    const base = runOrder(load, ORDERS[0]);
    expect(base.sim.stats.macs).toBe(5 * 7 * 6);
    expect(base.sink.pes.length).toBe(base.sim.stats.cycles * 3 * 4);
    expect(base.sink.pes.some((p) => p.bank !== 0 && p.psumOut !== 0)).toBe(true);
    for (const order of ORDERS.slice(1)) expectSameOutcome(base, runOrder(load, order), `order ${order.join(",")}`);
  });

  it.each([1, 2, 3, 4, 5, 6])("six orders agree on random machine %i (DMA, loads, ACT, vector unit, accumulating passes, both dtypes)", (seed) => {
    const m: RandomMachine = randomMachine({ rows: 1 + (seed % 5), cols: 1 + ((seed * 3) % 6), dtype: seed % 2 ? "int8" : "bf16", seed: 1000 + seed, length: 30 });
    const load = (order: readonly number[]) => loadMachine(m, "detailed", order);
    const base = runOrder(load, ORDERS[0]);
    expect(base.sink.rows.length).toBeGreaterThan(0);
    for (const order of ORDERS.slice(1)) expectSameOutcome(base, runOrder(load, order), `order ${order.join(",")}`);
  });
});

describe("evaluate() changes nothing another unit reads in the same cycle", () => {
  it("the array's bottom outputs, activation ring and bank tags are the same before and after evaluate", () => {
    const R = 3;
    const C = 4;
    const a = new SystolicArray(buildHwConfig("small", { rows: R, cols: C, dtype: "bf16" }));
    a.loadBankDirect(0, Float32Array.from({ length: R * C }, (_, i) => i + 1), 0, R, C);
    a.loadBankDirect(1, Float32Array.from({ length: R * C }, (_, i) => -i - 0.5), 0, R, C);
    const top = Float32Array.from([1, 2, 3, 4]);
    const rings = () => ({ setup: Array.from(a["setup"] as Float32Array), tags: Array.from(a["tags"] as Uint8Array), weights: Array.from(a.weights) });
    let compared = 0;
    for (let t = 0; t < 3 * (R + C); t++) {
      a.inVector.fill(0);
      a.inTag = t < 6 ? 1 + (t % 2) : 0;
      if (a.inTag) a.inVector.set([t + 1, -t, 0.25 * t]);
      const bottom = Array.from({ length: C }, (_, c) => a.bottom(t, c));
      const before = rings();
      a.evaluate(t, top);
      expect(Array.from({ length: C }, (_, c) => a.bottom(t, c)), `bottom at cycle ${t}`).toEqual(bottom);
      expect(rings(), `registers read by PEs at cycle ${t}`).toEqual(before);
      if (bottom.some((x) => x !== 0)) compared++;
      a.commit(t);
    }
    expect(compared).toBeGreaterThan(0); // the check saw real partial sums leaving the array
  });
});

/**
 * Determinism: the same program on two fresh machines gives identical everything (statistics, every
 * memory, trace rows, PE rows), in both modes; and a chip that runs the same program twice counts on.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { RecordingSink, loadMachine, randomMachine } from "../helpers/programs.js";
import { Rng, randomInt8 } from "../helpers/reference-matmul.js";

describe.each(["detailed", "fast"] as const)("%s mode", (mode: SimMode) => {
  it("the same random program twice: identical statistics, memories and traces", () => {
    for (const seed of [11, 12, 13]) {
      const m = randomMachine({ rows: 4, cols: 3, dtype: seed % 2 ? "int8" : "bf16", seed, length: 35 });
      const runs = [0, 1].map(() => {
        const sim = loadMachine(m, mode);
        const sink = new RecordingSink(0, Number.POSITIVE_INFINITY, mode === "detailed" ? { r0: 0, r1: 4, c0: 0, c1: 3 } : undefined);
        expect(sim.run({ sink })).toBe(true);
        return { sim, sink };
      });
      const [a, b] = runs;
      expect(a.sink.rows.length).toBeGreaterThan(0);
      expect(a.sim.stats.instructions).toBe(36);
      expect(b.sim.stats).toEqual(a.sim.stats);
      expect(b.sim.now).toBe(a.sim.now);
      expect(b.sink.rows).toEqual(a.sink.rows);
      expect(b.sink.instructions).toEqual(a.sink.instructions);
      expect(b.sink.pes).toEqual(a.sink.pes);
      expectSameBits(b.sim.dp.ub, a.sim.dp.ub, "unified buffer");
      expectSameBits(b.sim.dp.acc.data, a.sim.dp.acc.data, "accumulators");
      expectSameBits(b.sim.dp.wm, a.sim.dp.wm, "weight memory");
      expectSameBits(b.sim.dp.host, a.sim.dp.host, "host memory");
    }
  });

  it("one chip running a matmul twice: same results, the second run's statistics equal the first's", () => {
    const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype: "int8" });
    const rng = new Rng(3);
    const a = Float32Array.from({ length: 6 * 9 }, () => randomInt8(rng));
    const b = Float32Array.from({ length: 9 * 5 }, () => randomInt8(rng));
    const layout = compileMatmul(a, 6, 9, b, 5, hw);
    const sim = new Simulator(hw, { mode });
    sim.load(layout.program);
    expect(sim.run()).toBe(true);
    const first = { ...sim.stats, stalls: { ...sim.stats.stalls }, unitBusyCycles: { ...sim.stats.unitBusyCycles }, bytes: { ...sim.stats.bytes } };
    const c1 = sim.dp.host.slice(layout.hostC, layout.hostC + 30);
    const t1 = sim.now;
    expect(first.macs).toBe(6 * 9 * 5);
    sim.load(layout.program);
    expect(sim.run()).toBe(true);
    expect(Array.from(sim.dp.host.slice(layout.hostC, layout.hostC + 30))).toEqual(Array.from(c1));
    expect(sim.now).toBeGreaterThan(t1);
    expect(sim.stats.cycles).toBe(sim.now);
    expect(sim.stats.macs).toBe(2 * first.macs);
  });
});

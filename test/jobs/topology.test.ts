/**
 * Topology layers on the chip (src/jobs/topology.ts): every layer runs, its outputs pass the exact
 * check (a wrong im2col gather or product would throw), the counters describe the layer (MACs =
 * M*K*N, bandwidth = bytes / cycles), each layer's energy is its parts' sum, a point's totals add
 * its layers up, and fast and detailed mode agree.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { ENERGY_PARTS } from "../../src/energy/model.js";
import { runTopologyPoint, type TopologyRow } from "../../src/jobs/topology.js";
import { pointTotals } from "../../src/jobs/topology-sweep.js";
import { loadTopology, parseTopology } from "../../src/workloads/topology.js";
import { UserInputError } from "../../src/errors.js";

const DIR = join(import.meta.dirname, "../fixtures/topologies");
const point = { index: 3, rows: 8, cols: 8, params: {}, label: "8x8" };

async function run(file: string, dtype: "int8" | "bf16", mode: "fast" | "detailed", seed = 1): Promise<TopologyRow[]> {
  const hw = buildHwConfig("small", { rows: 8, cols: 8, dtype, accumulatorRows: 16 });
  return runTopologyPoint({ point, hw, topology: loadTopology(join(DIR, file)), mode, seed, maxCycles: 10_000_000 });
}

describe("runTopologyPoint", () => {
  for (const dtype of ["int8", "bf16"] as const) {
    for (const file of ["tiny-conv.csv", "tiny-gemm.csv"]) {
      it(`${file}, ${dtype}: every layer exact; fast == detailed`, async () => {
        const fast = await run(file, dtype, "fast");
        const detailed = await run(file, dtype, "detailed");
        const topology = loadTopology(join(DIR, file));
        expect(fast.map((r) => r.name)).toEqual(topology.layers.map((l) => l.name));
        for (const [i, r] of fast.entries()) {
          const l = topology.layers[i];
          expect(r).toMatchObject({ point: 3, rows: 8, cols: 8, layer: i, exact: true, m: l.m, k: l.k, n: l.n, macs: l.m * l.k * l.n });
          expect(r.cycles).toBeGreaterThan(0);
          expect(r.bandwidth.hostLink).toBeCloseTo((r.bytes.hostRead + r.bytes.hostWritten) / r.cycles, 12);
          expect(r.bandwidth.accumulators).toBeCloseTo((r.bytes.accumulatorRead + r.bytes.accumulatorWritten) / r.cycles, 12);
          const stalls = Object.values(r.stalls).reduce((a, b) => a + b, 0);
          expect(r.matrixBusyCycles + stalls).toBe(r.cycles);
          const { wallSeconds: _w, ...counters } = r;
          const { wallSeconds: _d, ...same } = detailed[i];
          expect(same).toEqual(counters);
        }
      });
    }
  }

  it("a layer the machine cannot hold is a one-line error naming the file, line and layer", async () => {
    const hw = buildHwConfig("small", { rows: 8, cols: 8, weightMemoryBytes: 64 });
    const topology = parseTopology("Layer, M, N, K,\nsmall, 2, 2, 2,\nwide, 4, 8, 400,\n", "t.csv");
    const err = await runTopologyPoint({ point, hw, topology, mode: "fast", seed: 1, maxCycles: undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserInputError);
    expect((err as Error).message).toMatch(/^t\.csv:3: layer wide: one 8-column tile of B needs K x 8 = 3200 elements/);
  });

  it("the seed chooses the data, not the machine's timing", async () => {
    const a = await run("tiny-conv.csv", "int8", "fast", 1);
    const b = await run("tiny-conv.csv", "int8", "fast", 2);
    expect(b.map((r) => r.cycles)).toEqual(a.map((r) => r.cycles));
  });

  it("energy per layer: parts add up, static power x time, one inference of the layer; a point's totals add its layers up", async () => {
    const hw = buildHwConfig("small", { rows: 8, cols: 8, dtype: "int8", accumulatorRows: 16 });
    const rows = await run("tiny-gemm.csv", "int8", "fast");
    for (const r of rows) {
      const e = r.energy;
      expect(ENERGY_PARTS.reduce((s, p) => s + e.parts[p], 0)).toBeCloseTo(e.totalJ, 18);
      expect(e.dynamicJ).toBeCloseTo(e.totalJ - e.parts.static, 18);
      // Static power over the layer's simulated time, at the clock the row records.
      expect(r.clockMHz).toBe(hw.clockMHz);
      expect(e.parts.static).toBeCloseTo((e.staticPowerW * r.cycles) / (hw.clockMHz * 1e6), 18);
      expect(e.topsPerW).toBeCloseTo((2 * r.m * r.k * r.n) / e.totalJ / 1e12, 12);
      expect(e.per).toEqual({ unit: "inference", count: 1, joules: e.totalJ });
      expect([r.peakMacsPerCycle, r.weightBytesPerCycle]).toEqual([64, hw.weightBytesPerCycle]);
    }
    const other = rows.map((r) => ({ ...r, point: 4 }));
    const totals = pointTotals([...rows, ...other]);
    expect(totals.map((t) => [t.point, t.layers])).toEqual([[3, rows.length], [4, rows.length]]);
    const [t] = totals;
    const cycles = rows.reduce((s, r) => s + r.cycles, 0);
    const macs = rows.reduce((s, r) => s + r.m * r.k * r.n, 0);
    const joules = rows.reduce((s, r) => s + r.energy.totalJ, 0);
    expect(t).toMatchObject({ rows: 8, cols: 8, cycles, macs });
    expect(t.utilization).toBeCloseTo(macs / (cycles * 64), 12);
    expect(t.energy.totalJ).toBeCloseTo(joules, 18);
    expect(t.energy.parts.macArray).toBeCloseTo(rows.reduce((s, r) => s + r.energy.parts.macArray, 0), 18);
    expect(t.energy.averagePowerW).toBeCloseTo(joules / ((cycles / (hw.clockMHz * 1e6))), 9);
    expect(t.energy.per).toEqual({ unit: "inference", count: 1, joules: t.energy.totalJ });
  });
});

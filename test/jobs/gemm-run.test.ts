/**
 * Streaming matrix products (src/jobs/gemm-run.ts): the host hands the chip the instruction stream
 * piece by piece and moves A and C through two host slots, yet the chip must see exactly one long
 * program: the same cycle count and statistics as the whole program compiled at once
 * (compiler/matmul.ts), and the exact product of the independent reference.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { energyReport } from "../../src/energy/report.js";
import { runGemm } from "../../src/jobs/gemm-run.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { Rng, f32Bits, randomBf16, randomInt8, referenceMatmulBf16, referenceMatmulInt32 } from "../helpers/reference-matmul.js";

interface Case {
  m: number;
  k: number;
  n: number;
  dtype: DType;
  hw: Record<string, number>;
  /** What the plan must come to (so the case exercises what its name says). */
  expect: { mBlocks?: number; kBlocks?: number; ubSlots?: number };
}

const CASES: Record<string, Case> = {
  "many row blocks, two unified-buffer slots": { m: 50, k: 37, n: 9, dtype: "int8", hw: { rows: 4, cols: 4, accumulatorRows: 16, unifiedBufferBytes: 4096, weightFifoTiles: 2 }, expect: { mBlocks: 7, ubSlots: 2 } },
  "bf16, 13 blocks, ragged last block": { m: 203, k: 20, n: 17, dtype: "bf16", hw: { rows: 8, cols: 8, accumulatorRows: 32 }, expect: { mBlocks: 13 } },
  "k-blocks: a row of A wider than half the buffer": { m: 30, k: 70, n: 5, dtype: "int8", hw: { rows: 4, cols: 4, accumulatorRows: 8, unifiedBufferBytes: 64 }, expect: { kBlocks: 3 } },
  "k-blocks re-read for every output tile, 20 blocks": { m: 20, k: 70, n: 10, dtype: "bf16", hw: { rows: 4, cols: 4, accumulatorRows: 8, unifiedBufferBytes: 128 }, expect: { kBlocks: 3, mBlocks: 20 } },
  "one block: A fits whole": { m: 12, k: 9, n: 30, dtype: "bf16", hw: { rows: 4, cols: 8 }, expect: { mBlocks: 1, ubSlots: 1 } },
};

function operands(c: Case, seed: number) {
  const rng = new Rng(seed);
  const value = () => (c.dtype === "int8" ? randomInt8(rng) : randomBf16(rng));
  return { a: Float32Array.from({ length: c.m * c.k }, value), b: Float32Array.from({ length: c.k * c.n }, value) };
}

describe("streamed matrix product == the whole program", () => {
  for (const [name, c] of Object.entries(CASES)) {
    for (const mode of ["fast", "detailed"] as SimMode[]) {
      it(`${name} (${c.m}x${c.k}x${c.n} ${c.dtype}, ${mode})`, async () => {
        const hw = buildHwConfig("small", { dtype: c.dtype, ...c.hw });
        const { a, b } = operands(c, c.m + c.k);
        const whole = compileMatmul(a, c.m, c.k, b, c.n, hw);
        const sim = new Simulator(hw, { mode });
        sim.load(whole.program);
        expect(sim.run({ maxCycles: 10_000_000 })).toBe(true);

        const got = new Float64Array(c.m * c.n);
        const order: number[] = [];
        const r = await runGemm({
          hw, mode, m: c.m, k: c.k, n: c.n, b,
          readA: (r0, rows, host, at) => host.set(a.subarray(r0 * c.k, (r0 + rows) * c.k), at),
          onRows: (r0, rows, host, at) => {
            order.push(r0);
            got.set(host.subarray(at, at + rows * c.n), r0 * c.n);
          },
          // A short lookahead makes the host hand over many small pieces.
          lookaheadCycles: 50,
        });
        expect(r.plan).toMatchObject(c.expect);
        expect(order).toEqual(Array.from({ length: r.plan.mBlocks }, (_, i) => i * r.plan.blockRows));
        expect(r.stats.macs).toBe(c.m * c.k * c.n);
        // Same machine time and every counter of the one-program run.
        const { peakMacsPerCycle, utilization, seconds, tops, clockMHz, energy, ...counters } = r.stats;
        void [peakMacsPerCycle, utilization, seconds, tops, clockMHz];
        expect(counters).toEqual(sim.stats);
        expect(energy).toEqual(energyReport(sim.stats, hw));
        expect(Array.from(got)).toEqual(Array.from(sim.dp.host.subarray(whole.hostC, whole.hostC + c.m * c.n)));
        const want = c.dtype === "int8" ? Array.from(referenceMatmulInt32(a, c.m, c.k, b, c.n)) : Array.from(referenceMatmulBf16(a, c.m, c.k, b, c.n), f32Bits);
        expect(c.dtype === "int8" ? Array.from(got) : Array.from(got, f32Bits)).toEqual(want);
      });
    }
  }
});

describe("B wider than weight memory holds: column panels", () => {
  for (const dtype of ["int8", "bf16"] as DType[]) {
    it(`${dtype}: panels of whole 4-column tiles, every column delivered once, exact`, async () => {
      const hw = buildHwConfig("small", { dtype, rows: 4, cols: 4, accumulatorRows: 8, weightMemoryBytes: 480 });
      // A 10-row B fits floor(capacity / (10 * 4)) whole 4-column tiles at a time.
      const width = Math.floor(hw.weightMemoryElements / 40) * 4;
      expect(width).toBeGreaterThan(0);
      expect(width).toBeLessThan(20);
      const c: Case = { m: 13, k: 10, n: 20, dtype, hw: {}, expect: {} };
      const { a, b } = operands(c, 11);
      const got = new Float64Array(c.m * c.n).fill(NaN);
      const panels: number[] = [];
      const r = await runGemm({
        hw, mode: "fast", m: c.m, k: c.k, n: c.n, b,
        readA: (r0, rows, host, at) => host.set(a.subarray(r0 * c.k, (r0 + rows) * c.k), at),
        onRows: (r0, rows, host, at, c0, cols) => {
          if (!panels.includes(c0)) panels.push(c0);
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              expect(Number.isNaN(got[(r0 + i) * c.n + c0 + j])).toBe(true);
              got[(r0 + i) * c.n + c0 + j] = host[at + i * cols + j];
            }
          }
        },
      });
      expect(r.panels).toBe(Math.ceil(20 / width));
      expect(panels).toEqual(Array.from({ length: r.panels }, (_, i) => i * width));
      expect(r.stats.macs).toBe(c.m * c.k * c.n);
      const want = dtype === "int8" ? Array.from(referenceMatmulInt32(a, c.m, c.k, b, c.n)) : Array.from(referenceMatmulBf16(a, c.m, c.k, b, c.n), f32Bits);
      expect(dtype === "int8" ? Array.from(got) : Array.from(got, f32Bits)).toEqual(want);
    });
  }
});

/**
 * The energy model against energies computed by hand from the table in docs/ENERGY.md, for small
 * programs whose counters are also derived here: every expected joule below is written as
 * (operations) x (table value), not read back from the model.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import { ENERGY_PARTS, energyOf, staticPowerW, totalEnergy, type EnergyPart, type EnergyParts } from "../../src/energy/model.js";
import { assemble } from "../../src/isa/assembler.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import type { RunStats } from "../../src/sim/stats.js";
import { EVERY_UNIT_PROGRAM, arbitraryMachineShape, loadMachine, randomMachine } from "../helpers/programs.js";

const PJ = 1e-12;
const MiB = 1024 * 1024;
const MATMUL_4X4 = assemble(readFileSync(new URL("../../examples/matmul-4x4.s", import.meta.url), "utf8"));

function run(hw: HwConfig, source: string | ReturnType<typeof assemble>, mode: SimMode = "fast"): RunStats {
  const sim = new Simulator(hw, { mode });
  sim.load(typeof source === "string" ? assemble(source) : source);
  expect(sim.run()).toBe(true);
  return sim.stats;
}

function expectParts(got: EnergyParts, want: EnergyParts): void {
  for (const p of ENERGY_PARTS) expect(got[p], p).toBeCloseTo(want[p], 20);
}

describe("hand-computed energies", () => {
  for (const mode of ["fast", "detailed"] as const) {
    it(`examples/matmul-4x4.s on a 4x4 bf16 array (${mode} mode)`, () => {
      const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype: "bf16" });
      const s = run(hw, MATMUL_4X4, mode);
      expect(s.cycles).toBeGreaterThan(0);
      // Counters of the program (RHM 4x4, RDW 4x4, one MMUL of 4 vectors, WHMA 4x4), bf16 = 2 bytes:
      //   MACs 4*4*4 = 64; unified buffer 32 written (RHM) + 32 read (MMUL) = 64 bytes;
      //   accumulators 4 rows * 4 columns * 4 bytes written (MMUL) + 64 read (WHMA) = 128 bytes;
      //   FIFO 32 bytes written (RDW) + 32 read (the shift); weight registers 4 * (1+2+3+4) = 40;
      //   weight memory 32 bytes; host link 32 (RHM) + 64 (WHMA, 4 bytes per value) = 96 bytes.
      expect([s.macs, s.bytes.unifiedBufferRead + s.bytes.unifiedBufferWritten, s.bytes.accumulatorRead + s.bytes.accumulatorWritten]).toEqual([64, 64, 128]);
      const seconds = s.cycles / 700e6;
      expectParts(energyOf(s, hw), {
        // bf16 MAC 1.48 pJ + its activation register (2 bytes) and psum register (4 bytes) at 0.009 pJ/bit.
        macArray: 64 * (1.48 + 6 * 8 * 0.009) * PJ,
        // The 1 MiB unified buffer: 100 pJ per 64 bits = 12.5 pJ per byte.
        unifiedBuffer: 64 * (100 / 8) * PJ,
        // One accumulator column is 1024 rows * 4 bytes = 4 KiB, an octave below 8 KiB: 10 - 5 = 5 pJ / 64 bits.
        accumulators: 128 * (5 / 8) * PJ,
        // The FIFO is 4 tiles * 16 * 2 bytes = 128 bytes: floored at 64 register bits (0.576 pJ / 64 bits);
        // 40 register writes of 16 bits.
        weightFifo: ((32 + 32) * ((64 * 0.009) / 8) + 40 * 16 * 0.009) * PJ,
        weightMemory: 32 * (1950 / 8) * PJ,
        hostLink: 96 * 8 * 1.93 * PJ,
        activation: 0,
        vector: 0,
        // 16 PEs, 1 MiB of unified buffer + 1024 * 4 * 4 bytes of accumulators, and the fixed rest.
        static: (16 * 102.5390625e-6 + ((MiB + 1024 * 16) / MiB) * 0.35 + 11.48) * seconds,
      });
    });
  }

  it("the same product in int8: 1-byte elements, the int8 MAC", () => {
    const hw = buildHwConfig("small", { rows: 4, cols: 4, dtype: "int8" });
    const e = energyOf(run(hw, MATMUL_4X4), hw);
    expect(e.macArray).toBeCloseTo(64 * (0.3 + 5 * 8 * 0.009) * PJ, 20);
    expect(e.unifiedBuffer).toBeCloseTo(32 * (100 / 8) * PJ, 20);
    expect(e.weightFifo).toBeCloseTo(((16 + 16) * ((64 * 0.009) / 8) + 40 * 8 * 0.009) * PJ, 20);
    expect(e.weightMemory).toBeCloseTo(16 * (1950 / 8) * PJ, 20);
    expect(e.hostLink).toBeCloseTo((16 + 64) * 8 * 1.93 * PJ, 20);
  });

  it("the activation and vector units: per element", () => {
    const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype: "bf16" });
    const e = energyOf(run(hw, EVERY_UNIT_PROGRAM), hw);
    // ACT 5 rows x 4 columns; VEC, VTR, VSMX and VSGD 2x3 each.
    expect(e.activation).toBeCloseTo(20 * 8.3 * PJ, 20);
    expect(e.vector).toBeCloseTo(24 * 4.6 * PJ, 20);
  });

  it("a program that does nothing costs static power for its time, and nothing else", () => {
    const hw = buildHwConfig("small");
    const s = run(hw, ".text\n NOP\n NOP\n NOP\n HALT\n");
    const e = energyOf(s, hw);
    for (const p of ENERGY_PARTS) if (p !== "static") expect(e[p], p).toBe(0);
    expect(e.static).toBeCloseTo(staticPowerW(hw) * (s.cycles / 700e6), 20);
    expect(e.static).toBeGreaterThan(0);
  });

  it("static power: TPU v1's 28 W idle at 256x256 with 24 MiB + 4 MiB of SRAM, scaled by size elsewhere", () => {
    // 65536 PEs * 102.5390625 uW = 6.72 W; 28 MiB * 0.35 W = 9.8 W; rest 11.48 W.
    expect(staticPowerW(buildHwConfig("tpu-v1"))).toBeCloseTo(28, 12);
    // tpu-v2: 16384 PEs, 16 MiB + 4096 * 128 * 4 bytes = 2 MiB of accumulators.
    expect(staticPowerW(buildHwConfig("tpu-v2"))).toBeCloseTo(16384 * 102.5390625e-6 + 18 * 0.35 + 11.48, 12);
  });
});

describe("overrides change exactly the parts they should", () => {
  const base = buildHwConfig("small", { rows: 3, cols: 4, dtype: "bf16" });
  const stats = run(base, EVERY_UNIT_PROGRAM);
  const before = energyOf(stats, base);
  // [parameter, new value, parts that change]. The unified buffer (1 MiB) sits on the 1 MiB point,
  // an accumulator column (4 KiB) on the 8 - 32 KiB segment, the FIFO (96 bytes) on the floor.
  const cases: [string, number, EnergyPart[]][] = [
    ["energyMacBf16Pj", 3, ["macArray"]],
    ["energyMacInt8Pj", 3, []],
    ["energySram8KiBPj", 12, ["accumulators"]],
    ["energySram32KiBPj", 25, ["accumulators"]],
    ["energySram1MiBPj", 150, ["unifiedBuffer"]],
    ["energyRegisterBitPj", 0.02, ["macArray", "weightFifo"]],
    ["energyActivationElementPj", 1, ["activation"]],
    ["energyVectorElementPj", 1, ["vector"]],
    ["energyWeightMemory64bPj", 1300, ["weightMemory"]],
    ["energyHostLinkBitPj", 10, ["hostLink"]],
    ["staticPowerPerPeUw", 1000, ["static"]],
    ["staticPowerPerSramMiBW", 1, ["static"]],
    ["staticPowerOtherW", 1, ["static"]],
    ["clockMHz", 1400, ["static"]],
  ];
  for (const [param, value, changes] of cases) {
    it(`${param}=${value}: ${changes.length > 0 ? changes.join(", ") : "nothing"}`, () => {
      const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype: "bf16", [param]: value });
      const after = energyOf(stats, hw);
      for (const p of ENERGY_PARTS) {
        if (changes.includes(p)) expect(after[p], p).not.toBeCloseTo(before[p], 20);
        else expect(after[p], p).toBe(before[p]);
      }
    });
  }

  it("a linear entry scales its part: the DRAM energy from 1950 to 1300 pJ", () => {
    const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype: "bf16", energyWeightMemory64bPj: 1300 });
    expect(energyOf(stats, hw).weightMemory / before.weightMemory).toBeCloseTo(1300 / 1950, 12);
  });

  it("energies must be numbers > 0, like the other parameters", () => {
    expect(() => buildHwConfig("small", { energyMacBf16Pj: -1 })).toThrow(/energyMacBf16Pj/);
    expect(() => buildHwConfig("small", { staticPowerOtherW: "lots" })).toThrow(/staticPowerOtherW/);
  });
});

describe("energy is the sum of its parts (random programs)", () => {
  it("every part is >= 0, the total is their sum, and the model is linear in the table", () => {
    let programs = 0;
    fc.assert(
      fc.property(arbitraryMachineShape, fc.double({ min: 0.25, max: 4, noNaN: true }), (shape, k) => {
        const m = randomMachine(shape);
        const sim = loadMachine(m, "fast");
        sim.run({ maxCycles: 1_000_000 });
        const e = energyOf(sim.stats, m.hw);
        let sum = 0;
        for (const p of ENERGY_PARTS) {
          expect(e[p]).toBeGreaterThanOrEqual(0);
          sum += e[p];
        }
        expect(totalEnergy(e)).toBeCloseTo(sum, 20);
        // Scaling every dynamic entry by k scales the dynamic energy by k (no hidden constant term);
        // scaling every static entry by k scales the static part by k.
        const scaled: Record<string, number> = {};
        for (const key of Object.keys(m.hw) as (keyof HwConfig)[]) {
          if (/^(energy|staticPower)/.test(key)) scaled[key] = (m.hw[key] as number) * k;
        }
        const { elementBytes: _e, unifiedBufferElements: _u, weightMemoryElements: _w, peakMacsPerCycle: _p, ...params } = m.hw;
        const hw2 = buildHwConfig("small", { ...params, ...scaled });
        const e2 = energyOf(sim.stats, hw2);
        expect(totalEnergy(e2) - e2.static).toBeCloseTo(k * (totalEnergy(e) - e.static), 18);
        expect(e2.static).toBeCloseTo(k * e.static, 15);
        programs++;
      }),
      { numRuns: 60, seed: 17 },
    );
    expect(programs).toBe(60);
  });
});

/**
 * SRAM energy against capacity (docs/ENERGY.md "SRAM"): Horowitz's three points exactly, linear in
 * log2(capacity) between and beyond them, and never below 64 register bits. Expected values are the
 * table's numbers with the interpolation written out.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { sramAccessPj, sramBytePj, sramCapacities } from "../../src/energy/sram.js";

const hw = buildHwConfig("small");
const KiB = 1024;
const MiB = 1024 * KiB;

describe("SRAM access energy", () => {
  it("is the table's value at 8 KiB, 32 KiB and 1 MiB", () => {
    expect(sramAccessPj(8 * KiB, hw)).toBeCloseTo(10, 12);
    expect(sramAccessPj(32 * KiB, hw)).toBeCloseTo(20, 12);
    expect(sramAccessPj(1 * MiB, hw)).toBeCloseTo(100, 12);
  });

  it("is linear in log2(capacity) between the points", () => {
    // 16 KiB is one of the two octaves from 8 to 32 KiB: 10 + 10/2.
    expect(sramAccessPj(16 * KiB, hw)).toBeCloseTo(15, 12);
    // 256 KiB is three of the five octaves from 32 KiB to 1 MiB: 20 + 80 * 3/5.
    expect(sramAccessPj(256 * KiB, hw)).toBeCloseTo(68, 12);
  });

  it("follows the end segments beyond the points, and is floored at 64 register bits", () => {
    // 24 MiB: log2(24) octaves past 1 MiB at 16 pJ per octave.
    expect(sramAccessPj(24 * MiB, hw)).toBeCloseTo(100 + 16 * Math.log2(24), 10);
    // 4 KiB: one octave below 8 KiB at 5 pJ per octave.
    expect(sramAccessPj(4 * KiB, hw)).toBeCloseTo(5, 12);
    // 1 KiB would be -5 pJ on the line: a register file of 64 bits at 0.009 pJ per bit instead.
    expect(sramAccessPj(1 * KiB, hw)).toBeCloseTo(64 * 0.009, 12);
    expect(sramAccessPj(1, hw)).toBeCloseTo(64 * 0.009, 12);
    expect(sramBytePj(16 * KiB, hw)).toBeCloseTo(15 / 8, 12);
  });

  it("moves with the table entries it depends on", () => {
    const hot = buildHwConfig("small", { energySram1MiBPj: 180, energyRegisterBitPj: 0.1 });
    expect(sramAccessPj(256 * KiB, hot)).toBeCloseTo(20 + 160 * (3 / 5), 12);
    expect(sramAccessPj(16 * KiB, hot)).toBeCloseTo(15, 12);
    expect(sramAccessPj(1 * KiB, hot)).toBeCloseTo(6.4, 12);
  });

  it("charges the unified buffer whole, one accumulator column, and the FIFO's tiles", () => {
    const v1 = buildHwConfig("tpu-v1");
    expect(sramCapacities(v1)).toEqual({ unifiedBuffer: 24 * MiB, accumulatorColumn: 4096 * 4, weightFifo: 4 * 256 * 256 });
    expect(sramCapacities(buildHwConfig("tpu-v2")).weightFifo).toBe(4 * 128 * 128 * 2);
  });
});

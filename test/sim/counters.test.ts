/**
 * The operation counters besides bytes on the links (docs/ARCHITECTURE.md "Counters"): FIFO bytes,
 * tiles shifted, PE weight-register writes, activation and vector elements. Expected totals are
 * written out here from the document's definitions, for one program that uses every unit, in both
 * modes and both data types.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { assemble } from "../../src/isa/assembler.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { EVERY_UNIT_PROGRAM } from "../helpers/programs.js";

function run(dtype: DType, mode: SimMode) {
  const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype });
  const sim = new Simulator(hw, { mode });
  sim.load(assemble(EVERY_UNIT_PROGRAM));
  expect(sim.run()).toBe(true);
  return sim.stats;
}

describe("operation counters", () => {
  for (const dtype of ["bf16", "int8"] as const) {
    it(`${dtype}: FIFO bytes, shifts, register writes, activation and vector elements, equal in both modes`, () => {
      const eb = dtype === "int8" ? 1 : 2;
      const [R, C] = [3, 4]; // EVERY_UNIT_PROGRAM's array
      const fast = run(dtype, "fast");
      const detailed = run(dtype, "detailed");
      expect(fast.macs).toBeGreaterThan(0);
      expect(fast).toEqual(detailed);
      // Loader writes the valid extent: 2x3 (RDW) + 3x4 (RDWU) elements.
      expect(fast.bytes.weightFifoWritten).toBe((2 * 3 + 3 * 4) * eb);
      // The shifter reads every R*C slot element of each of the two tiles, padding included.
      expect(fast.bytes.weightFifoRead).toBe(2 * R * C * eb);
      expect(fast.ops.tilesShifted).toBe(2);
      // Step k moves k+1 rows of C registers: C * (1 + 2 + 3) = 24 per tile.
      expect(fast.ops.weightRegisterWrites).toBe(2 * C * (1 + 2 + 3));
      expect(fast.ops.activationElements).toBe(5 * 4);
      // VEC results 2x3, VTR and VSMX sources 2x3 each, VSGD weights 2x3.
      expect(fast.ops.vectorElements).toBe(4 * 6);
    });
  }
});

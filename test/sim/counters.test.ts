/**
 * The operation counters besides bytes on the links (docs/ARCHITECTURE.md "Counters"): FIFO bytes,
 * tiles shifted, PE weight-register writes, activation and vector elements. Expected totals are
 * written out here from the document's definitions, for one program that uses every unit, in both
 * modes and both data types; and the totals read between one-cycle slices, where fast mode must take
 * back the part of a pass or shift still ahead (sim/fast-step.ts futureCounts).
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

describe("operation counters read between slices", () => {
  // Fast mode adds a pass's or a shift's counters whole when it starts and takes back the part still
  // ahead whenever a run returns; the detailed model counts cycle by cycle. So after every slice
  // (here: every cycle, so slices end inside shifts and passes) both must show what happened so far.
  for (const dtype of ["bf16", "int8"] as const) {
    it(`${dtype}: after every one-cycle slice, fast mode's totals equal the detailed model's`, () => {
      const hw = buildHwConfig("small", { rows: 3, cols: 4, dtype });
      const [fast, detailed] = (["fast", "detailed"] as const).map((mode) => {
        const sim = new Simulator(hw, { mode });
        sim.load(assemble(EVERY_UNIT_PROGRAM));
        return sim;
      });
      let midShift = 0;
      for (let slice = 0; slice < 1000; slice++) {
        const doneF = fast.run({ sliceCycles: 1 });
        const doneD = detailed.run({ sliceCycles: 1 });
        expect(fast.stats).toEqual(detailed.stats);
        // A slice ending inside a shift: some, not all, of the R rows of a tile read so far.
        if (detailed.stats.bytes.weightFifoRead % (3 * 4 * (dtype === "int8" ? 1 : 2)) !== 0) midShift++;
        expect(doneF).toBe(doneD);
        if (doneD) break;
      }
      expect(detailed.halted).toBe(true);
      expect(midShift).toBeGreaterThan(0);
    });
  }
});

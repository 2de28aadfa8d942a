/**
 * The activation unit's fault latch keeps the FIRST non-finite output (docs/ARCHITECTURE.md "Faults":
 * the fault names the first bad address). The existing fault test has one bad value per row, so a
 * latch that let a later bad value overwrite the first (mutation testing: `faultIndex < 0` → `true`
 * or `<= 0`, docs/MUTATION.md) survived. Here a row has two non-finite outputs, the first at buffer
 * address 0, so both mutants name address 1.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { CycleActivity } from "../../src/hw/activity.js";
import { ActivationUnit } from "../../src/hw/activation-unit.js";
import { UnitRequests } from "../../src/hw/arbiter.js";

describe("activation unit fault latch", () => {
  for (const L of [0, 2]) {
    it(`latency ${L}: two non-finite outputs in one row, the first at address 0: the fault names address 0`, () => {
      const cols = 3;
      const hw = buildHwConfig("small", { rows: 2, cols, dtype: "bf16", activationLatency: L });
      const unit = new ActivationUnit(hw);
      // identity with inScale 2^60: 2^100 * 2^60 overflows (> 2^128), so both large entries come out
      // as +Infinity; 1 * 2^60 stays finite.
      const acc = new Float32Array([2 ** 100, 2 ** 100, 1]);
      const ub = new Float32Array(8);
      unit.start({ acc: 0, rows: 1, cols, ub: 0, ustride: cols, fn: 0, inScale: 2 ** 60, outScale: 1 });
      const req = new UnitRequests();
      const act = new CycleActivity();
      for (let t = 0; t <= L; t++) {
        req.clear();
        act.clear();
        unit.request(req);
        unit.evaluate(true, acc, cols);
        unit.commit(ub, act);
      }
      expect([ub[0], ub[1], ub[2]]).toEqual([Infinity, Infinity, 2 ** 60]);
      expect(unit.faultIndex).toBe(0);
    });
  }
});

/**
 * A NaN output is a fault too (docs/ARCHITECTURE.md "Faults": in bf16 mode a NaN or infinity written
 * to the unified buffer). The activation unit's fault tests produced only infinities, so a latch
 * that missed NaN (mutation testing: `v !== v` → `false` in src/hw/activation-unit.ts,
 * docs/mutation/activation-unit.md) survived. An ACT makes a NaN from finite accumulators:
 * `fp32(acc * inscale)` overflows to +Infinity, identity and relu keep it, and `Infinity * outscale`
 * with outscale 0 is NaN (docs/ISA.md "ACT").
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { CycleActivity } from "../../src/hw/activity.js";
import { ActivationUnit } from "../../src/hw/activation-unit.js";
import { UnitRequests } from "../../src/hw/arbiter.js";

describe("activation unit fault latch: NaN", () => {
  for (const [fn, name] of [
    [0, "identity"],
    [1, "relu"],
  ] as const) {
    it(`${name}, outscale 0: the lane whose acc * inscale overflows writes NaN, and the fault names it`, () => {
      const cols = 3;
      const hw = buildHwConfig("small", { rows: 2, cols, dtype: "bf16", activationLatency: 1 });
      const unit = new ActivationUnit(hw);
      // Lane 0: 1 * 2^60 * 0 = 0; lane 1: 2^100 * 2^60 = +Infinity in fp32, * 0 = NaN; lane 2: 0.
      const acc = new Float32Array([1, 2 ** 100, 3]);
      const ub = new Float32Array(16).fill(7);
      unit.start({ acc: 0, rows: 1, cols, ub: 5, ustride: cols, fn, inScale: 2 ** 60, outScale: 0 });
      const req = new UnitRequests();
      const act = new CycleActivity();
      for (let t = 0; t < 2; t++) {
        req.clear();
        act.clear();
        unit.request(req);
        unit.evaluate(true, acc, cols);
        unit.commit(ub, act);
      }
      expect(unit.completed).toBe(true);
      expect([ub[5], ub[6], ub[7]]).toEqual([0, NaN, 0]);
      expect(unit.faultIndex).toBe(6);
    });
  }
});

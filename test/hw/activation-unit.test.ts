/**
 * The activation unit driven by hand (src/hw/activation-unit.ts; docs/ARCHITECTURE.md "Activation
 * unit"): accumulator row i is read at t0 + i and written to the unified buffer at t0 + i + L, where
 * L is the latency; the unit is busy until its last write. Expected values use the documented
 * formula, not src/numerics.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { ActivationUnit, type ActivationOp } from "../../src/hw/activation-unit.js";
import { bf16FromBits, f32Bits } from "../helpers/reference-matmul.js";

const C = 3;
const fround = Math.fround;
/** fp32 -> bf16, round to nearest even (values here are finite). */
const bf16 = (x: number) => {
  const b = f32Bits(fround(x));
  return bf16FromBits(((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff);
};

describe.each([0, 1, 3])("ActivationUnit with latency %i", (L) => {
  const hw = buildHwConfig("small", { rows: 2, cols: C, dtype: "bf16", activationLatency: L });
  const op: ActivationOp = { acc: 1, rows: 3, cols: 2, ub: 10, ustride: 4, fn: 1, inScale: 0.5, outScale: 3 };
  const accValues = [
    [0, 0, 0],
    [1.25, -7, 9],
    [-3, 2.5, 1e-3],
    [100, 0.1, -0],
  ];

  it("writes row i at t0 + i + L from the accumulator value read at t0 + i", () => {
    const unit = new ActivationUnit(hw);
    const acc = new Float32Array(accValues.flat());
    const ub = new Float32Array(40);
    const t0 = 5;
    unit.start(op, t0);
    const snapshots: number[][] = [];
    const busy: boolean[] = [];
    for (let t = t0; t <= t0 + op.rows + L + 1; t++) {
      // Row 2 changes after its read cycle (t0 + 1 is row 1's): the unit must have read the old value.
      if (t === t0 + 2 + 1) acc[2 * C] = 1e6;
      const before = Array.from(ub);
      unit.evaluate(t, acc, C);
      expect(Array.from(ub), "evaluate does not write the buffer").toEqual(before);
      unit.commit(t, ub);
      snapshots.push(Array.from(ub));
      busy.push(unit.busy);
    }
    const relu = (v: number) => (v > 0 ? v : 0);
    const out = (i: number, c: number) => bf16(fround(relu(fround(accValues[op.acc + i][c] * 0.5)) * 3));
    const want = snapshots.map((_, k) => {
      const t = t0 + k;
      const u = Array(40).fill(0);
      for (let i = 0; i < op.rows; i++) {
        if (t >= t0 + i + L) for (let c = 0; c < op.cols; c++) u[op.ub + i * op.ustride + c] = out(i, c);
      }
      return u;
    });
    expect(snapshots).toEqual(want);
    const last = t0 + op.rows - 1 + L;
    expect(unit.lastWriteCycle).toBe(last);
    expect(busy).toEqual(snapshots.map((_, k) => t0 + k < last));
    expect(unit.faultIndex).toBe(-1);
  });

  it("latches a non-finite output as a fault at its buffer address", () => {
    const unit = new ActivationUnit(hw);
    const acc = new Float32Array([0, 0, 0, 2 ** 100, 1, 1]);
    const ub = new Float32Array(40);
    unit.start({ acc: 1, rows: 1, cols: 3, ub: 20, ustride: 3, fn: 0, inScale: 2 ** 20, outScale: 2 ** 20 }, 0);
    for (let t = 0; t <= L; t++) {
      unit.evaluate(t, acc, C);
      unit.commit(t, ub);
    }
    expect(unit.faultIndex).toBe(20);
    expect(unit.lastWriteCycle).toBe(L);
  });
});

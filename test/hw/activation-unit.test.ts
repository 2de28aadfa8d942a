/**
 * The activation unit driven by hand (src/hw/activation-unit.ts; docs/ARCHITECTURE.md "Activation
 * unit"): in progress step p it asks for one accumulator read port (p < rows) and one unified-buffer
 * write port (p >= L) together, reads accumulator row acc+p and writes buffer row p-L; a refused cycle
 * holds every register; the op completes with step rows+L-1. Expected values use the documented
 * formula, not src/numerics.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { CNT_ACC_READ, CNT_ACTIVATION_ELEMENTS, CNT_UB_WRITTEN, CycleActivity, U_ACTIVATION } from "../../src/hw/activity.js";
import { ActivationUnit, type ActivationOp } from "../../src/hw/activation-unit.js";
import { UnitRequests } from "../../src/hw/arbiter.js";
import { bf16FromBits, f32Bits } from "../helpers/reference-matmul.js";

const C = 3;
const fround = Math.fround;
/** fp32 -> bf16, round to nearest even (values here are finite). */
const bf16 = (x: number) => {
  const b = f32Bits(fround(x));
  return bf16FromBits(((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff);
};

interface Cycle {
  request: [number, number];
  ub: number[];
  completed: boolean;
  counts: [number, number, number];
}

/** Clock the unit; `refuse` lists the cycles (from 0) the arbiter refuses it. */
function drive(unit: ActivationUnit, acc: Float32Array, ub: Float32Array, cycles: number, refuse: number[] = []): Cycle[] {
  const out: Cycle[] = [];
  const req = new UnitRequests();
  const act = new CycleActivity();
  for (let t = 0; t < cycles; t++) {
    req.clear();
    act.clear();
    unit.request(req);
    const before = Array.from(ub);
    unit.evaluate(!refuse.includes(t), acc, C);
    expect(Array.from(ub), "evaluate does not write the buffer").toEqual(before);
    unit.commit(ub, act);
    out.push({
      request: [req.accRead[U_ACTIVATION], req.ubWrite[U_ACTIVATION]],
      ub: Array.from(ub),
      completed: unit.completed,
      counts: [act.counts[CNT_ACC_READ], act.counts[CNT_UB_WRITTEN], act.counts[CNT_ACTIVATION_ELEMENTS]],
    });
  }
  return out;
}

describe.each([0, 1, 3])("ActivationUnit with latency %i", (L) => {
  const hw = buildHwConfig("small", { rows: 2, cols: C, dtype: "bf16", activationLatency: L });
  const op: ActivationOp = { acc: 1, rows: 3, cols: 2, ub: 10, ustride: 4, fn: 1, inScale: 0.5, outScale: 3 };
  const accValues = [
    [0, 0, 0],
    [1.25, -7, 9],
    [-3, 2.5, 1e-3],
    [100, 0.1, -0],
  ];
  const relu = (v: number) => (v > 0 ? v : 0);
  const out = (i: number, c: number) => bf16(fround(relu(fround(accValues[op.acc + i][c] * 0.5)) * 3));

  /** Buffer contents after the rows whose write step is below `steps` were written. */
  function bufferAfter(steps: number): number[] {
    const u = Array(40).fill(0);
    for (let i = 0; i < op.rows; i++) if (i + L < steps) for (let c = 0; c < op.cols; c++) u[op.ub + i * op.ustride + c] = out(i, c);
    return u;
  }

  it("step p reads row p and writes row p - L; it completes with step rows + L - 1", () => {
    const unit = new ActivationUnit(hw);
    const acc = new Float32Array(accValues.flat());
    const ub = new Float32Array(40);
    unit.start(op);
    const cycles = drive(unit, acc, ub, op.rows + L + 1);
    // rows + L steps; the cycle after the last one the unit is idle.
    const steps = op.rows + L;
    expect(cycles.map((c) => c.request)).toEqual(
      Array.from({ length: steps + 1 }, (_, p) => (p < steps ? [p < op.rows ? 1 : 0, p >= L ? 1 : 0] : [0, 0])),
    );
    expect(cycles.map((c) => c.ub)).toEqual(Array.from({ length: steps + 1 }, (_, p) => bufferAfter(p + 1)));
    expect(cycles.map((c) => c.completed)).toEqual(Array.from({ length: steps + 1 }, (_, p) => p === steps - 1));
    // Counters: 4 bytes per accumulator value read, 2 bytes per bf16 written, elements at the read.
    expect(cycles.map((c) => c.counts)).toEqual(
      Array.from({ length: steps + 1 }, (_, p) => [p < op.rows ? 2 * 4 : 0, p >= L && p < steps ? 2 * 2 : 0, p < op.rows ? 2 : 0]),
    );
  });

  it("a refused cycle holds everything: the schedule moves one cycle later", () => {
    const unit = new ActivationUnit(hw);
    const acc = new Float32Array(accValues.flat());
    const ub = new Float32Array(40);
    unit.start(op);
    // Refused in cycle 1: step 1 happens in cycle 2, and every later step one cycle later.
    const cycles = drive(unit, acc, ub, op.rows + L + 2, [1]);
    const stepAt = (t: number) => (t < 1 ? t : t - 1);
    expect(cycles.map((c) => c.ub)).toEqual(cycles.map((_, t) => bufferAfter(t === 1 ? 1 : stepAt(t) + 1)));
    expect(cycles[1].counts).toEqual([0, 0, 0]);
    expect(cycles.findIndex((c) => c.completed)).toBe(op.rows + L);
  });

  it("latches a non-finite output as a fault at its buffer address", () => {
    const unit = new ActivationUnit(hw);
    const acc = new Float32Array([0, 0, 0, 2 ** 100, 1, 1]);
    const ub = new Float32Array(40);
    unit.start({ acc: 1, rows: 1, cols: 3, ub: 20, ustride: 3, fn: 0, inScale: 2 ** 20, outScale: 2 ** 20 });
    const cycles = drive(unit, acc, ub, L + 1);
    expect(unit.faultIndex).toBe(20);
    expect(cycles[L].completed).toBe(true);
  });
});

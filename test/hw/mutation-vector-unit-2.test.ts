/**
 * The vector unit's fault latches (docs/ARCHITECTURE.md "Faults": the fault names the first bad
 * value of the block order; only bf16 faults). Mutation testing of src/hw/vector-unit.ts
 * (docs/mutation/vector-unit.md): every earlier fault test had one bad value per cycle, or its first
 * one above address 0, and only +infinity from a VEC, so a latch that let a later bad value of the
 * same cycle overwrite the first (`faultIndex < 0` → `true` or `<= 0`), or that missed -infinity,
 * survived; and no test ran VSGD into a huge weight in int8, so a fault check that forgot the dtype
 * survived. Both modes are run: fast mode computes the block at issue (src/sim/issue.ts,
 * fast-blocks.ts) and must name the same fault.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { ins, program } from "../helpers/programs.js";

const MODES: readonly SimMode[] = ["detailed", "fast"];

/** 2 x 2 grid, 2 vector lanes (a 2-element row is one step), 32 channel bytes a cycle. */
function machine(dtype: DType) {
  return buildHwConfig("small", {
    rows: 2, cols: 2, dtype, unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 600,
    vectorLanes: 2, vectorLatency: 1, weightBytesPerCycle: 32,
  });
}

/** The fault of the run (cycle, unit, detail), or null when it halts; `sim` is left for inspection. */
function runOf(dtype: DType, mode: SimMode, prog: Program, setup: (s: Simulator) => void): { fault: { cycle: number; unit: string; detail: string } | null; sim: Simulator } {
  const sim = new Simulator(machine(dtype), { mode });
  sim.load(prog);
  setup(sim);
  try {
    sim.run({ maxCycles: 1_000 });
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { fault: { cycle: e.cycle, unit: e.unit, detail: e.detail }, sim };
  }
  return { fault: null, sim };
}

describe.each(MODES)("%s mode: the vector unit's first bad value of a cycle", (mode) => {
  it("VEC: -inf at buffer address 0 and +inf at 1 in one step: address 0 is named", () => {
    // add(a, a) with a = [-2^127, 2^127]: -2^128 and +2^128 overflow fp32 to -inf and +inf. Both
    // lanes are one step (2 lanes), issued at 0 and written in step Lv = 1: cycle 1.
    const prog = program([ins("VEC", { fn: "add", dst: 0, dstride: 2, a: 4, astride: 2, b: 4, bstride: 2, rows: 1, cols: 2 }), ins("HALT")]);
    const { fault } = runOf("bf16", mode, prog, (s) => s.dp.ub.set([-(2 ** 127), 2 ** 127], 4));
    expect(fault).toEqual({ cycle: 1, unit: "vector", detail: "non-finite value written to unified buffer address 0" });
  });

  it("VEC: +inf at address 10 and -inf at 11: address 10 is named (the latch keeps the first)", () => {
    const prog = program([ins("VEC", { fn: "add", dst: 10, dstride: 2, a: 4, astride: 2, b: 4, bstride: 2, rows: 1, cols: 2 }), ins("HALT")]);
    const { fault } = runOf("bf16", mode, prog, (s) => s.dp.ub.set([2 ** 127, -(2 ** 127)], 4));
    expect(fault).toEqual({ cycle: 1, unit: "vector", detail: "non-finite value written to unified buffer address 10" });
  });

  it("VSGD: two weights that go infinite in one cycle, the first at weight memory address 0: address 0 is named", () => {
    // 2 weights x (4 + 4 + 2) bytes = 20 <= min(32, 2 lanes x 10): both update in cycle 0.
    // w - fp32(2^100 * (+-2^100)) = -inf, +inf.
    const prog = program([ins("VSGD", { wm: 0, wstride: 2, acc: 0, rows: 1, cols: 2, lr: 2 ** 100 }), ins("HALT")]);
    const { fault } = runOf("bf16", mode, prog, (s) => s.dp.acc.data.set([2 ** 100, -(2 ** 100)], 0));
    expect(fault).toEqual({ cycle: 0, unit: "vector", detail: "non-finite weight written to weight memory address 0" });
  });
});

describe.each(MODES)("%s mode: VSGD to a finite fp32 master above the bf16 range", (mode) => {
  // lr = (2 - 2^-9) * 2^96 and g = -2^31 (both exact): w = 0 - fp32(lr * g) = (2 - 2^-9) * 2^127, a
  // finite fp32 (the largest is (2 - 2^-23) * 2^127) whose bf16 rounding (7 fraction bits: above
  // the halfway point 2 - 2^-8) is 2^128, infinity.
  const lr = (2 - 2 ** -9) * 2 ** 96;
  const master = (2 - 2 ** -9) * 2 ** 127;
  const prog = program([ins("VSGD", { wm: 7, wstride: 1, acc: 3, rows: 1, cols: 1, lr }), ins("HALT")]);
  const setup = (s: Simulator) => (s.dp.acc.data[3 * 2] = -(2 ** 31));

  it("bf16: its copy would be infinite, so it faults, naming the weight", () => {
    expect(Number.isFinite(master) && Math.fround(master) === master).toBe(true);
    const { fault } = runOf("bf16", mode, prog, setup);
    expect(fault).toEqual({ cycle: 0, unit: "vector", detail: "non-finite weight written to weight memory address 7" });
  });

  it("int8: no fault (int8 never faults on a value); the master holds the exact fp32 result", () => {
    const { fault, sim } = runOf("int8", mode, prog, setup);
    expect(fault).toBeNull();
    expect(sim.dp.wm[7]).toBe(master);
  });
});

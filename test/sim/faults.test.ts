/**
 * Runtime faults (src/errors.ts RuntimeFault: cycle, unit, instruction) in both modes: operands out
 * of range in each memory, impossible tile shapes, weight FIFO underflow, a missing active tile, the
 * watchdog, programs without HALT, and non-finite bf16 values (docs/ARCHITECTURE.md "Numerics").
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type HwConfig } from "../../src/config/hw-config.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";

const MODES: readonly SimMode[] = ["detailed", "fast"];
// 2 x 2 bf16 (2 bytes per element), 16 bytes per cycle on both links; weight memory 256 bytes holds
// floor(256 / (4 + 2)) = 42 weights (fp32 master + bf16 copy each).
const hw = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 256 });
/** RDW of a 2x2 tile (8 bytes) in cycle 0, its shift from s = 1 for R = 2 steps, bank ready at s + R - 1. */
const FIRST_MMUL = 1 + 2 - 1;

interface Expected {
  cycle: number;
  unit: string;
  /** The instruction text starts with this (e.g. "pc 1: RHM"). */
  instruction: string;
  detail: RegExp;
}

/** Run and return the RuntimeFault (failing the test when the run does not fault). */
function faultOf(prog: Program, mode: SimMode, opts: { hw?: HwConfig; maxCycles?: number; sink?: RecordingSink; setup?: (s: Simulator) => void } = {}): RuntimeFault {
  const sim = new Simulator(opts.hw ?? hw, { mode });
  try {
    sim.load(prog);
    opts.setup?.(sim);
    sim.run({ maxCycles: opts.maxCycles ?? 100_000, sink: opts.sink });
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeFault);
    return e as RuntimeFault;
  }
  throw new Error(`${mode}: expected a RuntimeFault, the run ended normally at cycle ${sim.now}`);
}

function expectFault(f: RuntimeFault, want: Expected): void {
  expect({ cycle: f.cycle, unit: f.unit, instruction: f.instruction.slice(0, want.instruction.length) }).toEqual({
    cycle: want.cycle,
    unit: want.unit,
    instruction: want.instruction,
  });
  expect(f.detail).toMatch(want.detail);
  expect(f.message).toContain(`cycle ${want.cycle}`);
}

describe.each(MODES)("%s mode", (mode) => {
  describe("operands out of range, faulting at issue", () => {
    const ubSize = hw.unifiedBufferElements;
    it.each([
      ["unified buffer (RHM destination)", ins("RHM", { host: 0, hstride: 4, ub: ubSize - 3, ustride: 4, rows: 1, cols: 4 }), "dma", /unified buffer address 256 out of range \(size 256\)/],
      ["unified buffer (strided MMUL read)", ins("MMUL", { ub: 200, ustride: 30, rows: 3, cols: 2, acc: 0 }), "matrix", /unified buffer address 261 out of range/],
      ["accumulators (MMUL rows)", ins("MMUL", { ub: 0, ustride: 2, rows: 4, cols: 2, acc: 14 }), "matrix", /accumulators row 17 out of range \(size 16\)/],
      ["accumulators (ACT)", ins("ACT", { acc: 16, rows: 1, cols: 2, ub: 100, ustride: 2 }), "activation", /accumulators row 16 out of range/],
      ["weight memory (RDW)", ins("RDW", { wm: 39, wstride: 2, rows: 2, cols: 2 }), "weights", /weight memory address 42 out of range \(size 42\)/],
      ["weight memory (transposed RDW)", ins("RDW", { wm: 18, wstride: 24, rows: 1, cols: 2, transpose: 1 }), "weights", /weight memory address 42 out of range/],
      ["weight memory (VSGD)", ins("VSGD", { wm: 41, wstride: 2, acc: 5, rows: 1, cols: 2, lr: 0.5 }), "vector", /weight memory address 42 out of range/],
    ])("%s", (_name, bad, unit, detail) => {
      // The bad instruction sits behind an RDW + switching MMUL, so it issues at a known cycle.
      const prog = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }), bad, ins("HALT")]);
      const issue = FIRST_MMUL + 1;
      expectFault(faultOf(prog, mode), { cycle: issue, unit, instruction: `pc 2: ${bad.op}`, detail });
    });

    it("regression: a host address whose memory cannot be allocated crashed with a RangeError instead of a RuntimeFault", () => {
      // Past 2^33 elements, beyond any typed array V8 can make (smaller sizes depend on the machine).
      const prog = program([ins("RHM", { host: 2 ** 32 - 8, hstride: 2 ** 24 - 1, ub: 0, ustride: 4, rows: 512, cols: 4 }), ins("HALT")]);
      const f = faultOf(prog, mode);
      expect(f.detail).toMatch(/host memory/);
      expect(f.instruction).toMatch(/^pc 0: RHM/);
    });

    it("a weight-memory data segment past the end faults at load", () => {
      const sim = new Simulator(hw, { mode });
      const prog = program([ins("HALT")], [{ memory: "weights", address: 60, values: new Float32Array(8) }]);
      expect(() => sim.load(prog)).toThrow(RuntimeFault);
      expect(() => sim.load(prog)).toThrow(/weight memory data segment ends at 68/);
    });
  });

  describe("impossible shapes", () => {
    it.each([
      ["RDW tile rows larger than the grid", ins("RDW", { wm: 0, wstride: 2, rows: 3, cols: 2 }), "weights", /tile rows 3 outside 1\.\.2/],
      ["RDW tile cols larger than the grid", ins("RDW", { wm: 0, wstride: 3, rows: 2, cols: 3 }), "weights", /tile cols 3 outside 1\.\.2/],
      ["RDWU tile larger than the grid", ins("RDWU", { ub: 0, ustride: 3, rows: 2, cols: 3 }), "weights", /tile cols 3 outside/],
      ["MMUL vector longer than R", ins("MMUL", { ub: 0, ustride: 3, rows: 1, cols: 3, acc: 0 }), "matrix", /vector length cols 3 outside 1\.\.2/],
      ["ACT wider than the accumulators", ins("ACT", { acc: 0, rows: 1, cols: 3, ub: 0, ustride: 3 }), "activation", /cols 3 outside 1\.\.2/],
      ["an empty DMA block", ins("RHM", { host: 0, hstride: 1, ub: 0, ustride: 1, rows: 0, cols: 1 }), "dma", /rows and cols must be >= 1/],
    ])("%s", (_name, bad, unit, detail) => {
      expectFault(faultOf(program([ins("NOP"), bad, ins("HALT")]), mode), { cycle: 1, unit, instruction: `pc 1: ${bad.op}`, detail });
    });
  });

  describe("weight tiles", () => {
    it("MMUL `switch` with no tile loaded or loading: weight FIFO underflow", () => {
      const prog = program([ins("NOP"), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }), ins("HALT")]);
      expectFault(faultOf(prog, mode), { cycle: 1, unit: "matrix", instruction: "pc 1: MMUL", detail: /weight FIFO underflow/ });
    });

    it("underflow after the only tile was used: detected once the machine is idle", () => {
      const prog = program([
        ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
        ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
        ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 1, switch: 1 }),
        ins("HALT"),
      ]);
      // The first pass (B = 1) completes at t0 + B + R + C - 1; the machine is idle the cycle after.
      const idle = FIRST_MMUL + 1 + 2 + 2 - 1 + 1;
      expectFault(faultOf(prog, mode), { cycle: idle, unit: "matrix", instruction: "pc 2: MMUL", detail: /weight FIFO underflow/ });
    });

    it("regression: with a trace sink attached, fast mode spun to the watchdog instead of reporting the underflow", () => {
      const prog = program([ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }), ins("HALT")]);
      const f = faultOf(prog, mode, { sink: new RecordingSink(), maxCycles: 1_000_000 });
      expectFault(f, { cycle: 0, unit: "matrix", instruction: "pc 0: MMUL", detail: /weight FIFO underflow/ });
    });

    it("MMUL without `switch` and no active tile", () => {
      const prog = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0 }), ins("HALT")]);
      expectFault(faultOf(prog, mode), { cycle: 1, unit: "matrix", instruction: "pc 1: MMUL", detail: /no active weight tile/ });
    });

    it("more RDWs than FIFO + banks with no MMUL between: deadlock, named", () => {
      const small = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16", weightFifoTiles: 1 });
      const rdw = ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 });
      const prog = program([rdw, rdw, rdw, rdw, ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }), ins("HALT")]);
      const f = faultOf(prog, mode, { hw: small });
      expect(f.instruction).toMatch(/^pc 3: RDW/);
      expect(f.detail).toMatch(/deadlock/);
    });
  });

  describe("programs that do not halt", () => {
    it("the watchdog stops a run at maxCycles", () => {
      const prog = program([ins("RHM", { host: 0, hstride: 64, ub: 0, ustride: 64, rows: 2, cols: 64 }), ins("HALT")]);
      // 2 * 64 elements * 2 bytes = 256 bytes at 16 per cycle: 16 cycles, more than 10.
      expectFault(faultOf(prog, mode, { maxCycles: 10 }), { cycle: 10, unit: "controller", instruction: "pc 1: HALT", detail: /watchdog: the program did not halt within 10 cycles/ });
    });

    it("a program without HALT faults once everything has drained, saying so (it was reported as a deadlock of the last instruction)", () => {
      const prog = program([ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }), ins("NOP")]);
      // The RHM moves 8 bytes in cycle 0, the NOP issues at 1, and at 2 nothing is left.
      expectFault(faultOf(prog, mode), { cycle: 2, unit: "control", instruction: "pc 1: NOP", detail: /without HALT/ });
      expectFault(faultOf(prog, mode, { sink: new RecordingSink() }), { cycle: 2, unit: "control", instruction: "pc 1: NOP", detail: /without HALT/ });
    });

    it("an empty program is rejected like any program without HALT", () => {
      const sim = new Simulator(hw, { mode });
      expect(() => sim.load(program([]))).toThrow(/no instructions.*HALT/);
    });
  });

  describe("non-finite values in bf16", () => {
    it("Infinity in host data through RHM", () => {
      const prog = program([ins("NOP"), ins("RHM", { host: 0, hstride: 2, ub: 4, ustride: 2, rows: 1, cols: 2 }), ins("HALT")], [
        { memory: "host", address: 0, values: new Float32Array([1, Infinity]) },
      ]);
      expectFault(faultOf(prog, mode), { cycle: 1, unit: "dma", instruction: "pc 1: RHM", detail: /non-finite value written to unified buffer address 5/ });
    });

    it("regression: a finite host value that rounds to bf16 infinity (3.4e38) passed RHM unnoticed after row-wise rounding", () => {
      const prog = program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }), ins("HALT")], [
        { memory: "host", address: 0, values: new Float32Array([-3.4e38, 1]) },
      ]);
      expectFault(faultOf(prog, mode), { cycle: 0, unit: "dma", instruction: "pc 0: RHM", detail: /unified buffer address 0/ });
    });

    it("non-finite values in two rows that land in the same cycle: the fault names the first (address 0, not 2)", () => {
      // H = 16 bytes/cycle: the 2 x 2 bf16 block (8 bytes) lands in cycle 0, row 0 (addresses 0, 1)
      // then row 1 (2, 3); the lowest element written that cycle is the one named.
      const prog = program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }), ins("HALT")], [
        { memory: "host", address: 0, values: new Float32Array([Infinity, 1, NaN, 2]) },
      ]);
      expectFault(faultOf(prog, mode), { cycle: 0, unit: "dma", instruction: "pc 0: RHM", detail: /unified buffer address 0$/ });
    });

    it("NaN in weight memory through RDW (transposed), and a weight that rounds to infinity", () => {
      const nan = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2, transpose: 1 }), ins("HALT")], [
        { memory: "weights", address: 0, values: new Float32Array([1, 2, NaN, 4]) },
      ]);
      expectFault(faultOf(nan, mode), { cycle: 0, unit: "weights", instruction: "pc 0: RDW", detail: /non-finite weight at weight memory address 2/ });
      const big = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("HALT")], [
        { memory: "weights", address: 0, values: new Float32Array([1, 2, 3, 3.4e38]) },
      ]);
      expectFault(faultOf(big, mode), { cycle: 0, unit: "weights", instruction: "pc 0: RDW", detail: /weight memory address 3/ });
    });

    it("two non-finite weights land in the same cycle: the fault names the first (address 0, not 3)", () => {
      // W = 16 bytes/cycle: the whole 2 x 2 bf16 tile (8 bytes) lands in cycle 0, in address order
      // 0, 1, 2, 3; the lowest element written that cycle is the one named.
      const two = program([ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("HALT")], [
        { memory: "weights", address: 0, values: new Float32Array([NaN, 2, 3, -Infinity]) },
      ]);
      expectFault(faultOf(two, mode), { cycle: 0, unit: "weights", instruction: "pc 0: RDW", detail: /weight memory address 0$/ });
    });

    it("an accumulator overflow in a pass", () => {
      const prog = program(
        [
          ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }),
          ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
          ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 3, switch: 1 }),
          ins("HALT"),
        ],
        [
          { memory: "host", address: 0, values: new Float32Array([2 ** 100, 2 ** 100]) },
          // Column 0 overflows (2^127 + 2^127), column 1 does not.
          { memory: "weights", address: 0, values: new Float32Array([2 ** 27, 1, 2 ** 27, 1]) },
        ],
      );
      const f = faultOf(prog, mode);
      expect([f.unit, f.instruction.slice(0, 10)]).toEqual(["matrix", "pc 2: MMUL"]);
      expect(f.detail).toMatch(/non-finite value written to accumulator row 3, column 0/);
      // RHM in cycle 0, RDW (8 bytes) in cycle 1, shift from 2, bank ready at 2 + R - 1 = 3 = t0; result
      // (0, 0) is written at t0 + 0 + R + 0 + 1 = 6, in both modes (fast mode holds the fault until then).
      expect(f.cycle).toBe(6);
    });

    it("regression: an overflow in a pass overlapping an earlier one in the array was blamed on the earlier pass (detailed)", () => {
      const wide = buildHwConfig("small", { rows: 2, cols: 4, dtype: "bf16" });
      const prog = program(
        [
          ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }),
          ins("RDW", { wm: 0, wstride: 4, rows: 2, cols: 4 }),
          ins("RDW", { wm: 8, wstride: 4, rows: 2, cols: 4 }),
          ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
          ins("MMUL", { ub: 2, ustride: 2, rows: 1, cols: 2, acc: 1, switch: 1 }),
          ins("HALT"),
        ],
        [
          { memory: "host", address: 0, values: new Float32Array([1, 1, 2 ** 100, 2 ** 100]) },
          { memory: "weights", address: 0, values: new Float32Array([1, 1, 1, 1, 1, 1, 1, 1, 2 ** 27, 1, 1, 1, 2 ** 27, 1, 1, 1]) },
        ],
      );
      // RHM (8 bytes) at 0; RDW 0 (16 bytes) at 1, RDW 1 at 2. Tile 1 shifts at 2..3 (ready at 3):
      // t1 = 3. Tile 2 shifts when the shifter is free, 4..5 (ready at 5): t2 = max(t1 + 1, 5) = 5.
      const t1 = 3;
      const t2 = 5;
      const write = t2 + 2 + 1; // result (0, 0) at t0 + R + 1
      expect(write).toBeLessThan(t1 + 1 + 2 + 4 - 1); // pass 1 (last write at t1 + B + R + C - 1) is still being written
      const f = faultOf(prog, mode, { hw: wide });
      expectFault(f, { cycle: write, unit: "matrix", instruction: "pc 4: MMUL", detail: /accumulator row 1, column 0/ });
    });

    it("two overflowing passes in flight: the earlier write faults first (fast mode holds both and must stop at the first)", () => {
      // Both passes read the same row (2^100, 2^100) against the same tile; column 0 overflows in
      // each. RHM at 0, RDW at 1, shift 2..3, pass 1 at t1 = 3 into accumulator row 0; pass 2 (one
      // vector, disjoint rows, no switch) waits only for the matrix unit: t2 = t1 + 1.
      const prog = program(
        [
          ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }),
          ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
          ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }),
          ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 1 }),
          ins("HALT"),
        ],
        [
          { memory: "host", address: 0, values: new Float32Array([2 ** 100, 2 ** 100]) },
          { memory: "weights", address: 0, values: new Float32Array([2 ** 27, 1, 2 ** 27, 1]) },
        ],
      );
      const t1 = 3;
      const t2 = t1 + 1;
      const R = 2;
      // Result (0, 0) of a pass issued at t0 is written at t0 + 0 + R + 0 + 1.
      const first = t1 + R + 1;
      expect(first).toBeLessThan(t2 + R + 1);
      expectFault(faultOf(prog, mode), { cycle: first, unit: "matrix", instruction: "pc 2: MMUL", detail: /accumulator row 0, column 0/ });
    });

    it("an activation output that overflows (regression: detailed mode named no instruction)", () => {
      const prog = program([ins("ACT", { acc: 2, rows: 2, cols: 2, ub: 0, ustride: 2, fn: "identity", inscale: 2 ** 70, outscale: 2 ** 70 }), ins("HALT")]);
      const f = faultOf(prog, mode, { setup: (s) => s.dp.acc.data.set([0, 0, 0, 0, 1, 0, 2, 0], 0) });
      expect([f.unit, f.instruction.slice(0, 9)]).toEqual(["activation", "pc 0: ACT"]);
      expect(f.detail).toMatch(/non-finite value written to unified buffer address 0/);
      // Row 0's output is written in step L (activationLatency 2): cycle 2, in both modes.
      expect(f.cycle).toBe(hw.activationLatency);
    });

    it("a vector-unit result and an SGD step that overflow", () => {
      const vec = program([ins("RHM", { host: 0, hstride: 1, ub: 0, ustride: 1, rows: 1, cols: 1 }), ins("VEC", { fn: "mul", dst: 1, dstride: 1, a: 0, astride: 1, b: 0, bstride: 1, rows: 1, cols: 1, imm: 1 }), ins("HALT")], [
        { memory: "host", address: 0, values: new Float32Array([2 ** 70]) },
      ]);
      // RHM at 0; the VEC waits for it, issues at 1 and writes its single segment in step Lv = 2: cycle 3.
      expectFault(faultOf(vec, mode), { cycle: 3, unit: "vector", instruction: "pc 1: VEC", detail: /unified buffer address 1/ });
      const sgd = program([ins("VSGD", { wm: 5, wstride: 2, acc: 0, rows: 1, cols: 1, lr: 2 ** 100 })]);
      const f = faultOf(sgd, mode, { setup: (s) => s.dp.acc.data.set([2 ** 100]) });
      expectFault(f, { cycle: 0, unit: "vector", instruction: "pc 0: VSGD", detail: /non-finite weight written to weight memory address 5/ });
    });

    it("int8 mode does not fault: values saturate and sums wrap", () => {
      const int8 = buildHwConfig("small", { rows: 2, cols: 2, dtype: "int8" });
      const prog = program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }), ins("WHM", { ub: 0, ustride: 2, host: 2, hstride: 2, rows: 1, cols: 2 }), ins("HALT")], [
        { memory: "host", address: 0, values: new Float32Array([Infinity, -1e30]) },
      ]);
      const sim = new Simulator(int8, { mode });
      sim.load(prog);
      expect(sim.run()).toBe(true);
      expect(Array.from(sim.dp.host.subarray(2, 4))).toEqual([127, -128]);
    });
  });
});

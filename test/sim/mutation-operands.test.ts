/**
 * The checks at issue and at load that the mutation run found untested (docs/MUTATION.md, slice D):
 * every shape check of `sim/operand-check.ts` for each instruction group and each of rows and cols,
 * negative addresses, the overlap rule's "same address, other stride" case and its message, the
 * scoreboard's empty blocks (`sim/decode.ts` `block`), and the faults `sim/load.ts` raises (unit,
 * instruction, the weight segment's boundary, the host limit checked before allocating). Each
 * expected message, cycle and address is written out from the rule it checks.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { decodeOp } from "../../src/sim/decode.js";
import { MAX_HOST_ELEMENTS } from "../../src/sim/load.js";
import { ins, program } from "../helpers/programs.js";

const MODES: readonly SimMode[] = ["detailed", "fast"];
// 2 x 2 bf16, 16 bytes per cycle on both links; weight memory 256 bytes = 42 weights (fp32 + bf16).
const hw = buildHwConfig("small", { rows: 2, cols: 2, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 256 });

function faultOf(prog: Program, mode: SimMode): RuntimeFault {
  const sim = new Simulator(hw, { mode });
  try {
    sim.load(prog);
    sim.run({ maxCycles: 10_000 });
  } catch (e) {
    expect(e).toBeInstanceOf(RuntimeFault);
    return e as RuntimeFault;
  }
  throw new Error(`${mode}: expected a RuntimeFault, the run halted at cycle ${sim.now}`);
}

const SHAPES: [string, (rows: number, cols: number) => Instruction, string, string][] = [
  ["RHM", (rows, cols) => ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows, cols }), "rows and cols must be >= 1", "rows and cols must be >= 1"],
  ["VTR", (rows, cols) => ins("VTR", { src: 0, sstride: 2, dst: 20, dstride: 2, rows, cols }), "rows and cols must be >= 1", "rows and cols must be >= 1"],
  ["RDW", (rows, cols) => ins("RDW", { wm: 0, wstride: 2, rows, cols }), "tile rows 0 outside 1..2 (array rows)", "tile cols 0 outside 1..2 (array columns)"],
  ["MMUL", (rows, cols) => ins("MMUL", { ub: 0, ustride: 2, rows, cols, acc: 0 }), "rows (vectors) must be >= 1", "vector length cols 0 outside 1..2 (array rows)"],
  ["ACT", (rows, cols) => ins("ACT", { acc: 0, rows, cols, ub: 0, ustride: 2 }), "rows must be >= 1", "cols 0 outside 1..2 (accumulator width)"],
];

describe.each(MODES)("%s mode", (mode) => {
  describe("shapes: rows 0 and cols 0 fault at issue, for every group of instructions", () => {
    it.each(SHAPES)("%s", (_op, make, rowsMessage, colsMessage) => {
      for (const [rows, cols, message] of [[0, 1, rowsMessage], [1, 0, colsMessage]] as const) {
        const f = faultOf(program([ins("NOP"), make(rows, cols), ins("HALT")]), mode);
        expect([f.cycle, f.detail]).toEqual([1, message]);
      }
    });
  });

  it("a negative address names itself; a block past the end names its last element", () => {
    const neg = faultOf(program([ins("RHM", { host: 0, hstride: 2, ub: -2, ustride: 2, rows: 1, cols: 2 }), ins("HALT")]), mode);
    expect(neg.detail).toBe("unified buffer address -2 out of range (size 256)");
    // 3 rows of stride 200 from 0: the last element is 2 * 200 + 1 = 401.
    const past = faultOf(program([ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 200, rows: 3, cols: 2 }), ins("HALT")]), mode);
    expect(past.detail).toBe("unified buffer address 401 out of range (size 256)");
  });

  it("VEC: a source at the destination's address with another stride overlaps it (unless it is one row)", () => {
    const bad = ins("VEC", { fn: "copy", dst: 10, dstride: 4, a: 10, astride: 3, rows: 2, cols: 2 });
    const f = faultOf(program([bad, ins("HALT")]), mode);
    // a: 10..(10 + 3 + 1) = 14, destination 10..(10 + 4 + 1) = 15.
    expect(f.detail).toBe("source a (unified buffer 10..14) overlaps the destination (10..15) without being the same block (same address and stride: in place)");
    const oneRow = new Simulator(hw, { mode });
    oneRow.load(program([ins("VEC", { fn: "copy", dst: 10, dstride: 4, a: 10, astride: 3, rows: 1, cols: 2 }), ins("HALT")]));
    expect(oneRow.run({ maxCycles: 10_000 })).toBe(true);
  });

  it("an empty block conflicts with nothing: a VEC of 0 rows or 0 columns faults at once behind an RHM into its range", () => {
    // The RHM writes unified buffer 0..63 for 8 cycles (128 bytes at 16 a cycle). Computed as if
    // non-empty, addr + (rows - 1) * stride + cols, the sources' range would be [0, 2) (rows 0,
    // stride 0) or [0, 4) (cols 0, stride 4): inside the RHM's, so the VEC would wait for it.
    for (const [rows, cols, stride] of [[0, 2, 0], [2, 0, 4]]) {
      const prog = program([
        ins("RHM", { host: 0, hstride: 8, ub: 0, ustride: 8, rows: 8, cols: 8 }),
        ins("VEC", { fn: "add", dst: 100, dstride: stride, a: 0, astride: stride, b: 0, bstride: stride, rows, cols }),
        ins("HALT"),
      ], [{ memory: "host", address: 0, values: new Float32Array(64) }]);
      const f = faultOf(prog, mode);
      expect([f.cycle, f.unit, f.detail]).toEqual([1, "vector", "rows and cols must be >= 1"]);
    }
  });

  it("a VEC of 0 columns whose address lies strictly inside an RHM's block still faults at once", () => {
    // Its source block is empty (rows 0 in the decoded access) although rows = 2: the range test
    // alone ([4, 4) against [0, 64)) no longer rules it out, so only the empty-block rule keeps
    // the scoreboard from holding it behind the RHM (8 cycles) before its shape fault.
    const prog = program([
      ins("RHM", { host: 0, hstride: 8, ub: 0, ustride: 8, rows: 8, cols: 8 }),
      ins("VEC", { fn: "add", dst: 100, dstride: 4, a: 4, astride: 4, b: 4, bstride: 4, rows: 2, cols: 0 }),
      ins("HALT"),
    ], [{ memory: "host", address: 0, values: new Float32Array(64) }]);
    const f = faultOf(prog, mode);
    expect([f.cycle, f.unit, f.detail]).toEqual([1, "vector", "rows and cols must be >= 1"]);
  });

  it("an ACT of 0 rows faults in the same cycle whether its accumulator row lies inside an MMUL's rows or far from them", () => {
    // The MMUL writes accumulator rows 0..7 for several cycles. An empty read of row 4 (strictly
    // inside) conflicts with nothing, exactly as one of row 15: if it did, the ACT would wait for
    // the MMUL before its shape fault.
    const cycleAt = (acc: number) =>
      faultOf(program([
        ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
        ins("MMUL", { ub: 0, ustride: 2, rows: 8, cols: 2, acc: 0, switch: 1 }),
        ins("ACT", { acc, rows: 0, cols: 2, ub: 100, ustride: 2 }),
        ins("HALT"),
      ]), mode);
    const inside = cycleAt(4);
    const outside = cycleAt(15);
    expect([inside.unit, inside.detail]).toEqual(["activation", "rows must be >= 1"]);
    expect(inside.cycle).toBe(outside.cycle);
  });

  describe("faults at load", () => {
    it("a weight segment ending exactly at the end of weight memory loads; one element more faults, naming the loader", () => {
      const fits = new Simulator(hw, { mode });
      fits.load(program([ins("HALT")], [{ memory: "weights", address: 34, values: new Float32Array(8) }]));
      expect(fits.run()).toBe(true);
      const sim = new Simulator(hw, { mode });
      try {
        sim.load(program([ins("HALT")], [{ memory: "weights", address: 35, values: new Float32Array(8) }]));
        throw new Error("expected a fault");
      } catch (e) {
        expect(e).toBeInstanceOf(RuntimeFault);
        const f = e as RuntimeFault;
        expect([f.cycle, f.unit, f.instruction, f.detail]).toEqual([0, "loader", "", "weight memory data segment ends at 43, beyond 42"]);
      }
    });

    it("a host segment past the end of weight memory is not a weight segment", () => {
      const sim = new Simulator(hw, { mode });
      sim.load(program([ins("HALT")], [{ memory: "host", address: 100, values: new Float32Array([5]) }]));
      expect(sim.run()).toBe(true);
      expect(sim.dp.host[100]).toBe(5);
    });

    it("host memory past 2^28 elements faults at load, before any allocation, naming the instruction that reaches it", () => {
      // The WHM touches host memory too, but not its end; the VEC's destination ends at the same
      // element number in the unified buffer (it would fault at issue); only the RHM's host block
      // ends there: its last element is MAX_HOST_ELEMENTS.
      const prog = program([
        ins("WHM", { ub: 0, ustride: 2, host: 0, hstride: 2, rows: 1, cols: 2 }),
        ins("VEC", { fn: "copy", dst: MAX_HOST_ELEMENTS - 1, dstride: 2, a: 0, astride: 2, rows: 1, cols: 2 }),
        ins("RHM", { host: MAX_HOST_ELEMENTS - 1, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }),
        ins("HALT"),
      ]);
      const sim = new Simulator(hw, { mode });
      try {
        sim.load(prog);
        throw new Error("expected a fault");
      } catch (e) {
        expect(e).toBeInstanceOf(RuntimeFault);
        const f = e as RuntimeFault;
        expect([f.cycle, f.unit, f.instruction.slice(0, 9)]).toEqual([0, "loader", "pc 2: RHM"]);
        expect(f.detail).toBe(`the program touches host memory up to element ${MAX_HOST_ELEMENTS + 1}, beyond the ${MAX_HOST_ELEMENTS}-element (2 GiB) host memory`);
      }
      expect(sim.dp.host.length).toBeLessThan(MAX_HOST_ELEMENTS);
    });

    it("a program without instructions faults at load, naming the loader and no instruction", () => {
      try {
        new Simulator(hw, { mode }).load(program([]));
        throw new Error("expected a fault");
      } catch (e) {
        const f = e as RuntimeFault;
        expect([f.cycle, f.unit, f.instruction]).toEqual([0, "loader", ""]);
      }
    });
  });
});

it("decoding an instruction the controller does not know is an internal error naming it", () => {
  expect(() => decodeOp({ op: "FROB", f: {} }, 0)).toThrow("internal: no controller support for FROB");
});

/**
 * Fast mode's held VEC fault when the unit reads its two sources through one unified-buffer read
 * port (src/sim/fast-units.ts `vecWriteCycle`): each step takes q = 2 read cycles, and the write of
 * step p lands at work cycle q * p + q - 1 while steps are still being read (p < S) and at
 * q * S + (p - S) in the drain after the last read. Earlier fault tests had q = 1, where the two
 * formulas agree at p = S (docs/MUTATION.md, slice s2). Detailed mode's vector unit, which latches the
 * fault as it writes, is the reference. And the VEC's requests in the drain after its last read when
 * it has fewer steps than its latency (S < Lv): no write port until step Lv.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { ins, program, runTraced, faultOf as runToFault } from "../helpers/programs.js";

// One read port, so a two-source VEC reads for q = 2 cycles a step; latency Lv = 2; 4 lanes >= cols,
// so one step per row: S = rows.
const hw = buildHwConfig("small", { rows: 2, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 16, weightMemoryBytes: 256, unifiedBufferReadPorts: 1, vectorLanes: 4, vectorLatency: 2 });

const faultOf = (prog: Program, mode: SimMode) => runToFault(hw, prog, mode);

/** A VEC add over 4 rows of 3 whose only overflow is in row `badRow` (2^127 + 2^127). */
function vecWithBadRow(badRow: number): Program {
  const a = new Float32Array(12).fill(1);
  a[badRow * 3 + 1] = 2 ** 127;
  return program([
    ins("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 4, cols: 3 }),
    ins("VEC", { fn: "add", dst: 100, dstride: 3, a: 0, astride: 3, b: 0, bstride: 3, rows: 4, cols: 3 }),
    ins("HALT"),
  ], [{ memory: "host", address: 0, values: a }]);
}

describe("fast mode's held VEC fault with two read cycles a step", () => {
  it("a bad result in each row faults in the same cycle as detailed mode, the drain rows included", () => {
    const cycles: number[] = [];
    for (let row = 0; row < 4; row++) {
      const d = faultOf(vecWithBadRow(row), "detailed");
      expect(d.unit).toBe("vector");
      expect(d.detail).toBe(`non-finite value written to unified buffer address ${100 + row * 3 + 1}`);
      expect(faultOf(vecWithBadRow(row), "fast"), `row ${row}`).toEqual(d);
      cycles.push(d.cycle);
    }
    // Row r is step r, written at step p = r + Lv: rows 0 and 1 while steps are still read (two
    // cycles apart), rows 2 and 3 (p = S = 4 and p = 5) in the drain, one cycle apart.
    expect(cycles.slice(1).map((c, i) => c - cycles[i])).toEqual([2, 1, 1]);
  });
});

describe("fast mode's VEC requests in the drain when S < Lv", () => {
  it("a VEC of 1 or 2 rows with latency 4 waits for its write port only when it writes, behind a 30-row ACT", () => {
    // One read and one write port of the unified buffer; the activation unit comes before the vector
    // unit in the arbitration order. The ACT (issued at 0) writes a row every cycle and holds the write
    // port for 30 cycles. The VEC (issued at 1; S = 1 or 2 steps of q = 2 read cycles, its two
    // sources through one port; Lv = 4) reads, waits out its latency without a port, and only then
    // wants the port for its writes. A VEC that asked for the port during its latency would be refused
    // there too and finish late; one that missed the phase end where its writes start would finish
    // early (untraced: inside a trace window fast mode cuts its stretches at every changed row).
    const lhw = buildHwConfig("small", { rows: 2, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 32, weightMemoryBytes: 256, unifiedBufferReadPorts: 1, unifiedBufferWritePorts: 1, vectorLanes: 4, vectorLatency: 4 });
    for (const vecRows of [1, 2]) {
      const prog = program([
        ins("ACT", { acc: 0, rows: 30, cols: 4, ub: 100, ustride: 4, fn: "identity", inscale: 1, outscale: 1 }),
        ins("VEC", { fn: "add", dst: 240, dstride: 4, a: 0, astride: 4, b: 4, bstride: 4, rows: vecRows, cols: 4 }),
        ins("HALT"),
      ]);
      const d = runTraced(lhw, prog, "detailed");
      const f = runTraced(lhw, prog, "fast");
      expect(f.sim.now, `${vecRows} rows`).toBe(d.sim.now);
      expect(f.sim.stats, `${vecRows} rows`).toEqual(d.sim.stats);
      expect(f.sink.rows, `${vecRows} rows`).toEqual(d.sink.rows);
      expect(f.sink.instructions, `${vecRows} rows`).toEqual(d.sink.instructions);
      const untraced = new Simulator(lhw, { mode: "fast" });
      untraced.load(prog);
      expect(untraced.run({ maxCycles: 10_000 })).toBe(true);
      expect(untraced.now, `${vecRows} rows, untraced`).toBe(d.sim.now);
      expect(untraced.stats, `${vecRows} rows, untraced`).toEqual(d.sim.stats);
    }
  });
});

describe("fast mode's phases of a VEC that reads its two sources through one port (q = 2)", () => {
  it("S > Lv: reads, then reads with a write every second cycle, then the drain; an ACT beside it takes the write port first", () => {
    // S = 10 steps of 2 read cycles, Lv = 2: the VEC's request changes at 2 Lv (its first write), then
    // every cycle while it still reads (a write every second cycle), then at 2 S and S + Lv. The ACT
    // (first in the arbitration order) writes a row every cycle for 6 or 20 cycles, so which
    // of the VEC's cycles want the write port decides when it is refused. Untraced runs too: inside a
    // trace window fast mode cuts its stretches wherever a trace row changes, which hides a phase end
    // predicted too late.
    const lhw = buildHwConfig("small", { rows: 2, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 32, weightMemoryBytes: 256, unifiedBufferReadPorts: 1, unifiedBufferWritePorts: 1, vectorLanes: 4, vectorLatency: 2 });
    for (const [actAt, actRows] of [[0, 6], [3, 6], [8, 6], [15, 6], [0, 20]]) {
      const prog = program([
        ...(actAt === 0 ? [] : [ins("VEC", { fn: "add", dst: 200, dstride: 4, a: 0, astride: 4, b: 40, bstride: 4, rows: 10, cols: 4 })]),
        ...Array.from({ length: actAt === 0 ? 0 : actAt - 1 }, () => ins("NOP")),
        ins("ACT", { acc: 0, rows: actRows, cols: 4, ub: 100, ustride: 4, fn: "identity", inscale: 1, outscale: 1 }),
        ...(actAt === 0 ? [ins("VEC", { fn: "add", dst: 200, dstride: 4, a: 0, astride: 4, b: 40, bstride: 4, rows: 10, cols: 4 })] : []),
        ins("HALT"),
      ]);
      const d = runTraced(lhw, prog, "detailed");
      const f = runTraced(lhw, prog, "fast");
      expect(f.sink.instructions, `ACT of ${actRows} rows at ${actAt}`).toEqual(d.sink.instructions);
      expect(f.sink.rows, `ACT of ${actRows} rows at ${actAt}`).toEqual(d.sink.rows);
      expect(f.sim.stats, `ACT of ${actRows} rows at ${actAt}`).toEqual(d.sim.stats);
      const untraced = new Simulator(lhw, { mode: "fast" });
      untraced.load(prog);
      expect(untraced.run({ maxCycles: 10_000 })).toBe(true);
      expect(untraced.now, `ACT of ${actRows} rows at ${actAt}, untraced`).toBe(d.sim.now);
      expect(untraced.stats, `ACT of ${actRows} rows at ${actAt}, untraced`).toEqual(d.sim.stats);
    }
  });
});

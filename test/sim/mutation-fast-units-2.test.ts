/**
 * Fast mode's steady run when a unit holds a fault later than its next phase end
 * (src/sim/fast-units.ts `steadyCycles`): the held fault may only shorten the run
 * (`k <= n`), never stretch it past the phase end, where the unit's request changes and with it
 * the grants. A VEC whose only overflow is in its last row reads unrefused beside an ACT that holds
 * the unified buffer's one write port, and is refused from its first write on; a run stretched to the
 * fault would carry it through its writes at the read phase's grant (docs/MUTATION.md, slice s2's
 * open survivors; docs/mutation/fast-units.md). Detailed mode's vector unit, which latches the fault
 * in the cycle it writes the bad value, is the reference, and the cycle is derived by hand below.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import type { Program } from "../../src/isa/program.js";
import type { SimMode } from "../../src/sim/controller.js";
import { ins, program, faultOf as runToFault } from "../helpers/programs.js";

// One unified-buffer read port (a two-source VEC takes q = 2 read cycles a step) and one write port;
// 4 lanes >= cols, so one step per row; Lv = 2, activation latency L = 2; 16 host bytes a cycle.
const hw = buildHwConfig("small", {
  rows: 2, cols: 4, dtype: "bf16", unifiedBufferBytes: 512, accumulatorRows: 32, weightMemoryBytes: 256,
  unifiedBufferReadPorts: 1, unifiedBufferWritePorts: 1, vectorLanes: 4, vectorLatency: 2, activationLatency: 2,
  hostBytesPerCycle: 16,
});

const faultOf = (prog: Program, mode: SimMode) => runToFault(hw, prog, mode);

/**
 * RHM of a 4 x 3 block (one element 2^127, finite in bf16) to address 0; SYNC; optionally an ACT of
 * `actRows` rows into addresses 100..; a VEC add of the block to itself into 200.., whose only
 * overflow (2^127 + 2^127) is in row `badRow`.
 */
function prog(badRow: number, actRows: number): Program {
  const a = new Float32Array(12).fill(1);
  a[badRow * 3 + 1] = 2 ** 127;
  return program([
    ins("RHM", { host: 0, hstride: 3, ub: 0, ustride: 3, rows: 4, cols: 3 }),
    ins("SYNC"),
    ...(actRows > 0 ? [ins("ACT", { acc: 0, rows: actRows, cols: 4, ub: 100, ustride: 4, fn: "identity", inscale: 1, outscale: 1 })] : [ins("NOP")]),
    ins("VEC", { fn: "add", dst: 200, dstride: 3, a: 0, astride: 3, b: 0, bstride: 3, rows: 4, cols: 3 }),
    ins("HALT"),
  ], [{ memory: "host", address: 0, values: a }]);
}

describe("fast mode's steady run with a held fault beyond the unit's next phase end", () => {
  it("a VEC's last-row overflow beside an ACT that holds the write port faults at the detailed cycle", () => {
    // RHM: 24 bytes at 16 a cycle, cycles 0-1; SYNC issues at 2; the ACT (or a NOP) at 3; the VEC at 4.
    // VEC, S = 4 steps, q = 2: work cycle w reads for w < 8; the result of step p - Lv is written at
    // w = 2p + 1 for Lv <= p < S (w = 5, 7) and at w = 8 + (p - S) after the reads (w = 8, 9), so
    // row r's result is written at w = 5, 7, 8, 9. Alone, work cycle w is cycle 4 + w.
    // ACT of 20 rows at 3: writes buffer rows at progress 2..21, cycles 5..24, and holds the one
    // write port then (first priority). The VEC reads unrefused at w = 0..4 (cycles 4..8), is refused
    // at its first write (w = 5) from cycle 9 to 24, and resumes at 25: w = 5..9 at cycles 25..29.
    const alone = [4 + 5, 4 + 7, 4 + 8, 4 + 9];
    const besideAct = [25, 27, 28, 29];
    for (let row = 0; row < 4; row++) {
      for (const [actRows, cycle] of [[0, alone[row]], [20, besideAct[row]]]) {
        const what = `bad row ${row}, ACT of ${actRows} rows`;
        const d = faultOf(prog(row, actRows), "detailed");
        expect(d, what).toEqual({ cycle, unit: "vector", detail: `non-finite value written to unified buffer address ${200 + row * 3 + 1}` });
        expect(faultOf(prog(row, actRows), "fast"), what).toEqual(d);
      }
    }
  });
});

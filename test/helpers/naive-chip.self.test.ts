/**
 * The naive chip checked on its own, against cycles hand-derived from docs/ARCHITECTURE.md (the
 * arithmetic is in the comments: "t0" is the issue cycle, "tc" the completion cycle) and against
 * exact and fp32-chain matmul references (naive-chip.numbers.self.test.ts).
 */
import { describe, expect, it } from "vitest";
import { makeInstruction as ins } from "../../src/isa/opcodes.js";
import { column, life, runNaive as run, stalls } from "./naive/self-run.js";

const HALT = ins("HALT");

describe("completion cycles of single instructions (unstalled)", () => {
  it("RHM: ceil(bytes / H) cycles; an element lands with its last byte", () => {
    // 1 x 4 bf16 = 8 bytes at H = 3: ceil(8/3) = 3 cycles, tc = 0 + 3 - 1 = 2. Element e's last byte is
    // byte 2e+1: bytes 1 | 3, 5 | 7 cross in cycles 0 | 1 | 2, so the buffer gets 2, 4, 2 bytes.
    const c = run({ rows: 2, cols: 2, hostBytesPerCycle: 3 }, [ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }), HALT]);
    expect(life(c, 0)).toEqual([0, 2]);
    expect(column(c, "hostReadBytes")).toEqual([3, 3, 2, 0]);
    expect(column(c, "ubWrittenBytes")).toEqual([2, 4, 2, 0]);
    expect(c.stats.cycles).toBe(4); // HALT issues at tc + 1 = 3
  });

  it("WHM reads an element with its first byte; WHMA moves 4 bytes per value", () => {
    // WHM 1 x 4 bf16 at H = 3: first bytes 0, 2, 4, 6 cross in cycles 0, 0, 1, 2.
    const w = run({ rows: 2, cols: 2, hostBytesPerCycle: 3 }, [ins("WHM", { ub: 0, ustride: 4, host: 0, hstride: 4, rows: 1, cols: 4 }), HALT]);
    expect(column(w, "ubReadBytes")).toEqual([4, 2, 2, 0]);
    expect(column(w, "hostWrittenBytes")).toEqual([3, 3, 2, 0]);
    // WHMA 2 x 3 values = 24 bytes at H = 16: tc = 0 + ceil(24/16) - 1 = 1; first bytes 0,4,8,12 | 16,20.
    const a = run({ rows: 2, cols: 3, hostBytesPerCycle: 16 }, [ins("WHMA", { acc: 0, rows: 2, cols: 3, host: 0, hstride: 3 }), HALT]);
    expect(life(a, 0)).toEqual([0, 1]);
    expect(column(a, "accReadBytes")).toEqual([16, 8, 0]);
    expect(column(a, "hostWrittenBytes")).toEqual([16, 8, 0]);
  });

  it("RDW: ceil(bytes / W) cycles; RDWU: one row per cycle (cols rows transposed)", () => {
    // RDW 3 x 4 int8 = 12 bytes at W = 5: tc = 0 + ceil(12/5) - 1 = 2, channel 5, 5, 2.
    const r = run({ rows: 3, cols: 4, dtype: "int8", weightBytesPerCycle: 5 }, [ins("RDW", { wm: 0, wstride: 4, rows: 3, cols: 4 }), ins("MMUL", { ub: 0, ustride: 1, rows: 1, cols: 1, acc: 0, switch: 1 }), HALT]);
    expect(life(r, 0)).toEqual([0, 2]);
    expect(column(r, "weightReadBytes").slice(0, 4)).toEqual([5, 5, 2, 0]);
    // RDWU 3 x 2: tc = 0 + 3 - 1 = 2; transposed, the buffer holds 2 rows of 3: tc = 0 + 2 - 1 = 1.
    const u = run({ rows: 3, cols: 4 }, [ins("RDWU", { ub: 0, ustride: 2, rows: 3, cols: 2 }), ins("MMUL", { ub: 0, ustride: 1, rows: 1, cols: 1, acc: 0, switch: 1 }), HALT]);
    expect(life(u, 0)).toEqual([0, 2]);
    expect(column(u, "ubReadBytes").slice(0, 3)).toEqual([4, 4, 4]);
    const ut = run({ rows: 3, cols: 4 }, [ins("RDWU", { ub: 0, ustride: 3, rows: 3, cols: 2, transpose: 1 }), ins("MMUL", { ub: 0, ustride: 1, rows: 1, cols: 1, acc: 0, switch: 1 }), HALT]);
    expect(life(ut, 0)).toEqual([0, 1]);
    expect(column(ut, "ubReadBytes").slice(0, 2)).toEqual([6, 6]);
  });

  it("MMUL: ready at s + R - 1, first result at t0 + R + 1, tc = t0 + B + R + C - 1", () => {
    // R = 3, C = 4, W = 64: RDW tc = 0; shift s = 1 (steps 1..3), ready at s + R - 1 = 3 = t0.
    // tc = 3 + 5 + 3 + 4 - 1 = 14. Results (b, c) at t0 + b + R + c + 1 = 7 + b + c for b < 5, c < 4.
    const c = run({ rows: 3, cols: 4, weightBytesPerCycle: 64 }, [ins("RDW", { wm: 0, wstride: 4, rows: 2, cols: 3 }), ins("MMUL", { ub: 0, ustride: 3, rows: 5, cols: 3, acc: 0, switch: 1 }), HALT]);
    expect(life(c, 1)).toEqual([3, 14]);
    const writes = [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1, 0].map((n) => n * 4);
    expect(column(c, "accWrittenBytes")).toEqual(writes);
    // PE(r,c) computes vector b at t0 + b + 1 + r + c; useful only for r < 2, c < 3 (the tile).
    const macs = new Array(16).fill(0);
    for (let b = 0; b < 5; b++) for (let r = 0; r < 2; r++) for (let k = 0; k < 3; k++) macs[3 + b + 1 + r + k]++;
    expect(column(c, "macs")).toEqual(macs);
    expect(c.stats.macs).toBe(5 * 2 * 3);
    expect(c.records.map((r) => r.state[2])).toEqual([0, 2, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(c.stats.ops).toEqual({ tilesShifted: 1, weightRegisterWrites: 4 * (1 + 2 + 3), activationElements: 0, vectorElements: 0 });
    expect(c.stats.bytes.weightFifoRead).toBe(3 * 4 * 2); // all R*C of the tile, bf16
    expect(c.stats.bytes.weightFifoWritten).toBe(2 * 3 * 2); // the valid extent
  });

  it("ACT: reads t0..t0+rows-1, writes t0+L..t0+rows-1+L, also when rows < L", () => {
    const c = run({ rows: 2, cols: 2, activationLatency: 3 }, [ins("ACT", { acc: 0, rows: 4, cols: 2, ub: 0, ustride: 2 }), HALT]);
    expect(life(c, 0)).toEqual([0, 6]); // 0 + 4 - 1 + 3
    expect(column(c, "accReadBytes")).toEqual([8, 8, 8, 8, 0, 0, 0, 0]);
    expect(column(c, "ubWrittenBytes")).toEqual([0, 0, 0, 4, 4, 4, 4, 0]);
    const one = run({ rows: 2, cols: 2, activationLatency: 3 }, [ins("ACT", { acc: 0, rows: 1, cols: 2, ub: 0, ustride: 2 }), HALT]);
    expect(life(one, 0)).toEqual([0, 3]); // p = 1, 2 access nothing and still count (busy)
    expect(one.records.map((r) => r.state[3])).toEqual([1, 1, 1, 1, 0]);
  });

  it("VEC, VTR, VSMX: steps of vectorLanes elements around a latency gap", () => {
    const hw = { rows: 2, cols: 2, vectorLanes: 3, vectorLatency: 2 };
    // VEC 2 x 7: g = ceil(7/3) = 3, S = 6, tc = 0 + 6 + 2 - 1 = 7. Reads 2 sources of 3, 3, 1 elements.
    const v = run(hw, [ins("VEC", { fn: 0, dst: 100, dstride: 7, a: 0, astride: 7, b: 50, bstride: 7, rows: 2, cols: 7 }), HALT]);
    expect(life(v, 0)).toEqual([0, 7]);
    expect(column(v, "ubReadBytes")).toEqual([12, 12, 4, 12, 12, 4, 0, 0, 0]);
    expect(column(v, "ubWrittenBytes")).toEqual([0, 0, 6, 6, 2, 6, 6, 2, 0]);
    // VTR 5 x 2: Sr = 5 * ceil(2/3) = 5, Sw = 2 * ceil(5/3) = 4, tc = 0 + 5 + 2 + 4 - 1 = 10.
    const t = run(hw, [ins("VTR", { src: 0, sstride: 2, rows: 5, cols: 2, dst: 100, dstride: 5 }), HALT]);
    expect(life(t, 0)).toEqual([0, 10]);
    expect(column(t, "ubWrittenBytes")).toEqual([0, 0, 0, 0, 0, 0, 0, 6, 4, 6, 4, 0]);
    // VSMX 2 x 7: Sr = Sw = 6, tc = 0 + 6 + 2 + 6 - 1 = 13; the latency cycles count as busy.
    const s = run(hw, [ins("VSMX", { src: 0, sstride: 7, dst: 100, dstride: 7, rows: 2, cols: 7 }), HALT]);
    expect(life(s, 0)).toEqual([0, 13]);
    expect(s.stats.unitBusyCycles.vector).toBe(14);
  });

  it("VSGD: 8 + eb bytes per weight, reads before writes, limited by W and by lanes", () => {
    // 2 x 3 bf16 weights, 10 bytes each = 60 bytes; lanes 4 -> limit 40, W = 16 -> 16 per cycle:
    // tc = 0 + ceil(60/16) - 1 = 3. Bytes 0-15: w0 (4 r, 6 w), w1 offsets 0-5 (4 r, 2 w) -> 8 r, 8 w;
    // 16-31: w1 6-9 (4 w), w2 (4 r, 6 w), w3 0-1 (2 r) -> 6 r, 10 w; 32-47: w3 2-9 (2 r, 6 w),
    // w4 0-7 (4 r, 4 w) -> 6 r, 10 w; 48-59: w4 8-9 (2 w), w5 (4 r, 6 w) -> 4 r, 8 w.
    const c = run({ rows: 2, cols: 3, weightBytesPerCycle: 16, vectorLanes: 4 }, [ins("VSGD", { wm: 0, wstride: 3, acc: 0, rows: 2, cols: 3, lr: 0.5 }), HALT]);
    expect(life(c, 0)).toEqual([0, 3]);
    expect(column(c, "weightReadBytes")).toEqual([8, 6, 6, 4, 0]);
    expect(column(c, "weightWrittenBytes")).toEqual([8, 10, 10, 8, 0]);
    // Gradients read with each weight's first byte: w0, w1 | w2, w3 | w4 | w5.
    expect(column(c, "accReadBytes")).toEqual([8, 8, 4, 4, 0]);
    // lanes 1 -> limit 10 < W: tc = 0 + ceil(60/10) - 1 = 5.
    const slow = run({ rows: 2, cols: 3, weightBytesPerCycle: 16, vectorLanes: 1 }, [ins("VSGD", { wm: 0, wstride: 3, acc: 0, rows: 2, cols: 3, lr: 0.5 }), HALT]);
    expect(life(slow, 0)).toEqual([0, 5]);
  });

  it("NOP completes in its issue cycle; SYNC waits for the machine to empty", () => {
    // RHM 16 bytes at H = 4: tc = 3. NOP at 1; SYNC waits until 4; HALT at 5.
    const c = run({ rows: 2, cols: 2, hostBytesPerCycle: 4 }, [ins("RHM", { host: 0, hstride: 8, ub: 0, ustride: 8, rows: 1, cols: 8 }), ins("NOP"), ins("SYNC"), HALT]);
    expect([life(c, 1), life(c, 2), life(c, 3)]).toEqual([[1, 1], [4, 4], [5, 5]]);
    expect(stalls(c)).toEqual(["host_transfer", "non_matrix", "drain", "drain", "non_matrix", "drain"]);
  });
});

describe("a whole program, cycle by cycle", () => {
  it("RHM, RDW, MMUL, ACT, WHM on 2x2: every unit's state and every stall cause", () => {
    // H = W = 16, L = 2. RHM 8 bytes: [0,0]. RDW: [1,1]. Shift s = 2..3, ready at 3: MMUL t0 = 3, B = 2,
    // tc = 3 + 2 + 2 + 2 - 1 = 8. ACT waits on the scoreboard until 9: reads 9,10, writes 11,12.
    // WHM waits for ACT: 13. HALT 14.
    const c = run({ rows: 2, cols: 2, hostBytesPerCycle: 16, weightBytesPerCycle: 16, activationLatency: 2 }, [
      ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 2, cols: 2 }),
      ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }),
      ins("MMUL", { ub: 0, ustride: 2, rows: 2, cols: 2, acc: 0, switch: 1 }),
      ins("ACT", { acc: 0, rows: 2, cols: 2, ub: 8, ustride: 2 }),
      ins("WHM", { ub: 8, ustride: 2, host: 4, hstride: 2, rows: 2, cols: 2 }),
      HALT,
    ], { data: [{ memory: "host", address: 0, values: new Float32Array([1, 2, 3, 4]) }, { memory: "weights", address: 0, values: new Float32Array([1, 0, 0, 1]) }] });
    expect(stalls(c)).toEqual([
      "host_transfer", "weight_load", "weight_shift", "none", "none", ...new Array(4).fill("data_dependency"),
      "non_matrix", "data_dependency", "data_dependency", "data_dependency", "host_transfer", "drain",
    ]);
    const B = 1, S = 2, I = 0;
    const states = c.records.map((r) => r.state.join(""));
    expect(states).toEqual([
      `${B}${I}${I}${I}${I}`, `${I}${B}${I}${I}${I}`, `${I}${I}${S}${I}${I}`, `${I}${I}${B}${I}${I}`, `${I}${I}${B}${S}${I}`,
      ...new Array(4).fill(`${I}${I}${I}${S}${I}`), `${I}${I}${I}${B}${I}`, ...new Array(3).fill(`${S}${I}${I}${B}${I}`), `${B}${I}${I}${I}${I}`, `${I}${I}${I}${I}${I}`,
    ]);
    expect(c.records.map((r) => r.headPc)).toEqual([0, 1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5]);
    expect(c.records.map((r) => r.fifoTiles)).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(c.mem.host.subarray(4, 8))).toEqual([1, 2, 3, 4]);
    const s = c.stats;
    expect(s.matrixBusyCycles + Object.values(s.stalls).reduce((a, b) => a + b, 0)).toBe(s.cycles);
  });
});

/**
 * The naive chip against rules hand-derived from docs/ARCHITECTURE.md: shared ports and the
 * weight-memory channel, bank ready / free boundaries, FIFO depth, the accumulator rule (and that each
 * rule is exact: one cycle earlier and the registers give wrong numbers), and faults.
 */
import { describe, expect, it } from "vitest";
import { makeInstruction as ins, type Instruction } from "../../src/isa/opcodes.js";
import type { DataSegment } from "../../src/isa/program.js";
import { NaiveChip } from "./naive-chip.js";
import { naiveHw } from "./naive-programs.js";
import { Rng, f32Bits, randomBf16, referenceMatmulBf16 } from "./reference-matmul.js";
import { column, life, runNaive as run, stalls, unitStates } from "./naive/self-run.js";

const HALT = ins("HALT");
const ACTIVATION = 3;
const VECTOR = 4;

describe("shared ports", () => {
  // R = C = 2, W = 64: RDW tc = 0, shift s = 1..2, ready at 2: a switching MMUL issues at t0 = 2.
  const hw = { rows: 2, cols: 2, weightBytesPerCycle: 64, activationLatency: 1 };
  const rdw = ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 });

  it("an accumulating pass holds an accumulator read port t0+1 .. t0+B+C-1; ACT waits for it", () => {
    // B = 3: psum inputs in cycles 3 .. 2 + 3 + 2 - 1 = 6. ACT issues at 3 (rows 10..13, no hazard).
    const prog = (accumulate: number) => [rdw, ins("MMUL", { ub: 0, ustride: 2, rows: 3, cols: 2, acc: 0, switch: 1, accumulate }), ins("ACT", { acc: 10, rows: 4, cols: 2, ub: 100, ustride: 2 }), HALT];
    // One port: refused 3..6, reads 7..10, writes 8..11: tc = 11.
    const one = run(hw, prog(1), { ports: { accumulatorReadPorts: 1 } });
    expect(life(one, 2)).toEqual([3, 11]);
    expect(unitStates(one, ACTIVATION).slice(3, 12)).toEqual([2, 2, 2, 2, 1, 1, 1, 1, 1]);
    expect(one.records[4].pc[ACTIVATION]).toBe(2);
    expect(one.stats.resourceStalls).toEqual({ unifiedBufferRead: 0, unifiedBufferWrite: 0, accumulatorRead: 4, weightMemory: 0 });
    expect(one.stats.unitStalledCycles.activation).toBe(4);
    // The psum reads: 4 bytes per column slice, all C columns: 2 columns * 3 vectors * 4.
    expect(column(one, "accReadBytes").slice(3, 7)).toEqual([4, 8, 8, 4]);
    // Two ports, or a pass that does not accumulate: unstalled, tc = 3 + 4 - 1 + 1 = 7.
    expect(life(run(hw, prog(1), { ports: { accumulatorReadPorts: 2 } }), 2)).toEqual([3, 7]);
    expect(life(run(hw, prog(0), { ports: { accumulatorReadPorts: 1 } }), 2)).toEqual([3, 7]);
  });

  it("the matrix unit's vector read comes first; a two-source VEC waits for two free read ports", () => {
    // MMUL B = 4 streams 2..5 on one of 2 read ports; VEC add (S = 1, Lv = 0) issues at 3, is refused
    // in 3, 4, 5 and steps at 6.
    const prog = (fn: number) => [rdw, ins("MMUL", { ub: 0, ustride: 2, rows: 4, cols: 2, acc: 0, switch: 1 }), ins("VEC", { fn, dst: 120, dstride: 2, a: 100, astride: 2, b: 110, bstride: 2, rows: 1, cols: 2 }), HALT];
    const vhw = { ...hw, vectorLatency: 0 };
    const two = run(vhw, prog(0), { ports: { unifiedBufferReadPorts: 2 } });
    expect(life(two, 2)).toEqual([3, 6]);
    expect(unitStates(two, VECTOR).slice(3, 7)).toEqual([2, 2, 2, 1]);
    expect(two.stats.resourceStalls.unifiedBufferRead).toBe(3);
    expect(life(run(vhw, prog(0), { ports: { unifiedBufferReadPorts: 3 } }), 2)).toEqual([3, 3]);
    expect(life(run(vhw, prog(3), { ports: { unifiedBufferReadPorts: 2 } }), 2)).toEqual([3, 3]); // copy: one source
  });

  it("with one read port a two-source VEC takes two granted cycles per reading step", () => {
    // VEC add 2 x 2, lanes 2, Lv 1: S = 2 steps, q = 2: tc = 0 + 2*2 + 1 - 1 = 4. Cycle 2p reads a,
    // 2p + 1 reads b and writes step p - Lv; the write-only step p = 2 takes cycle 4.
    const vhw = { rows: 2, cols: 2, vectorLanes: 2, vectorLatency: 1 };
    const vec = (fn: number) => [ins("VEC", { fn, dst: 120, dstride: 2, a: 100, astride: 2, b: 110, bstride: 2, rows: 2, cols: 2 }), HALT];
    const one = run(vhw, vec(0), { ports: { unifiedBufferReadPorts: 1 } });
    expect(life(one, 0)).toEqual([0, 4]);
    const eb = 2; // the small preset is bf16
    expect(column(one, "ubReadBytes").slice(0, 5)).toEqual([2 * eb, 2 * eb, 2 * eb, 2 * eb, 0]);
    expect(column(one, "ubWrittenBytes").slice(0, 5)).toEqual([0, 0, 0, 2 * eb, 2 * eb]);
    // Copy has one source: one cycle per step, tc = 0 + 2 + 1 - 1 = 2; two ports: add too.
    expect(life(run(vhw, vec(3), { ports: { unifiedBufferReadPorts: 1 } }), 0)).toEqual([0, 2]);
    expect(life(run(vhw, vec(0), { ports: { unifiedBufferReadPorts: 2 } }), 0)).toEqual([0, 2]);
  });

  it("VSGD is last on the accumulator read ports, behind the pass and the activation unit", () => {
    // Pass B = 3 accumulating: psum reads 3..6. VSGD 1 x 2 bf16 = 20 bytes (one cycle at W = 64)
    // issues at 3 (alone: tc = 3). One port: refused 3..6, moves at 7.
    const sgd = ins("VSGD", { wm: 100, wstride: 2, acc: 10, rows: 1, cols: 2, lr: 0.5 });
    const pass = ins("MMUL", { ub: 0, ustride: 2, rows: 3, cols: 2, acc: 0, switch: 1, accumulate: 1 });
    const one = run(hw, [rdw, pass, sgd, HALT], { ports: { accumulatorReadPorts: 1 } });
    expect(life(one, 2)).toEqual([3, 7]);
    expect(one.stats.resourceStalls.accumulatorRead).toBe(4);
    expect(life(run(hw, [rdw, pass, sgd, HALT], { ports: { accumulatorReadPorts: 2 } }), 2)).toEqual([3, 3]);
    // Two ports: the pass (psum reads 3..6) and an ACT (issued at 3, reads 3..6) hold both, so the
    // VSGD, issued at 4, is refused in 4, 5, 6 and moves at 7.
    const act = ins("ACT", { acc: 20, rows: 4, cols: 2, ub: 100, ustride: 2 });
    const both = run(hw, [rdw, pass, act, sgd, HALT], { ports: { accumulatorReadPorts: 2 } });
    expect(life(both, 3)).toEqual([4, 7]);
    expect(unitStates(both, VECTOR).slice(4, 8)).toEqual([2, 2, 2, 1]);
  });

  it("the activation unit is first on the write port; the vector unit waits", () => {
    // VEC copy 3 x 1, lanes 1, Lv 0: steps 0, 1, 2 alone. ACT (L = 0) issues at 1 and writes in 1, 2.
    const prog = [ins("VEC", { fn: 3, dst: 100, dstride: 1, a: 0, astride: 1, b: 0, bstride: 0, rows: 3, cols: 1 }), ins("ACT", { acc: 0, rows: 2, cols: 1, ub: 200, ustride: 1 }), HALT];
    const h = { rows: 2, cols: 2, vectorLanes: 1, vectorLatency: 0, activationLatency: 0 };
    const one = run(h, prog, { ports: { unifiedBufferWritePorts: 1 } });
    expect([life(one, 0), life(one, 1)]).toEqual([[0, 4], [1, 2]]);
    expect(one.stats.resourceStalls.unifiedBufferWrite).toBe(2);
    expect(life(run(h, prog, { ports: { unifiedBufferWritePorts: 2 } }), 0)).toEqual([0, 2]);
  });
});

describe("the weight-memory channel", () => {
  it("RDW is first; VSGD takes what is left, and stalls when nothing is", () => {
    // W = 16, bf16. RDW 4 x 5 = 40 bytes: 16, 16, 8 in cycles 0..2. VSGD 1 x 3 = 30 bytes issues at 1:
    // cycle 1 nothing left (stalled), 2: 16 - 8 = 8, 3: 16, 4: 6 -> tc = 4 (alone: 1 + ceil(30/16) - 1 = 2).
    // Channel reads: 16 | 16 | 8 + 4 (w0 bytes 0-7: 4 read) | w0 8-9, w1 10-19, w2 20-23: 4 + 4 | 0.
    const c = run({ rows: 4, cols: 5, weightBytesPerCycle: 16, vectorLanes: 8 }, [ins("RDW", { wm: 0, wstride: 5, rows: 4, cols: 5 }), ins("VSGD", { wm: 100, wstride: 3, acc: 0, rows: 1, cols: 3, lr: 0.5 }), HALT]);
    expect(life(c, 1)).toEqual([1, 4]);
    expect(column(c, "weightReadBytes").slice(0, 5)).toEqual([16, 16, 12, 8, 0]);
    expect(column(c, "weightWrittenBytes").slice(0, 5)).toEqual([0, 0, 4, 8, 6]);
    expect(unitStates(c, VECTOR).slice(1, 5)).toEqual([2, 1, 1, 1]);
    expect(c.stats.resourceStalls.weightMemory).toBe(1);
    const alone = run({ rows: 4, cols: 5, weightBytesPerCycle: 16, vectorLanes: 8 }, [ins("NOP"), ins("VSGD", { wm: 100, wstride: 3, acc: 0, rows: 1, cols: 3, lr: 0.5 }), HALT]);
    expect(life(alone, 1)).toEqual([1, 2]);
  });
});

/** A bf16 machine with three random R x C tiles A, B, C in weight memory and 2 vectors x in the buffer. */
function threeTiles(R: number, C: number, seed: number) {
  const rng = new Rng(seed);
  const tiles = [0, 1, 2].map(() => Float32Array.from({ length: R * C }, () => randomBf16(rng)));
  const x = Float32Array.from({ length: 2 * R }, () => randomBf16(rng));
  const wm = new Float32Array(3 * R * C);
  tiles.forEach((t, i) => wm.set(t, i * R * C));
  return { tiles, x, data: [{ memory: "weights" as const, address: 0, values: wm }] };
}

describe("weight banks and the FIFO", () => {
  // R = 3, C = 4, W = 64: each RDW takes one cycle (24 bytes): A, B, C ready at the end of 0, 1, 2.
  // Shift A: s = 1 into bank 0, ready at 3 -> MMUL A t0 = 3, tl = 5. Shift B: its slot is the head
  // once A's is freed (end of 3): s = 4 into bank 1, ready at 6 -> MMUL B t0 = 6 retires bank 0.
  // Shift C: bank 0 is free from s >= tl + C - 1 = 5 + 3 = 8, ready at 8 + 3 - 1 = 10 -> MMUL C t0 = 10,
  // tc = 10 + 2 + 3 + 4 - 1 = 18, HALT at 19.
  const R = 3;
  const C = 4;
  const program = [0, 1, 2].map((i) => ins("RDW", { wm: i * R * C, wstride: C, rows: R, cols: C }));
  for (let i = 0; i < 3; i++) program.push(ins("MMUL", { ub: 0, ustride: R, rows: 2, cols: R, acc: 2 * i, switch: 1 }));
  program.push(HALT);
  const hw = { rows: R, cols: C, weightBytesPerCycle: 64 };
  const results = (chip: NaiveChip) => Array.from(chip.mem.acc.subarray(0, 6 * C), f32Bits);
  const want = (m: ReturnType<typeof threeTiles>) => m.tiles.flatMap((t) => Array.from(referenceMatmulBf16(m.x, 2, R, t, C), f32Bits));

  it("a bank is ready at s + R - 1 and free from tl + C - 1, exactly", () => {
    const m = threeTiles(R, C, 7);
    const c = run(hw, program, { data: m.data, setup: (chip) => chip.mem.ub.set(m.x) });
    expect([3, 4, 5].map((pc) => c.life[pc].issue)).toEqual([3, 6, 10]);
    expect(c.life[5].complete).toBe(18);
    expect(stalls(c)).toEqual(["weight_load", "weight_load", "weight_load", "none", "none", "weight_shift", "none", "none", "weight_shift", "weight_shift", "none", "none", ...new Array(8).fill("drain")]);
    expect(results(c)).toEqual(want(m));
  });

  it("a switch waiting for its tile to leave the FIFO is weight_shift", () => {
    // As above, but MMUL B streams one vector (6): in 7 the matrix unit is idle, tile C is ready in
    // the FIFO and bank 0 frees only at tl + C - 1 = 8; in 8 and 9 tile C shifts.
    const short = program.map((x, pc) => (pc === 4 ? ins("MMUL", { ...x.f, rows: 1 }) : x));
    const c = run(hw, short);
    expect([3, 4, 5].map((pc) => c.life[pc].issue)).toEqual([3, 6, 10]);
    expect(stalls(c).slice(7, 10)).toEqual(["weight_shift", "weight_shift", "weight_shift"]);
    expect(c.records[7].state[2]).toBe(2);
    expect(c.records[7].pc[2]).toBe(5);
  });

  it("one cycle earlier and the registers give different numbers", () => {
    const m = threeTiles(R, C, 7);
    for (const slack of [{ bankFree: 1 }, { bankReady: 1 }]) {
      const c = run(hw, program, { data: m.data, slack, setup: (chip) => chip.mem.ub.set(m.x) });
      expect(results(c)).not.toEqual(want(m));
    }
  });

  it("the FIFO holds F tiles, a slot is free after its shift's last step", () => {
    // R = C = 2. F = 1: shift A 1..2 frees the slot at the end of 2, RDW B issues at 3. Shift B 4..5
    // into bank 1; MMUL A issues at 4, MMUL B at 5 (bank 1 ready at 4 + 2 - 1), tc = 5 + 1 + 2 + 2 - 1 = 9.
    const prog = [ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("RDW", { wm: 4, wstride: 2, rows: 2, cols: 2 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 0, switch: 1 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 1, switch: 1 }), HALT];
    const one = run({ rows: 2, cols: 2, weightBytesPerCycle: 64, weightFifoTiles: 1 }, prog);
    expect([life(one, 1), life(one, 2), life(one, 3)]).toEqual([[3, 3], [4, 8], [5, 9]]);
    expect(column(one, "fifoTiles")).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(unitStates(one, 1).slice(0, 4)).toEqual([1, 2, 2, 1]);
    // F = 2: RDW B at 1; shift A 1..2, MMUL A at 2; shift B 3..4, MMUL B at 4, tc = 8.
    const two = run({ rows: 2, cols: 2, weightBytesPerCycle: 64, weightFifoTiles: 2 }, prog);
    expect([life(two, 1), life(two, 2), life(two, 3)]).toEqual([[1, 1], [2, 6], [4, 8]]);
    expect(column(two, "fifoTiles").slice(0, 5)).toEqual([1, 2, 1, 1, 0]);
  });
});

describe("stall causes of a waiting head", () => {
  it("waiting on the scoreboard for a weight load is weight_load; for a DMA, host_transfer", () => {
    // RDWU 4 x 2 reads buffer rows 0..3 in cycles 0..3; the RHM overwriting row 1 waits (WAR) until
    // the RDWU completes at 3 and issues at 4 (4 bytes: one cycle); the WHM reading that row waits
    // for the RHM and issues at 5.
    const c = run({ rows: 4, cols: 2, hostBytesPerCycle: 16 }, [
      ins("RDWU", { ub: 0, ustride: 2, rows: 4, cols: 2 }),
      ins("RHM", { host: 0, hstride: 2, ub: 2, ustride: 2, rows: 1, cols: 2 }),
      ins("WHM", { ub: 2, ustride: 2, host: 8, hstride: 2, rows: 1, cols: 2 }),
      HALT,
    ]);
    expect([life(c, 1), life(c, 2)]).toEqual([[4, 4], [5, 5]]);
    // 0: RDWU issuing; 1-3: RHM waits for the RDWU; 4: RHM issues; 5: WHM issues; 6..: drain (the tile
    // shifts 5..8, choice 3 in naive-chip.ts: HALT waits for it).
    expect(stalls(c).slice(0, 6)).toEqual(["weight_load", "weight_load", "weight_load", "weight_load", "host_transfer", "host_transfer"]);
    expect(unitStates(c, 0).slice(1, 4)).toEqual([2, 2, 2]); // the DMA unit: its head instruction is blocked
  });

  it("a DMA instruction waiting for the DMA unit is host_transfer, the unit busy with the other", () => {
    // RHM 1 x 8 bf16 = 16 bytes at H = 4: cycles 0..3. The WHM (other addresses) waits for the unit: 4.
    const c = run({ rows: 2, cols: 2, hostBytesPerCycle: 4 }, [ins("RHM", { host: 0, hstride: 8, ub: 0, ustride: 8, rows: 1, cols: 8 }), ins("WHM", { ub: 50, ustride: 1, host: 20, hstride: 1, rows: 1, cols: 1 }), HALT]);
    expect(life(c, 1)).toEqual([4, 4]);
    expect(stalls(c).slice(0, 5)).toEqual(new Array(5).fill("host_transfer"));
    expect(c.records.slice(1, 4).map((r) => [r.state[0], r.pc[0]])).toEqual([[1, 0], [1, 0], [1, 0]]);
  });

  it("SYNC and HALT wait for a shift in progress (choice 3 in naive-chip.ts)", () => {
    // R = 3, W = 64: RDW tc = 0, the tile shifts 1..3 on its own; SYNC issues at 4, HALT at 5.
    const c = run({ rows: 3, cols: 2, weightBytesPerCycle: 64 }, [ins("RDW", { wm: 0, wstride: 2, rows: 3, cols: 2 }), ins("SYNC"), HALT]);
    expect([life(c, 1), life(c, 2)]).toEqual([[4, 4], [5, 5]]);
  });
});

describe("the accumulator rule", () => {
  // R = 4, C = 2: RDW tc = 0, shift 1..4, first MMUL t0 = 4 (acc a1, B = 2). An accumulating MMUL on
  // overlapping rows issues at t0' = max(t0 + B, t0 + R + 1 + (a2 - a1)) = max(6, 9 + a2 - a1).
  const R = 4;
  const C = 2;
  const rng = new Rng(3);
  const w = Float32Array.from({ length: R * C }, () => randomBf16(rng));
  const x = Float32Array.from({ length: 16 }, () => randomBf16(rng));
  const prog = (a1: number, a2: number, accumulate = 1) => [
    ins("RDW", { wm: 0, wstride: C, rows: R, cols: C }),
    ins("MMUL", { ub: 0, ustride: R, rows: 2, cols: R, acc: a1, switch: 1 }),
    ins("MMUL", { ub: 8, ustride: R, rows: 2, cols: R, acc: a2, accumulate }),
    HALT,
  ];
  const go = (p: ReturnType<typeof prog>, accRule = 0) =>
    run({ rows: R, cols: C, weightBytesPerCycle: 64 }, p, { data: [{ memory: "weights", address: 0, values: w }], slack: { accRule }, setup: (c) => c.mem.ub.set(x) });

  it.each([[0, 0, 1, 9], [0, 1, 1, 10], [1, 0, 1, 8], [0, 2, 1, 6], [0, 0, 0, 6]])("acc %i then %i (accumulate %i): t0' = %i", (a1, a2, acc, t0) => {
    const c = go(prog(a1, a2, acc));
    expect(c.life[2].issue).toBe(t0);
    expect(stalls(c).slice(6, t0)).toEqual(new Array(t0 - 6).fill("data_dependency"));
  });

  it("the sum is one fp32 chain over both passes; one cycle earlier reads a stale accumulator", () => {
    // Row 0 = x0 W (vector 0 of pass 1) then + x2 W (vector 0 of pass 2): the chain over [x0 | x2].
    const both = Float32Array.from([...x.subarray(0, 4), ...x.subarray(8, 12), ...x.subarray(4, 8), ...x.subarray(12, 16)]);
    const want = Array.from(referenceMatmulBf16(both, 2, 2 * R, Float32Array.from([...w, ...w]), C), f32Bits);
    expect(Array.from(go(prog(0, 0)).mem.acc.subarray(0, 2 * C), f32Bits)).toEqual(want);
    expect(Array.from(go(prog(0, 0), 1).mem.acc.subarray(0, 2 * C), f32Bits)).not.toEqual(want);
  });
});

describe("faults: cycle, unit and instruction", () => {
  const bf = (v: number[]): DataSegment => ({ memory: "host" as const, address: 0, values: new Float32Array(v) });
  const faultOf = (hwOver: Record<string, unknown>, list: Instruction[], data: DataSegment[] = [bf([])], setup?: (c: NaiveChip) => void, maxCycles = 10_000) => {
    const chip = new NaiveChip(naiveHw(hwOver), { instructions: list, data });
    setup?.(chip);
    const f = chip.run(maxCycles).fault;
    expect(f).not.toBeNull();
    return { chip, fault: { cycle: f!.cycle, unit: f!.unit, pc: f!.pc } };
  };

  it("a non-finite bf16 value lands in the buffer with its last byte", () => {
    // H = 2 bytes: one bf16 element per cycle; element 3 lands in cycle 3. 3.4e38 rounds to bf16 infinity.
    for (const bad of [Infinity, 3.4e38]) {
      const { chip, fault } = faultOf({ rows: 2, cols: 2, hostBytesPerCycle: 2 }, [ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 1, cols: 4 }), HALT], [bf([1, 2, 3, bad])]);
      expect(fault).toEqual({ cycle: 3, unit: "dma", pc: 0 });
      expect(chip.records.length).toBe(3);
    }
  });

  it("an accumulator overflow faults when written, lowest column first", () => {
    // RHM tc 0, RDW tc 1, shift 2..3, MMUL t0 = 3; (b, c) = (0, 0) is written at t0 + R + 1 = 6.
    const prog = [ins("RHM", { host: 0, hstride: 2, ub: 0, ustride: 2, rows: 1, cols: 2 }), ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), ins("MMUL", { ub: 0, ustride: 2, rows: 1, cols: 2, acc: 3, switch: 1 }), HALT];
    const data = [bf([2 ** 100, 2 ** 100]), { memory: "weights" as const, address: 0, values: new Float32Array([2 ** 27, 1, 2 ** 27, 1]) }];
    expect(faultOf({ rows: 2, cols: 2 }, prog, data).fault).toEqual({ cycle: 6, unit: "matrix", pc: 2 });
  });

  it("a non-finite weight faults when it lands in the FIFO slot", () => {
    // W = 2: one bf16 element per cycle, element 2 (NaN) lands in cycle 2.
    const data = [{ memory: "weights" as const, address: 0, values: new Float32Array([1, 2, NaN, 4]) }];
    expect(faultOf({ rows: 2, cols: 2, weightBytesPerCycle: 2 }, [ins("RDW", { wm: 0, wstride: 2, rows: 2, cols: 2 }), HALT], data).fault).toEqual({ cycle: 2, unit: "weights", pc: 0 });
  });

  it("two bad values in one cycle: the vector unit before the DMA", () => {
    // VEC copy (Lv = 1) of 4 * 2^127 issues at 0 and writes at 1; RHM of Infinity issues at 1, lands at 1.
    const list = (Lv: number) => ({ hw: { rows: 2, cols: 2, vectorLatency: Lv }, prog: [ins("VEC", { fn: 3, dst: 10, dstride: 1, a: 0, astride: 1, b: 0, bstride: 0, rows: 1, cols: 1, imm: 2 ** 127 }), ins("RHM", { host: 0, hstride: 1, ub: 20, ustride: 1, rows: 1, cols: 1 }), HALT] });
    const setup = (c: NaiveChip) => (c.mem.ub[0] = 4);
    const a = list(1);
    expect(faultOf(a.hw, a.prog, [bf([Infinity])], setup).fault).toEqual({ cycle: 1, unit: "vector", pc: 0 });
    const b = list(2); // the VEC would write at 2: the DMA's fault at 1 comes first
    expect(faultOf(b.hw, b.prog, [bf([Infinity])], setup).fault).toEqual({ cycle: 1, unit: "dma", pc: 1 });
  });

  it("VEC blocks whose bounding ranges intersect fault at issue unless they are the same block", () => {
    const vec = (dst: number, dstride: number, rows: number, astride = dstride) => ins("VEC", { fn: 3, dst, dstride, a: 0, astride, b: 0, bstride: 0, rows, cols: 4 });
    expect(faultOf({ rows: 2, cols: 2 }, [ins("NOP"), vec(2, 4, 1), HALT]).fault).toEqual({ cycle: 1, unit: "vector", pc: 1 });
    // Interleaved: {0..3, 8..11} and {4..7, 12..15} share no element, but their ranges [0, 12) and [4, 16) intersect.
    expect(faultOf({ rows: 2, cols: 2 }, [vec(4, 8, 2), HALT]).fault).toEqual({ cycle: 0, unit: "vector", pc: 0 });
    run({ rows: 2, cols: 2 }, [vec(0, 4, 2), HALT]); // in place
    run({ rows: 2, cols: 2 }, [vec(0, 4, 1, 9), HALT]); // one row at the same address: in place whatever the strides
    run({ rows: 2, cols: 2 }, [vec(12, 8, 2), HALT]); // [0, 12) and [12, 24): disjoint
  });

  it("an impossible shape faults at issue; the watchdog at maxCycles", () => {
    expect(faultOf({ rows: 2, cols: 2 }, [ins("NOP"), ins("ACT", { acc: 0, rows: 1, cols: 3, ub: 0, ustride: 3 }), HALT]).fault).toEqual({ cycle: 1, unit: "activation", pc: 1 });
    const long = [ins("RHM", { host: 0, hstride: 64, ub: 0, ustride: 64, rows: 2, cols: 64 }), HALT];
    expect(faultOf({ rows: 2, cols: 2, hostBytesPerCycle: 1 }, long, [bf([])], undefined, 5).fault).toEqual({ cycle: 5, unit: "controller", pc: 1 });
  });
});

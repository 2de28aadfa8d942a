/**
 * The datapath's wiring (src/hw/tpu.ts; docs/mutation/tpu.md): gaps the mutation run of tpu.ts
 * found. The evaluate order is checked when the datapath is built; and untraced, detailed mode's
 * matrix-only bursts stage the vectors of a pass that reads fewer lanes than the array has rows
 * (MMUL cols < R) zero-padded, in the int8 kernel's input as in the bf16 one (results against exact
 * integer products worked out here); and the arbiter's matrix-only shortcut does not serve a new
 * ACT the grant of the one before it (cycles hand-derived from docs/ARCHITECTURE.md).
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig, type DType } from "../../src/config/hw-config.js";
import { TpuDatapath } from "../../src/hw/tpu.js";
import { Simulator } from "../../src/sim/controller.js";
import { Rng } from "../helpers/reference-matmul.js";
import { ins, program } from "../helpers/programs.js";
import { hwWith, ints, runBoth } from "../helpers/timing.js";

describe("the evaluate order is checked when the datapath is built", () => {
  const hw = buildHwConfig("small", { rows: 2, cols: 2 });
  it.each([
    [[0, 1, 2, 3, 4, 4], "0,1,2,3,4,4"],
    [[0, 1, 2, 3, 4], "0,1,2,3,4"],
    [[5, 4, 3, 2, 1, 0, 6], "5,4,3,2,1,0,6"],
    [[1, 2, 3, 4, 5, 6], "1,2,3,4,5,6"],
  ])("order %j is refused, naming the order", (order, shown) => {
    expect(() => new TpuDatapath(hw, order)).toThrow(`internal: the evaluate order must list each of the 6 units once (got ${shown})`);
    expect(() => new Simulator(hw, { mode: "detailed", evaluateOrder: order })).toThrow(`(got ${shown})`);
  });
  it("every permutation is accepted", () => {
    expect(() => new TpuDatapath(hw, [3, 5, 0, 2, 4, 1])).not.toThrow();
    expect(() => new TpuDatapath(hw)).not.toThrow();
  });
});

/**
 * A full R x C tile W (rows R), then passes over it: each pass `vectors` vectors of `lanes` lanes
 * from the buffer (stride `ustride`) into accumulator rows from `acc`. Lanes lanes..R-1 of every
 * vector are fed zeros (ISA: "lanes beyond are fed zeros"), so acc[row][c] = sum over r < lanes of
 * x[r] * W[r][c], exact (small integers: exact in bf16 and fp32 too).
 */
interface Pass {
  ub: number;
  ustride: number;
  vectors: number;
  lanes: number;
  acc: number;
}

function runPasses(R: number, C: number, dtype: DType, passes: Pass[], seed: number): { sim: Simulator; ub: Float32Array; w: Float32Array } {
  const accRows = passes.reduce((m, p) => Math.max(m, p.acc + p.vectors), 0);
  const ubNeeded = passes.reduce((m, p) => Math.max(m, p.ub + (p.vectors - 1) * p.ustride + R), 0);
  const hw = buildHwConfig("tpu-v2", { rows: R, cols: C, dtype, accumulatorRows: accRows });
  const rng = new Rng(seed);
  const small = () => rng.int(-7, 7);
  const w = Float32Array.from({ length: R * C }, small);
  // Every buffer element nonzero, so a lane that is not zeroed changes a result.
  const ub = Float32Array.from({ length: ubNeeded }, () => rng.int(1, 7));
  const instructions = [ins("RDW", { wm: 0, wstride: C, rows: R, cols: C, transpose: 0 })];
  passes.forEach((p, i) =>
    instructions.push(ins("MMUL", { ub: p.ub, ustride: p.ustride, rows: p.vectors, cols: p.lanes, acc: p.acc, switch: i === 0 ? 1 : 0, accumulate: 0 })),
  );
  instructions.push(ins("HALT"));
  const sim = new Simulator(hw, { mode: "detailed" });
  sim.load(program(instructions, [{ memory: "weights", address: 0, values: w }]));
  sim.dp.ub.set(ub);
  expect(sim.run({ maxCycles: 100_000 })).toBe(true);
  return { sim, ub, w };
}

/** acc[p.acc + v][c] = sum over r < lanes of ub[p.ub + v * ustride + r] * w[r][c], for every pass. */
function expectProducts(R: number, C: number, passes: Pass[], got: { sim: Simulator; ub: Float32Array; w: Float32Array }): void {
  const { sim, ub, w } = got;
  const data = sim.dp.acc.data;
  for (const [i, p] of passes.entries()) {
    const bad: string[] = [];
    for (let v = 0; v < p.vectors; v++) {
      for (let c = 0; c < C; c++) {
        let want = 0;
        for (let r = 0; r < p.lanes; r++) want += ub[p.ub + v * p.ustride + r] * w[r * C + c];
        const at = (p.acc + v) * C + c;
        if (data[at] !== want && bad.length < 3) bad.push(`row ${p.acc + v} col ${c}: ${data[at]}, want ${want}`);
      }
    }
    expect(bad, `pass ${i} (${p.lanes} of ${R} lanes, stride ${p.ustride})`).toEqual([]);
  }
}

describe("untraced detailed mode stages a pass of fewer lanes than rows zero-padded for the SIMD kernel", () => {
  // 8 x 8: whole 4-column groups, so steady stretches run in the SIMD kernel (SystolicArray.clockSteps).
  const R = 8;
  const C = 8;
  const V = 200;
  for (const dtype of ["int8", "bf16"] as const) {
    it(`${dtype}: a pass of all 8 lanes, then passes of 5 lanes (stride 8 and stride 11), give the exact products`, () => {
      const passes: Pass[] = [
        { ub: 0, ustride: R, vectors: V, lanes: R, acc: 0 },
        { ub: 0, ustride: R, vectors: V, lanes: 5, acc: V },
        { ub: 3, ustride: 11, vectors: V, lanes: 5, acc: 2 * V },
      ];
      const got = runPasses(R, C, dtype, passes, 7);
      // The batches did run: most of each pass's cycles went through the kernel.
      expect(got.sim.dp.array.simdCycles).toBeGreaterThan(3 * (V - R - C - 8));
      expectProducts(R, C, passes, got);
    });
  }
});

/**
 * The arbiter runs every cycle but a matrix-only one, whose grants repeat while the matrix unit's
 * request does (tpu.ts `arbitrate`). With the activation unit busy beside it, the grants must be
 * computed anew: here an ACT issues the cycle after the previous ACT completes (its last cycles
 * only wrote the buffer: granted) while an accumulating pass holds the only accumulator read port,
 * so the new ACT is refused until the pass's psum reads end.
 */
describe("one accumulator read port: an ACT right behind an ACT waits for an accumulating pass's psum reads", () => {
  it("the second ACT reads from the cycle after the pass's last psum read, as fast mode agrees", () => {
    const R = 4;
    const C = 4;
    const L = 10;
    const B = 20;
    const hw = hwWith(R, C, { accumulatorReadPorts: 1, activationLatency: L, weightBytesPerCycle: 64 });
    const act = (acc: number, rows: number, ub: number) =>
      ins("ACT", { acc, rows, cols: C, ub, ustride: C, fn: "identity", inscale: 1, outscale: 1 });
    const prog = program(
      [
        ins("RDW", { wm: 0, wstride: C, rows: R, cols: C, transpose: 0 }),
        ins("SYNC"),
        act(100, 1, 0),
        ins("MMUL", { ub: 64, ustride: R, rows: B, cols: R, acc: 0, switch: 1, accumulate: 1 }),
        act(110, 2, 32),
        ins("HALT"),
      ],
      [{ memory: "weights", address: 0, values: ints(R * C, 3) }],
    );
    const { sim, sink } = runBoth(hw, prog);
    const act1 = sink.life(2);
    const mmul = sink.life(3);
    const act2 = sink.life(4);
    // ACT of `rows` rows reading from a: row p read at a + p, written L cycles later; complete at
    // a + rows - 1 + L. The first ACT reads at its issue (the pass has not begun reading psums).
    expect(act1.complete).toBe(act1.issue + 1 - 1 + L);
    expect(mmul.issue).toBe(act1.issue + 1);
    // The second issues as the unit frees; the pass (t0 = its issue) reads the psum of vector b for
    // column c at t0 + b + 1 + c ("MatrixMultiply"), the last at t0 + (B - 1) + 1 + (C - 1).
    expect(act2.issue).toBe(act1.complete + 1);
    const lastPsumRead = mmul.issue + B - 1 + 1 + C - 1;
    expect(act2.issue).toBeLessThan(lastPsumRead);
    expect(act2.complete).toBe(lastPsumRead + 1 + 2 - 1 + L);
    // Refused the port from its issue through the last psum read.
    expect(sim.stats.resourceStalls.accumulatorRead).toBe(lastPsumRead - act2.issue + 1);
  });
});

/**
 * The controller's issue and completion (src/sim/controller.ts `issue` .. `charge`): gaps found by
 * mutation testing (docs/mutation/controller-5.md).
 */
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type PreparedProgram } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { RecordingSink, ins, program } from "../helpers/programs.js";
import { hwWith } from "../helpers/timing.js";

/**
 * Start `p` (prepared once per chip, so the memo knows it) with `data`'s values (the same program
 * with other data); the fault's text and cycle, or null when it halts.
 */
function outcome(sim: Simulator, p: PreparedProgram, data: Program): string | null {
  sim.start(p);
  for (const seg of data.data) (seg.memory === "host" ? sim.dp.host : sim.dp.wm).set(seg.values, seg.address);
  try {
    expect(sim.run()).toBe(true);
    return null;
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return `${e.message} @${e.cycle}`;
  }
}

describe("a replay that finds a fault, then simulates the run", () => {
  it("a tile loaded before the fault and shifted after it keeps the weights the replay loaded", () => {
    // 4x4 bf16, FIFO depth 2, 1 host byte a cycle. Each run after the first starts with the last
    // tile T2 active in bank 0, so (cycles from the run's start) T0 shifts into bank 1 at once, but
    // T1 and T2 wait for a bank until the first and second switching MMULs (33, 37): after the long
    // RHM issued (32), whose last host value is an infinity in the bad run (written at 159). A replay
    // of the bad run finds the fault in that RHM's data and simulates the run: the loads before it
    // do not load again, and the shifts of T1 and T2 after it read the FIFO tiles the replay filled.
    // The MMULs that use them issue before the fault and write their products.
    const hw = hwWith(4, 4, { weightFifoTiles: 2, hostBytesPerCycle: 1, weightBytesPerCycle: 16 });
    const x = Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2);
    const step = (last: number, sign: number): Program =>
      program(
        [
          ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 4, cols: 4 }),
          ins("RDW", { wm: 0, wstride: 4, rows: 4, cols: 4, transpose: 0 }),
          ins("RDW", { wm: 16, wstride: 4, rows: 4, cols: 4, transpose: 0 }),
          ins("RDW", { wm: 32, wstride: 4, rows: 4, cols: 4, transpose: 0 }),
          ins("RHM", { host: 16, hstride: 4, ub: 64, ustride: 4, rows: 16, cols: 4 }),
          ins("MMUL", { ub: 0, ustride: 4, rows: 4, cols: 4, acc: 0, switch: 1, accumulate: 0 }),
          ins("MMUL", { ub: 0, ustride: 4, rows: 4, cols: 4, acc: 4, switch: 1, accumulate: 0 }),
          ins("MMUL", { ub: 0, ustride: 4, rows: 4, cols: 4, acc: 8, switch: 1, accumulate: 0 }),
          ins("HALT"),
        ],
        [
          { memory: "host", address: 0, values: x },
          { memory: "host", address: 16, values: Float32Array.from({ length: 64 }, (_, i) => (i === 63 ? last : i)) },
          { memory: "weights", address: 0, values: Float32Array.from({ length: 48 }, (_, i) => sign * (((i * 7) % 5) - 1)) },
        ],
      );
    const good = step(3, 1);
    // Other weights, so that the products differ from those the good runs left in the accumulators.
    const bad = step(Number.POSITIVE_INFINITY, -2);
    const w = bad.data[2].values;
    const chips = [new Simulator(hw, { mode: "fast" }), new Simulator(hw, { mode: "fast", replay: false }), new Simulator(hw, { mode: "detailed" })];
    const [replayed, plain, detailed] = chips;
    const prepared = chips.map((s) => s.prepare(good));
    for (let i = 0; i < 4; i++) {
      chips.forEach((s, k) => expect(outcome(s, prepared[k], good)).toBeNull());
    }
    expect(replayed.replay!.hits).toBe(1);
    const faults = chips.map((s, k) => outcome(s, prepared[k], bad));
    expect(replayed.replay!.faulted).toBe(1);
    expect(faults[0]).toMatch(/non-finite value written to unified buffer address 127 @/);
    expect(faults[0]).toBe(faults[1]);
    expect(faults[0]).toBe(faults[2]);
    // Accumulator rows 4i..4i+3 = X Ti (exact: small integers in bf16), all written before the fault.
    const want = new Float32Array(48);
    for (let i = 0; i < 3; i++) {
      for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) for (let k = 0; k < 4; k++) want[16 * i + b * 4 + c] += x[b * 4 + k] * w[16 * i + k * 4 + c];
    }
    expect([want.subarray(16, 32), want.subarray(32)].map((p) => p.some((v) => v !== 0))).toEqual([true, true]);
    expectSameBits(detailed.dp.acc.data.subarray(0, 48), want, "detailed: X T0, X T1, X T2");
    for (const s of [replayed, plain]) {
      expectSameBits(s.dp.acc.data, detailed.dp.acc.data, `${s.options.replay === false ? "plain" : "replayed"}: accumulators`);
      expectSameBits(s.dp.ub, detailed.dp.ub, "unified buffer");
    }
    expect(replayed.stats).toEqual(plain.stats);
  });
});

describe("detailed mode: a pass completes when the accumulators signal its own completion", () => {
  it("a pass at the pc of the last pass of the previous run does not complete when another unit does", () => {
    // Two runs of one layout on one chip, with other inputs. The only MMUL sits at pc 2, so the
    // accumulators still name pass 2 as the last one completed when the second run starts; the RHM
    // after it completes while the pass is in flight. The WHMA reads the pass's accumulator rows, so
    // it must wait for the pass: it copies X2 W to the host, as in fast mode.
    const hw = hwWith(4, 4, { hostBytesPerCycle: 16 });
    const w = Float32Array.from({ length: 16 }, (_, i) => (i % 3) - 1);
    const layout = (x: Float32Array): Program =>
      program(
        [
          ins("RHM", { host: 0, hstride: 4, ub: 0, ustride: 4, rows: 4, cols: 4 }),
          ins("RDW", { wm: 0, wstride: 4, rows: 4, cols: 4, transpose: 0 }),
          ins("MMUL", { ub: 0, ustride: 4, rows: 4, cols: 4, acc: 0, switch: 1, accumulate: 0 }),
          ins("RHM", { host: 0, hstride: 4, ub: 64, ustride: 4, rows: 1, cols: 2 }),
          ins("WHMA", { acc: 0, rows: 4, cols: 4, host: 100, hstride: 4 }),
          ins("HALT"),
        ],
        [
          { memory: "host", address: 0, values: x },
          { memory: "weights", address: 0, values: w },
        ],
      );
    const x1 = Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2);
    const x2 = Float32Array.from({ length: 16 }, (_, i) => 3 - (i % 4));
    const want = new Float32Array(16);
    for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) for (let k = 0; k < 4; k++) want[b * 4 + c] += x2[b * 4 + k] * w[k * 4 + c];
    const sinks = (["detailed", "fast"] as const).map((mode) => {
      const sim = new Simulator(hw, { mode });
      sim.load(layout(x1));
      expect(sim.run()).toBe(true);
      const sink = new RecordingSink();
      sim.load(layout(x2));
      expect(sim.run({ sink })).toBe(true);
      expectSameBits(sim.dp.host.subarray(100, 116), Float64Array.from(want), `${mode}: WHMA of X2 W`);
      return sink;
    });
    expect(sinks[0].instructions).toEqual(sinks[1].instructions);
    expect(sinks[0].rows).toEqual(sinks[1].rows);
  });
});

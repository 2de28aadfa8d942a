/**
 * The project's central guarantee (docs/ARCHITECTURE.md "Fast mode"): for any program, fast mode and
 * detailed mode give the same cycle counts, statistics, memories (bit for bit) and per-cycle trace
 * rows, and a run that faults faults the same way in both (message, cycle, unit, instruction). Random
 * machines vary the grid (1x1 to 32x32, and a few 128x128), the data type, the port counts, the link
 * widths, the latencies and the FIFO depth; faulty programs carry infinities, NaN, -0, values that
 * round to bf16 infinity, overflowing products and partly overlapping blocks. Fast mode also runs
 * without a sink (skipping from event to event), in slices, and with a sampled trace window.
 *
 * Seeded; a failure prints the seed, the machine and the program. More cases:
 *   TPUSIM_EQUIVALENCE_RUNS=100000 npx vitest run test/sim/equivalence.test.ts
 * (TPUSIM_EQUIVALENCE_SEED picks another seed.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RuntimeFault } from "../../src/errors.js";
import { disassemble } from "../../src/isa/disassembler.js";
import type { Simulator } from "../../src/sim/controller.js";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { RecordingSink, loadMachine, randomMachine, type MachineShape, type RandomMachine } from "../helpers/programs.js";

const RUNS = Number(process.env.TPUSIM_EQUIVALENCE_RUNS ?? 150);
const SEED = Number(process.env.TPUSIM_EQUIVALENCE_SEED ?? 20250611);

interface Totals {
  programs: number;
  faulted: number;
  macs: number;
  rows: number;
}

/** Run to HALT; a RuntimeFault is returned, anything else thrown. */
function runOrFault(sim: Simulator, sink?: RecordingSink): RuntimeFault | null {
  try {
    expect(sim.run({ sink, maxCycles: 1_000_000 })).toBe(true);
    return null;
  } catch (e) {
    if (e instanceof RuntimeFault) return e;
    throw e;
  }
}

const faultView = (f: RuntimeFault) => ({ detail: f.detail, cycle: f.cycle, unit: f.unit, instruction: f.instruction });

function checkEquivalent(m: RandomMachine, seed: number, totals: Totals): void {
  const detailed = loadMachine(m, "detailed");
  const fast = loadMachine(m, "fast");
  const skipping = loadMachine(m, "fast");
  const dSink = new RecordingSink();
  const fSink = new RecordingSink();
  const dFault = runOrFault(detailed, dSink);
  const fFault = runOrFault(fast, fSink);
  const sFault = runOrFault(skipping);
  totals.programs++;
  if (dFault || fFault || sFault) {
    expect(fFault && faultView(fFault), "fast mode's fault").toEqual(dFault && faultView(dFault));
    expect(sFault && faultView(sFault), "fast mode without a sink: fault").toEqual(dFault && faultView(dFault));
    // The trace up to the fault is the same too.
    expect(fSink.rows).toEqual(dSink.rows);
    // Every cycle up to the fault is charged alike, traced or not.
    expect(fast.stats.stalls, "fast mode's stall cycles before the fault").toEqual(detailed.stats.stalls);
    expect(skipping.stats.stalls, "fast mode without a sink: stall cycles before the fault").toEqual(detailed.stats.stalls);
    expect(fast.stats, "fast mode's statistics after the fault").toEqual(detailed.stats);
    expect(skipping.stats, "fast mode without a sink: statistics after the fault").toEqual(detailed.stats);
    totals.faulted++;
    return;
  }
  // Not vacuous: the trace has a row per cycle, and a program with a pass did MACs.
  expect(dSink.rows.length).toBe(detailed.stats.cycles);
  expect(dSink.rows.length).toBeGreaterThan(0);
  const passes = m.program.instructions.filter((i) => i.op === "MMUL").length;
  if (passes > 0) expect(detailed.stats.macs).toBeGreaterThan(0);
  totals.macs += detailed.stats.macs;
  totals.rows += dSink.rows.length;

  for (const [name, other] of [["fast", fast], ["fast without a sink", skipping]] as const) {
    expect(other.now, `${name}: cycle`).toBe(detailed.now);
    expect(other.stats, `${name}: statistics`).toEqual(detailed.stats);
    expectSameBits(other.dp.ub, detailed.dp.ub, `${name}: unified buffer`);
    expectSameBits(other.dp.acc.data, detailed.dp.acc.data, `${name}: accumulators`);
    expectSameBits(other.dp.wm, detailed.dp.wm, `${name}: weight memory`);
    expectSameBits(other.dp.host, detailed.dp.host, `${name}: host memory`);
  }
  expect(fSink.rows).toEqual(dSink.rows);
  expect(fSink.instructions).toEqual(dSink.instructions);

  // Fast mode in slices (the CLI flushes sinks between slices) and with a trace window that starts
  // and ends mid-run, sampled every few cycles: skipping must stop exactly at the window.
  const end = detailed.now;
  const from = seed % Math.max(1, end);
  const to = from + (seed % 37);
  const every = 1 + (seed % 4);
  const window = dSink.rows.filter((r) => r.cycle >= from && r.cycle <= to && (r.cycle - from) % every === 0);
  const sliced = loadMachine(m, "fast");
  const wSink = new RecordingSink(from, to, undefined, every);
  const slice = 1 + (seed % 23);
  let slices = 0;
  while (!sliced.run({ sink: wSink, sliceCycles: slice, maxCycles: 1_000_000 })) slices++;
  expect(slices).toBe(Math.ceil(end / slice) - 1);
  expect(sliced.stats, "sliced fast run: statistics").toEqual(detailed.stats);
  expectSameBits(sliced.dp.acc.data, detailed.dp.acc.data, "sliced fast run: accumulators");
  expectSameBits(sliced.dp.ub, detailed.dp.ub, "sliced fast run: unified buffer");
  expect(wSink.rows, "windowed trace").toEqual(window);
  expect(wSink.instructions).toEqual(dSink.instructions);
  const s = detailed.stats;
  expect(s.matrixBusyCycles + Object.values(s.stalls).reduce((x, y) => x + y, 0)).toBe(s.cycles);
}

/** Runs one case; on failure, the error carries the seed, the machine and the program. */
function checkShape(shape: MachineShape, totals: Totals): void {
  const m = randomMachine(shape);
  try {
    checkEquivalent(m, shape.seed, totals);
  } catch (e) {
    const hw = Object.entries(m.hw).map(([k, v]) => `${k}=${v}`).join(" ");
    const text = `\nmachine ${JSON.stringify(shape)}\n${hw}\n${disassemble(m.program).split("\n").filter((l) => !/^\s*\.f32/.test(l)).join("\n")}`;
    if (e instanceof Error) e.message += text;
    throw e;
  }
}

const shapes = (maxSide: number) =>
  fc.record({
    rows: fc.integer({ min: 1, max: maxSide }),
    cols: fc.integer({ min: 1, max: maxSide }),
    dtype: fc.constantFrom<MachineShape["dtype"]>("int8", "bf16"),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    length: fc.integer({ min: 1, max: 40 }),
    faulty: fc.boolean(),
  });

describe("fast mode == detailed mode", () => {
  it(`on ${RUNS} random programs (grids 1x1..32x32, int8 and bf16, random ports, links, latencies, FIFO depths; half of them poisoned)`, () => {
    const totals: Totals = { programs: 0, faulted: 0, macs: 0, rows: 0 };
    fc.assert(fc.property(shapes(32), (shape) => checkShape(shape, totals)), { numRuns: RUNS, seed: SEED });
    expect(totals.programs).toBe(RUNS);
    expect(totals.faulted).toBeGreaterThan(0);
    expect(totals.faulted).toBeLessThan(RUNS);
    expect(totals.macs).toBeGreaterThan(0);
  }, Math.max(120_000, RUNS * 200));

  it("on a few 128 x 128 machines", () => {
    const totals: Totals = { programs: 0, faulted: 0, macs: 0, rows: 0 };
    for (const [seed, dtype, faulty] of [[11, "bf16", false], [12, "int8", false], [13, "bf16", true]] as const) {
      checkShape({ rows: 128, cols: 128, dtype, seed, length: 30, faulty }, totals);
    }
    expect(totals.macs).toBeGreaterThan(0);
  });
});

/**
 * The project's central guarantee (docs/ARCHITECTURE.md "Fast mode"): for any valid program, fast
 * mode and detailed mode give the same cycle counts, statistics, memories (bit for bit) and
 * per-cycle trace rows. Fast mode is also run without a sink, where it skips from event to event.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectSameBits } from "../helpers/expect-matmul.js";
import { RecordingSink, arbitraryMachineShape, loadMachine, randomMachine, type MachineShape } from "../helpers/programs.js";

const RUNS = Number(process.env.TPUSIM_EQUIVALENCE_RUNS ?? 100);

interface Totals {
  programs: number;
  macs: number;
  rows: number;
}

function checkEquivalent(shape: MachineShape, totals: Totals): void {
  const m = randomMachine(shape);
  const detailed = loadMachine(m, "detailed");
  const fast = loadMachine(m, "fast");
  const skipping = loadMachine(m, "fast");
  const dSink = new RecordingSink();
  const fSink = new RecordingSink();
  expect(detailed.run({ sink: dSink, maxCycles: 1_000_000 })).toBe(true);
  expect(fast.run({ sink: fSink, maxCycles: 1_000_000 })).toBe(true);
  expect(skipping.run({ maxCycles: 1_000_000 })).toBe(true);

  // Not vacuous: the trace has a row per cycle, and a program with a pass did MACs.
  expect(dSink.rows.length).toBe(detailed.stats.cycles);
  expect(dSink.rows.length).toBeGreaterThan(0);
  const passes = m.program.instructions.filter((i) => i.op === "MMUL").length;
  if (passes > 0) expect(detailed.stats.macs).toBeGreaterThan(0);
  totals.programs++;
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
  const from = shape.seed % Math.max(1, end);
  const to = from + (shape.seed % 37);
  const every = 1 + (shape.seed % 4);
  const window = dSink.rows.filter((r) => r.cycle >= from && r.cycle <= to && (r.cycle - from) % every === 0);
  const sliced = loadMachine(m, "fast");
  const wSink = new RecordingSink(from, to, undefined, every);
  const slice = 1 + (shape.seed % 23);
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

describe("fast mode == detailed mode", () => {
  it(`on ${RUNS} random valid programs (grids 1..12 x 1..12, int8 and bf16)`, () => {
    const totals: Totals = { programs: 0, macs: 0, rows: 0 };
    fc.assert(fc.property(arbitraryMachineShape, (shape) => checkEquivalent(shape, totals)), { numRuns: RUNS });
    expect(totals.programs).toBe(RUNS);
    expect(totals.macs).toBeGreaterThan(0);
    expect(totals.rows).toBeGreaterThan(0);
  });
});

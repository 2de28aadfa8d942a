/**
 * Detailed mode against the independent naive register model (issue 13, docs/ARCHITECTURE.md
 * "Verification"): for random programs on grids 1x1..8x8 with random port counts, bandwidths,
 * latencies and FIFO depth, in both dtypes, the simulator's per-cycle trace, statistics, instruction
 * lifetimes and every memory equal the naive chip's, bit for bit; runs that fault fault at the same
 * cycle, unit and instruction, with the same trace before and memories after. On both sides the
 * trace's columns sum to the totals. Seeds: TPUSIM_NAIVE_SEED (fast-check prints the failing one),
 * TPUSIM_NAIVE_RUNS cases (the faulting test runs max(120, RUNS/2)).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../src/config/hw-config.js";
import { RuntimeFault } from "../../src/errors.js";
import { Simulator } from "../../src/sim/controller.js";
import { STALL_CAUSES, TRACE_UNITS as UNITS, type PeTraceRow, type TraceRow, type TraceSink, type TraceUnit } from "../../src/sim/trace.js";
import { NaiveChip, type NaiveCycleRecord, type NaiveFault, type NaiveStats } from "../helpers/naive-chip.js";
import { randomNaiveMachine, type NaiveMachine, type NaiveShape } from "../helpers/naive-programs.js";
import { f32Bits } from "../helpers/reference-matmul.js";

const RUNS = Number(process.env.TPUSIM_NAIVE_RUNS ?? 150);
const SEED = process.env.TPUSIM_NAIVE_SEED === undefined ? undefined : Number(process.env.TPUSIM_NAIVE_SEED);
const MAX_CYCLES = 200_000;
/** Large runs (TPUSIM_NAIVE_RUNS) need more than the suite's 120 s: up to 50 ms a program on a busy machine. */
const TIMEOUT = Math.max(120_000, RUNS * 50);

/** The simulator's trace row as the naive chip's record (the one place that knows both shapes). */
export function recordOf(row: Readonly<TraceRow>): NaiveCycleRecord {
  const r = row as unknown as Record<string, number>;
  return {
    cycle: row.cycle, pc: Array.from(row.pc), state: Array.from(row.state), stall: row.stall, headPc: row.headPc, macs: row.macs,
    fifoTiles: row.fifoTiles, ubReadBytes: r.ubReadBytes, ubWrittenBytes: r.ubWrittenBytes, accReadBytes: r.accReadBytes,
    accWrittenBytes: r.accWrittenBytes, weightReadBytes: r.weightReadBytes, weightWrittenBytes: r.weightWrittenBytes,
    hostReadBytes: r.hostReadBytes, hostWrittenBytes: r.hostWrittenBytes,
  };
}

/** The simulator's RunStats fields the naive chip also counts. */
function statsOf(sim: Simulator): NaiveStats {
  const s = sim.stats as unknown as NaiveStats;
  const { cycles, macs, matrixBusyCycles, stalls, bytes, ops, unitBusyCycles, unitStalledCycles, resourceStalls } = s;
  return { cycles, macs, matrixBusyCycles, stalls, bytes, ops, unitBusyCycles, unitStalledCycles, resourceStalls };
}

class Recorder implements TraceSink {
  readonly from = 0;
  readonly to = Number.POSITIVE_INFINITY;
  readonly every = 1;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  readonly needsFlush = false;
  readonly rows: NaiveCycleRecord[] = [];
  readonly lives: { pc: number; issue: number; complete: number }[] = [];
  cycle(row: Readonly<TraceRow>, count: number): void {
    for (let i = 0; i < count; i++) this.rows.push({ ...recordOf(row), cycle: row.cycle + i });
  }
  pe(_row: Readonly<PeTraceRow>): void {}
  instruction(_unit: TraceUnit, pc: number, _text: string, issue: number, complete: number): void {
    this.lives.push({ pc, issue, complete });
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

function faultOf(e: unknown): NaiveFault {
  if (!(e instanceof RuntimeFault)) throw e;
  const pc = /^pc (\d+):/.exec(e.instruction);
  return { detail: e.detail, cycle: e.cycle, unit: e.unit, pc: pc ? Number(pc[1]) : -1 };
}

const bits = (xs: ArrayLike<number>) => Array.from(xs, f32Bits);
/** Host memory grows to what the program touches; compare with zero padding to the longer one. */
function sameHost(a: Float64Array, b: Float64Array): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i] ?? 0, b[i] ?? 0)) return false; // NaN equals NaN, -0 differs from +0
  return true;
}

interface Totals {
  programs: number;
  faults: number;
  cycles: number;
  macs: number;
  /** Faults by unit (controller: the watchdog). */
  faultUnits: Record<string, number>;
}

const newTotals = (): Totals => ({ programs: 0, faults: 0, cycles: 0, macs: 0, faultUnits: {} });

/** docs/ARCHITECTURE.md "Counters": every counter column of a full-run trace sums to its total. */
const COLUMN_TOTALS = [
  ["macs", (s: NaiveStats) => s.macs],
  ["ubReadBytes", (s: NaiveStats) => s.bytes.unifiedBufferRead],
  ["ubWrittenBytes", (s: NaiveStats) => s.bytes.unifiedBufferWritten],
  ["accReadBytes", (s: NaiveStats) => s.bytes.accumulatorRead],
  ["accWrittenBytes", (s: NaiveStats) => s.bytes.accumulatorWritten],
  ["weightReadBytes", (s: NaiveStats) => s.bytes.weightMemoryRead],
  ["weightWrittenBytes", (s: NaiveStats) => s.bytes.weightMemoryWritten],
  ["hostReadBytes", (s: NaiveStats) => s.bytes.hostRead],
  ["hostWrittenBytes", (s: NaiveStats) => s.bytes.hostWritten],
] as const;

function columnSums(rows: NaiveCycleRecord[], stats: NaiveStats): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [name, total] of COLUMN_TOTALS) out[name] = [rows.reduce((a, r) => a + r[name], 0), total(stats)];
  out.matrixBusy = [rows.filter((r) => r.state[2] === 1).length, stats.matrixBusyCycles];
  out.cycles = [rows.length, stats.cycles];
  // docs/TRACES.md: each unit is busy in exactly its unitBusyCycles; each stall value occurs as often as stalls says.
  UNITS.forEach((u, i) => (out[`busy.${u}`] = [rows.filter((r) => r.state[i] === 1).length, stats.unitBusyCycles[u]]));
  for (const [cause, n] of Object.entries(stats.stalls)) out[`stall.${cause}`] = [rows.filter((r) => STALL_CAUSES[r.stall] === cause).length, n];
  return out;
}

function sumsMatch(sums: Record<string, [number, number]>): Record<string, boolean> {
  return Object.fromEntries(Object.entries(sums).map(([k, [a, b]]) => [k, a === b]));
}

function compare(m: NaiveMachine, shape: NaiveShape, totals: Totals): void {
  const where = `seed ${shape.seed} (${shape.rows}x${shape.cols} ${shape.dtype}, ${shape.length} instructions${m.planted ? `, planted ${m.planted}` : ""})`;
  const chip = new NaiveChip(m.hw, m.program);
  chip.mem.ub.set(m.ub);
  chip.mem.acc.set(m.acc);
  const want = chip.run(MAX_CYCLES);

  const sim = new Simulator(m.hw, { mode: "detailed" });
  const sink = new Recorder();
  let fault: NaiveFault | null = null;
  sim.load(m.program);
  sim.dp.ub.set(m.ub);
  sim.dp.acc.data.set(m.acc);
  try {
    expect(sim.run({ sink, maxCycles: MAX_CYCLES }), where).toBe(true);
  } catch (e) {
    fault = faultOf(e);
  }
  totals.programs++;
  fastAgainst(m, chip, want, where);
  if (want.fault || fault) {
    totals.faults++;
    totals.faultUnits[want.fault?.unit ?? "none"] = (totals.faultUnits[want.fault?.unit ?? "none"] ?? 0) + 1;
    expect(fault && { cycle: fault.cycle, unit: fault.unit, pc: fault.pc }, `${where}: fault (naive: ${want.fault?.detail})`).toEqual(
      want.fault && { cycle: want.fault.cycle, unit: want.fault.unit, pc: want.fault.pc },
    );
    const before = want.fault!.cycle;
    expect(sink.rows.filter((r) => r.cycle < before), `${where}: trace before the fault`).toEqual(want.records);
    sameMemories(sim, chip, where);
    expect(statsOf(sim), `${where}: statistics after the fault`).toEqual(want.stats);
    return;
  }
  totals.cycles += want.stats.cycles;
  totals.macs += want.stats.macs;
  for (let i = 0; i < Math.max(sink.rows.length, want.records.length); i++) {
    if (JSON.stringify(sink.rows[i]) !== JSON.stringify(want.records[i])) {
      expect(sink.rows[i], `${where}: first differing trace row, cycle ${i}`).toEqual(want.records[i]);
    }
  }
  expect(statsOf(sim), `${where}: statistics`).toEqual(want.stats);
  // Both sides: the trace's columns sum to the run's totals (the naive side's are its own sums).
  const allTrue = Object.fromEntries(Object.keys(columnSums(want.records, want.stats)).map((n) => [n, true]));
  expect(sumsMatch(columnSums(sink.rows, statsOf(sim))), `${where}: simulator trace columns vs totals`).toEqual(allTrue);
  expect(sumsMatch(columnSums(want.records, want.stats)), `${where}: naive trace columns vs totals`).toEqual(allTrue);
  const lives = chip.life.map((l, pc) => ({ pc, ...l })).filter((l) => m.program.instructions[l.pc].op !== "NOP" && !["HALT", "SYNC"].includes(m.program.instructions[l.pc].op));
  expect([...sink.lives].sort((a, b) => a.pc - b.pc), `${where}: instruction lifetimes`).toEqual(lives);
  sameMemories(sim, chip, where);
}

/**
 * Fast mode, untraced (its event-driven path), against the same naive run: the same fault and
 * statistics, and without a fault the same memories. (After a fault fast mode's memories are not
 * defined: data move at issue.)
 */
function fastAgainst(m: NaiveMachine, chip: NaiveChip, want: ReturnType<NaiveChip["run"]>, where: string): void {
  const fast = new Simulator(m.hw, { mode: "fast" });
  fast.load(m.program);
  fast.dp.ub.set(m.ub);
  fast.dp.acc.data.set(m.acc);
  let fault: NaiveFault | null = null;
  try {
    fast.run({ maxCycles: MAX_CYCLES });
  } catch (e) {
    fault = faultOf(e);
  }
  expect(fault && { cycle: fault.cycle, unit: fault.unit, pc: fault.pc }, `${where}: fast mode's fault`).toEqual(
    want.fault && { cycle: want.fault.cycle, unit: want.fault.unit, pc: want.fault.pc },
  );
  expect(statsOf(fast), `${where}: fast mode's statistics`).toEqual(want.stats);
  if (want.fault) return;
  sameMemories(fast, chip, `${where} (fast mode)`);
}

/** Every memory, bit for bit (after a fault: as the faulting cycle left them, its writes landed). */
function sameMemories(sim: Simulator, chip: NaiveChip, where: string): void {
  expect(bits(sim.dp.ub), `${where}: unified buffer`).toEqual(bits(chip.mem.ub));
  expect(bits(sim.dp.acc.data), `${where}: accumulators`).toEqual(bits(chip.mem.acc));
  expect(bits(sim.dp.wm.subarray(0, chip.sizes.wm)), `${where}: weight memory`).toEqual(bits(chip.mem.wm));
  expect(sameHost(sim.dp.host, chip.mem.host), `${where}: host memory`).toBe(true);
}

const shapes = (faulty: fc.Arbitrary<boolean>, dtypes: DType[] = ["int8", "bf16"]) =>
  fc.record<NaiveShape>({
    rows: fc.integer({ min: 1, max: 8 }),
    cols: fc.integer({ min: 1, max: 8 }),
    dtype: fc.constantFrom<DType>(...dtypes),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    length: fc.integer({ min: 1, max: 40 }),
    faulty,
  });

describe("detailed mode == the naive register model", () => {
  it(`${RUNS} random programs, grids 1x1..8x8, cycle for cycle and bit for bit`, () => {
    const totals = newTotals();
    const run = (shape: NaiveShape) => compare(randomNaiveMachine(shape), shape, totals);
    fc.assert(fc.property(shapes(fc.integer({ min: 0, max: 5 }).map((x) => x === 0)), run), { numRuns: RUNS, seed: SEED });
    // Not vacuous: most programs ran to HALT and did work.
    expect(totals.programs).toBe(RUNS);
    expect(totals.faults).toBeLessThan(RUNS / 2);
    expect(totals.macs).toBeGreaterThan(0);
  }, TIMEOUT);

  it("runs that fault: the same fault, cycle and instruction", () => {
    const totals = newTotals();
    // bf16: int8 has only operand faults (planted in the random programs above too).
    const runs = Math.max(120, Math.round(RUNS / 2));
    fc.assert(fc.property(shapes(fc.constant(true), ["bf16"]), (shape) => compare(randomNaiveMachine(shape), shape, totals)), { numRuns: runs, seed: SEED });
    expect(totals.faults).toBeGreaterThan(runs / 2);
    // Value faults of every unit and operand faults at issue, not only one kind.
    for (const unit of ["dma", "weights", "activation", "vector"]) expect(totals.faultUnits[unit] ?? 0, unit).toBeGreaterThan(0);
  }, TIMEOUT);
});

describe("the adapter from trace rows to naive records", () => {
  it("maps every counter by name and yields exactly the naive chip's fields", () => {
    const names = ["ubReadBytes", "ubWrittenBytes", "accReadBytes", "accWrittenBytes", "weightReadBytes", "weightWrittenBytes", "hostReadBytes", "hostWrittenBytes"];
    const row = { cycle: 1, pc: Int32Array.from([1, 2, 3, 4, 5]), state: Uint8Array.from([0, 1, 2, 0, 1]), stall: 3, headPc: 4, macs: 5, fifoTiles: 6 } as Record<string, unknown>;
    names.forEach((n, i) => (row[n] = 7 + i));
    const want: Record<string, unknown> = { cycle: 1, pc: [1, 2, 3, 4, 5], state: [0, 1, 2, 0, 1], stall: 3, headPc: 4, macs: 5, fifoTiles: 6 };
    names.forEach((n, i) => (want[n] = 7 + i));
    expect(recordOf(row as unknown as TraceRow)).toEqual(want);
    const m = randomNaiveMachine({ rows: 2, cols: 2, dtype: "bf16", seed: 1, length: 3, faulty: false });
    const naive = new NaiveChip(m.hw, m.program).run().records[0];
    expect(Object.keys(recordOf(row as unknown as TraceRow)).sort()).toEqual(Object.keys(naive).sort());
  });
});

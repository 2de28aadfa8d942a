/**
 * Program builders, a recording trace sink and fast-check arbitraries for random programs
 * (docs/ARCHITECTURE.md "Controller"): every `switch` has a tile, the FIFO never needs a slot that
 * only a later instruction could free, and a VEC source either is its destination or shares no
 * address with it. Without `faulty`, every value stays far from overflow, so the program halts
 * without a fault; with it, the data and some operands are poisoned (infinities, NaN, values that
 * round to bf16 infinity, products that overflow, partly overlapping VEC blocks) so that runs fault.
 */
import fc from "fast-check";
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import { makeInstruction, type Instruction } from "../../src/isa/opcodes.js";
import type { DataSegment, Program } from "../../src/isa/program.js";
import { RuntimeFault } from "../../src/errors.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { runInWindow, type PeTraceRow, type TraceRow, type TraceSink, type TraceUnit } from "../../src/sim/trace.js";
import { Rng, bf16FromBits } from "./reference-matmul.js";

export const ins = makeInstruction;

export function program(instructions: Instruction[], data: DataSegment[] = []): Program {
  return { instructions, data };
}

/**
 * Run `prog` on a new chip until it faults (a halt, or any other error, fails the test) and return
 * the fault's cycle, unit and detail. `setup` runs after loading, before the run.
 */
export function faultOf(hw: HwConfig, prog: Program, mode: SimMode, setup?: (s: Simulator) => void): { cycle: number; unit: string; detail: string } {
  const sim = new Simulator(hw, { mode });
  sim.load(prog);
  setup?.(sim);
  try {
    sim.run({ maxCycles: 10_000 });
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { cycle: e.cycle, unit: e.unit, detail: e.detail };
  }
  throw new Error(`${mode}: expected a RuntimeFault, the run halted at cycle ${sim.now}`);
}

export interface CycleRecord {
  cycle: number;
  pc: number[];
  state: number[];
  stall: number;
  headPc: number;
  macs: number;
  fifoTiles: number;
  ubReadBytes: number;
  ubWrittenBytes: number;
  accReadBytes: number;
  accWrittenBytes: number;
  weightReadBytes: number;
  weightWrittenBytes: number;
  hostReadBytes: number;
  hostWrittenBytes: number;
}

export interface InstructionRecord {
  unit: TraceUnit;
  pc: number;
  text: string;
  issue: number;
  complete: number;
}

/** Keeps a copy of every trace row and instruction lifetime in memory. */
export class RecordingSink implements TraceSink {
  readonly wantsPe: boolean;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  readonly needsFlush = false;
  readonly rows: CycleRecord[] = [];
  readonly instructions: InstructionRecord[] = [];
  readonly pes: PeTraceRow[] = [];

  constructor(
    readonly from = 0,
    readonly to = Number.POSITIVE_INFINITY,
    pe?: { r0: number; r1: number; c0: number; c1: number },
    readonly every = 1,
  ) {
    this.wantsPe = pe !== undefined;
    if (pe) Object.assign(this.peRegion, pe);
  }

  /** A run is kept as one record per cycle (those of the window), as if each cycle were stepped. */
  cycle(row: Readonly<TraceRow>, count: number): void {
    const { start, n } = runInWindow(this, row.cycle, count, { start: 0, n: 0 });
    for (let i = 0; i < n; i++) {
      this.rows.push({ ...row, cycle: start + i * this.every, pc: Array.from(row.pc), state: Array.from(row.state) });
    }
  }
  pe(row: Readonly<PeTraceRow>): void {
    this.pes.push({ ...row });
  }
  instruction(unit: TraceUnit, pc: number, text: string, issue: number, complete: number): void {
    this.instructions.push({ unit, pc, text, issue, complete });
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}

  /** Issue and completion cycles of the instruction at `pc`. */
  life(pc: number): { issue: number; complete: number } {
    const r = this.instructions.find((x) => x.pc === pc);
    if (!r) throw new Error(`instruction ${pc} never completed`);
    return { issue: r.issue, complete: r.complete };
  }
}

/** Load and run to HALT, recording a trace; fails the caller's test on a fault. */
export function runTraced(hw: HwConfig, prog: Program, mode: SimMode, evaluateOrder?: readonly number[]): { sim: Simulator; sink: RecordingSink } {
  const sim = new Simulator(hw, { mode, evaluateOrder });
  const sink = new RecordingSink();
  sim.load(prog);
  // The hand-derived programs run for at most a few thousand cycles; a tight watchdog makes a run
  // that never halts (a mutant under `npm run mutate`) fail in a fraction of a second.
  if (!sim.run({ sink, maxCycles: 100_000 })) throw new Error("run did not halt");
  return { sim, sink };
}

// ---------------------------------------------------------------------------------------------
// Random valid programs.

/** Largest block side the generator uses (tiles on big grids stay small so the regions fit). */
const MAX_SIDE = 16;

/** Memory regions the generator uses (small, so that instructions collide often). */
export const REGION = {
  ub: 320,
  accRows: 40,
  wm: 320,
  /** Host [0, hostIn) is read by RHM and written by WHM; [hostIn, hostIn + hostOut) only written. */
  hostIn: 192,
  hostOut: 192,
} as const;

export interface RandomMachine {
  hw: HwConfig;
  program: Program;
  /** Initial unified buffer and accumulator contents (applied to every simulator before running). */
  ub: Float32Array;
  acc: Float32Array | Int32Array;
}

const p2 = (e: number) => 2 ** e;

/**
 * A value the data type holds exactly, with |v| <= 2^exp. `tiny` machines use magnitudes near
 * 2^-67..2^-87, whose products underflow to subnormals, to zero and to -0.
 */
function representable(rng: Rng, dtype: DType, exp: number, tiny = false): number {
  if (dtype === "int8") return rng.int(-128, 127);
  if (rng.int(0, 15) === 0) return rng.int(0, 1) ? -0 : 0;
  const e = tiny ? rng.int(40, 60) : rng.int(0, 15) === 0 ? rng.int(1, 12) : rng.int(127 - 6, 127 + exp - 1);
  return bf16FromBits((rng.int(0, 1) << 15) | (e << 7) | rng.int(0, 127));
}

/** A host or weight-memory fp32 value: bf16 values, and for int8 halves to exercise round-half-even. */
function sourceValue(rng: Rng, dtype: DType, tiny: boolean): number {
  if (dtype === "int8") return rng.int(0, 3) === 0 ? rng.int(-300, 300) / 2 : rng.int(-140, 140);
  return representable(rng, "bf16", 4, tiny);
}

interface Block {
  addr: number;
  stride: number;
  rows: number;
  cols: number;
}

function block(rng: Rng, size: number, maxRows: number, maxCols: number): Block {
  const rows = rng.int(1, maxRows);
  const cols = rng.int(1, maxCols);
  const stride = rng.int(0, 3) === 0 ? cols + rng.int(0, 4) : rng.int(cols, cols + 1);
  const extent = (rows - 1) * stride + cols;
  return { addr: rng.int(0, Math.max(0, size - extent)), stride, rows, cols };
}

/**
 * Value bounds that make every run finite (bf16 faults on infinities): unified buffer, weight memory
 * and host input stay below 2^17, accumulators below 2^52 (additive growth only), so ACT scales
 * multiply to <= 2^-36, VEC immediates shrink what their function can grow, and VSGD's
 * learning rate is <= 2^-40.
 */
function randomInstruction(rng: Rng, hw: HwConfig, st: { pending: number; active: boolean }, faulty: boolean): Instruction | null {
  const R = Math.min(hw.rows, MAX_SIDE);
  const C = Math.min(hw.cols, MAX_SIDE);
  const poison = (x: number, bad: number) => (faulty && rng.int(0, 7) === 0 ? bad : x);
  const kind = rng.pick(["RHM", "WHM", "WHMA", "RDW", "RDWU", "MMUL", "MMUL", "MMUL", "ACT", "VEC", "VTR", "VSGD", "SYNC", "NOP", "VSMX"]);
  const cap = hw.weightFifoTiles + (st.active ? 1 : 2);
  switch (kind) {
    case "RHM": {
      const h = block(rng, REGION.hostIn, 5, 12);
      const ustride = rng.int(h.cols, h.cols + 3);
      const ub = rng.int(0, REGION.ub - ((h.rows - 1) * ustride + h.cols));
      return ins("RHM", { host: h.addr, hstride: h.stride, ub, ustride, rows: h.rows, cols: h.cols });
    }
    case "WHM": {
      const u = block(rng, REGION.ub, 5, 12);
      const hstride = rng.int(u.cols, u.cols + 3);
      const extent = (u.rows - 1) * hstride + u.cols;
      const host = rng.int(0, 2) === 0 ? rng.int(0, REGION.hostIn - extent) : REGION.hostIn + rng.int(0, REGION.hostOut - extent);
      return ins("WHM", { ub: u.addr, ustride: u.stride, host, hstride, rows: u.rows, cols: u.cols });
    }
    case "WHMA": {
      const rows = rng.int(1, 5);
      const cols = rng.int(1, C);
      const hstride = rng.int(cols, cols + 3);
      const host = REGION.hostIn + rng.int(0, REGION.hostOut - ((rows - 1) * hstride + cols));
      return ins("WHMA", { acc: rng.int(0, REGION.accRows - rows), rows, cols, host, hstride });
    }
    case "RDW":
    case "RDWU": {
      if (st.pending + 1 > cap) return null;
      st.pending++;
      const rows = rng.int(1, R);
      const cols = rng.int(1, C);
      const transpose = rng.int(0, 2) === 0 ? 1 : 0;
      const [sr, sc] = transpose ? [cols, rows] : [rows, cols];
      const stride = rng.int(sc, sc + 2);
      const size = kind === "RDW" ? REGION.wm : REGION.ub;
      const addr = rng.int(0, size - ((sr - 1) * stride + sc));
      return kind === "RDW"
        ? ins("RDW", { wm: addr, wstride: stride, rows, cols, transpose })
        : ins("RDWU", { ub: addr, ustride: stride, rows, cols, transpose });
    }
    case "MMUL": {
      let sw = rng.int(0, 1);
      if (!st.active) sw = 1;
      if (sw && st.pending === 0) return null;
      if (sw) {
        st.pending--;
        st.active = true;
      }
      const rows = rng.int(1, rng.int(0, 3) === 0 ? 14 : 5);
      const cols = rng.int(1, R);
      const ustride = rng.int(0, 3) === 0 ? rng.int(0, 2) : rng.int(cols, cols + 2);
      const ub = rng.int(0, REGION.ub - ((rows - 1) * ustride + cols));
      return ins("MMUL", { ub, ustride, rows, cols, acc: rng.int(0, REGION.accRows - rows), switch: sw, accumulate: rng.int(0, 1) });
    }
    case "ACT": {
      const rows = rng.int(1, 5);
      const cols = rng.int(1, C);
      const ustride = rng.int(cols, cols + 3);
      const inscale = rng.pick([p2(-20), -p2(-12), 1.5 * p2(-30), p2(-36)]);
      const outscale = rng.pick([1, -0.75, 0.5]) * p2(-36) / Math.abs(inscale) * (hw.dtype === "int8" ? p2(30) : 1);
      return ins("ACT", {
        acc: rng.int(0, REGION.accRows - rows), rows, cols, ub: rng.int(0, REGION.ub - ((rows - 1) * ustride + cols)), ustride,
        fn: rng.int(0, 2), inscale: hw.dtype === "int8" ? rng.pick([1, 0.25, p2(-8)]) : poison(inscale, p2(60)), outscale: hw.dtype === "int8" ? rng.pick([1, -0.5, 3]) : poison(outscale, p2(70)),
      });
    }
    case "VEC": {
      const fn = rng.int(0, 5);
      const d = block(rng, REGION.ub, 4, 12);
      const stride = () => rng.int(d.cols, d.cols + 2);
      const extent = (s: number) => (d.rows - 1) * s + d.cols;
      const dEnd = d.addr + extent(d.stride);
      // A source either is the destination (in place) or shares no address with it (the overlap rule).
      const source = (): [number, number] => {
        if (rng.int(0, 3) === 0) return [d.addr, d.stride];
        const s = stride();
        const before = d.addr - extent(s);
        const after = REGION.ub - extent(s) - dEnd;
        if (before < 0 && after < 0) return [d.addr, d.stride];
        return before >= 0 && (after < 0 || rng.int(0, 1) === 0) ? [rng.int(0, before), s] : [dEnd + rng.int(0, after), s];
      };
      const [a, as] = faulty && rng.int(0, 29) === 0 ? [d.addr + 1, d.stride] : source();
      const [b, bs] = source();
      const imm = [rng.pick([0.5, -0.25, 0.375]), rng.pick([0.5, -0.25]), p2(-18) * rng.pick([1, -1.5]), rng.pick([1, -1, 0.5]), p2(-35) * rng.pick([1, -1]), rng.pick([1, -0.5])][fn];
      return ins("VEC", { fn, dst: d.addr, dstride: d.stride, a, astride: as, b, bstride: bs, rows: d.rows, cols: d.cols, imm: poison(imm, p2(100)) });
    }
    case "VTR": {
      const s = block(rng, REGION.ub, 6, 6);
      const dstride = rng.int(s.rows, s.rows + 2);
      const dst = rng.int(0, REGION.ub - ((s.cols - 1) * dstride + s.rows));
      return ins("VTR", { src: s.addr, sstride: s.stride, rows: s.rows, cols: s.cols, dst, dstride });
    }
    case "VSMX": {
      const s = block(rng, REGION.ub, 6, 8);
      const dstride = rng.int(s.cols, s.cols + 2);
      const dst = rng.int(0, REGION.ub - ((s.rows - 1) * dstride + s.cols));
      return ins("VSMX", { src: s.addr, sstride: s.stride, dst, dstride, rows: s.rows, cols: s.cols });
    }
    case "VSGD": {
      const rows = rng.int(1, 5);
      const cols = rng.int(1, C);
      const wstride = rng.int(cols, cols + 3);
      const lr = poison(rng.pick([p2(-40), -p2(-44), 0.75 * p2(-42)]), p2(90));
      return ins("VSGD", { wm: rng.int(0, REGION.wm - ((rows - 1) * wstride + cols)), wstride, acc: rng.int(0, REGION.accRows - rows), rows, cols, lr });
    }
    case "SYNC":
      return ins("SYNC");
    default:
      return ins("NOP");
  }
}

export interface MachineShape {
  rows: number;
  cols: number;
  dtype: DType;
  seed: number;
  length: number;
  /** Poison data and operands so that runs fault (see the file comment). */
  faulty?: boolean;
}

/** Hardware, program and initial memories from a seed; the same seed gives the same machine. */
export function randomMachine(shape: MachineShape): RandomMachine {
  const rng = new Rng(shape.seed);
  const hw = buildHwConfig("small", {
    rows: shape.rows,
    cols: shape.cols,
    dtype: shape.dtype,
    unifiedBufferBytes: 1024 * 2,
    accumulatorRows: 64,
    weightMemoryBytes: 512 * 4,
    weightFifoTiles: rng.int(1, 4),
    weightBytesPerCycle: rng.pick([1, 3, 8, 16, 64, 5]),
    hostBytesPerCycle: rng.pick([1, 4, 16, 32, 3]),
    unifiedBufferReadPorts: rng.pick([1, 2, 2, 3]),
    unifiedBufferWritePorts: rng.pick([1, 1, 2]),
    accumulatorReadPorts: rng.pick([1, 2, 2]),
    activationLatency: rng.int(0, 3),
    vectorLanes: rng.int(1, 8),
    vectorLatency: rng.int(0, 3),
  });
  const st = { pending: 0, active: false };
  const list: Instruction[] = [];
  const faulty = shape.faulty === true;
  while (list.length < shape.length) {
    const i = randomInstruction(rng, hw, st, faulty);
    if (i) list.push(i);
  }
  list.push(ins("HALT"));
  const tiny = rng.int(0, 3) === 0;
  // Faulty machines: a few infinities, NaNs, finite values that round to bf16 infinity, and huge ones.
  const bad = (x: number) => (faulty && rng.int(0, 120) === 0 ? rng.pick([Infinity, NaN, 3.4e38, -3.4e38, p2(100), -p2(100), p2(100), p2(90)]) : x);
  const host = new Float32Array(REGION.hostIn);
  for (let i = 0; i < host.length; i++) host[i] = bad(sourceValue(rng, hw.dtype, tiny));
  const wm = new Float32Array(REGION.wm);
  for (let i = 0; i < wm.length; i++) wm[i] = bad(sourceValue(rng, hw.dtype, tiny));
  const ub = new Float32Array(REGION.ub);
  for (let i = 0; i < ub.length; i++) ub[i] = faulty && hw.dtype === "bf16" && rng.int(0, 60) === 0 ? rng.pick([p2(70), -p2(80)]) : representable(rng, hw.dtype, 8, tiny);
  const accLen = REGION.accRows * hw.cols;
  const acc = hw.dtype === "int8" ? new Int32Array(accLen) : new Float32Array(accLen);
  // + 0: the accumulators never hold -0 (every write normalises it; fast mode relies on that).
  for (let i = 0; i < accLen; i++) acc[i] = hw.dtype === "int8" ? rng.u32() | 0 : representable(rng, "bf16", 16) + 0;
  return {
    hw,
    program: program(list, [
      { memory: "host", address: 0, values: host },
      { memory: "weights", address: 0, values: wm },
    ]),
    ub,
    acc,
  };
}

/** A simulator loaded with a random machine's program and initial memories. */
export function loadMachine(m: RandomMachine, mode: SimMode, evaluateOrder?: readonly number[]): Simulator {
  const sim = new Simulator(m.hw, { mode, evaluateOrder });
  sim.load(m.program);
  sim.dp.ub.set(m.ub);
  sim.dp.acc.data.set(m.acc);
  return sim;
}

export const arbitraryMachineShape: fc.Arbitrary<MachineShape> = fc.record({
  rows: fc.integer({ min: 1, max: 12 }),
  cols: fc.integer({ min: 1, max: 12 }),
  dtype: fc.constantFrom<DType>("int8", "bf16"),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  length: fc.integer({ min: 1, max: 40 }),
});

/**
 * An assembly program for a 3x4 array that uses every unit: RHM, a 2x3 RDW tile and a 3x4 RDWU tile
 * (each shifted once by a switching MMUL), two MMULs, ACT, VEC, VTR, VSMX, VSGD. It halts in both
 * data types.
 */
export const EVERY_UNIT_PROGRAM = `
.host 0
X:  .f32 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20
.weights 0
W:  .f32 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1
.text
    RHM  host=X hstride=4 ub=0 ustride=4 rows=5 cols=4
    RDW  wm=W wstride=3 rows=2 cols=3
    RDWU ub=0 ustride=4 rows=3 cols=4
    MMUL ub=0 ustride=4 rows=5 cols=2 acc=0 switch
    MMUL ub=0 ustride=4 rows=5 cols=3 acc=0 switch accumulate
    ACT  acc=0 rows=5 cols=4 ub=40 ustride=4 fn=relu outscale=0.001
    VEC  fn=add dst=64 dstride=3 a=0 astride=4 b=0 bstride=4 rows=2 cols=3
    VTR  src=0 sstride=4 rows=2 cols=3 dst=80 dstride=2
    VSMX src=0 sstride=4 dst=96 dstride=3 rows=2 cols=3
    VSGD wm=W wstride=3 acc=0 rows=2 cols=3 lr=0.0001
    HALT
`;

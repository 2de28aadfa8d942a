/**
 * Random machines for the naive-chip comparisons: grids 1x1..8x8, 1..3 ports of each kind, integer
 * bandwidths, latencies, FIFO depth, both dtypes, and programs that never deadlock: every `switch`
 * has a tile, and no load needs a FIFO slot or bank only a later instruction could free. Values stay
 * far from overflow (as in programs.ts), except in the `faulty` machines, which plant one fault:
 * overlapping VEC blocks, an impossible shape, an address out of range, or a non-finite bf16 value
 * (from the host, an RDW weight, a VEC / ACT / VSGD / MMUL result that overflows).
 */
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import { makeInstruction as ins, type Instruction } from "../../src/isa/opcodes.js";
import type { Program } from "../../src/isa/program.js";
import { Rng, bf16FromBits } from "./reference-matmul.js";

/** True once HwConfig knows the port counts (the reworked simulator of issue 13). */
export const NEW_TIMING = "unifiedBufferReadPorts" in buildHwConfig("small");

export const REGION = { ub: 320, accRows: 40, wm: 320, hostIn: 192, hostOut: 192 } as const;

export interface NaiveMachine {
  hw: HwConfig;
  program: Program;
  ub: Float32Array;
  acc: Float32Array | Int32Array;
  /** The kind of planted fault, or null. */
  planted: string | null;
}

export interface NaiveShape {
  rows: number;
  cols: number;
  dtype: DType;
  seed: number;
  length: number;
  faulty: boolean;
}

const p2 = (e: number) => 2 ** e;

function representable(rng: Rng, dtype: DType, exp: number, tiny = false): number {
  if (dtype === "int8") return rng.int(-128, 127);
  if (rng.int(0, 15) === 0) return rng.int(0, 1) ? -0 : 0;
  const e = tiny ? rng.int(40, 60) : rng.int(0, 15) === 0 ? rng.int(1, 12) : rng.int(127 - 6, 127 + exp - 1);
  return bf16FromBits((rng.int(0, 1) << 15) | (e << 7) | rng.int(0, 127));
}

function sourceValue(rng: Rng, dtype: DType, tiny: boolean): number {
  if (dtype === "int8") return rng.int(0, 3) === 0 ? rng.int(-300, 300) / 2 : rng.int(-140, 140);
  return representable(rng, "bf16", 4, tiny);
}

/** A rows x cols block with stride >= cols inside [0, size). */
function block(rng: Rng, size: number, maxRows: number, maxCols: number) {
  const rows = rng.int(1, maxRows);
  const cols = rng.int(1, maxCols);
  const stride = rng.int(0, 3) === 0 ? cols + rng.int(0, 4) : rng.int(cols, cols + 1);
  return { addr: rng.int(0, Math.max(0, size - ((rows - 1) * stride + cols))), stride, rows, cols };
}

/** Do the bounding ranges of the block (addr, stride) of d's shape and d intersect (the overlap rule)? */
function sharesRange(addr: number, stride: number, d: { addr: number; stride: number; rows: number; cols: number }): boolean {
  const hi = addr + (d.rows - 1) * stride + d.cols;
  const dhi = d.addr + (d.rows - 1) * d.stride + d.cols;
  return addr < dhi && d.addr < hi;
}

interface GenState {
  pending: number;
  active: boolean;
}

function randomInstruction(rng: Rng, hw: HwConfig, st: GenState): Instruction | null {
  const R = hw.rows;
  const C = hw.cols;
  const kind = rng.pick(["RHM", "WHM", "WHMA", "RDW", "RDWU", "MMUL", "MMUL", "MMUL", "ACT", "ACT", "VEC", "VTR", "VSGD", "SYNC", "NOP", "VSMX"]);
  const cap = hw.weightFifoTiles + (st.active ? 1 : 2);
  switch (kind) {
    case "RHM": {
      const h = block(rng, REGION.hostIn, 5, 12);
      const ustride = rng.int(h.cols, h.cols + 3);
      return ins("RHM", { host: h.addr, hstride: h.stride, ub: rng.int(0, REGION.ub - ((h.rows - 1) * ustride + h.cols)), ustride, rows: h.rows, cols: h.cols });
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
      return ins("WHMA", { acc: rng.int(0, REGION.accRows - rows), rows, cols, host: REGION.hostIn + rng.int(0, REGION.hostOut - ((rows - 1) * hstride + cols)), hstride });
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
      const addr = rng.int(0, (kind === "RDW" ? REGION.wm : REGION.ub) - ((sr - 1) * stride + sc));
      return kind === "RDW" ? ins("RDW", { wm: addr, wstride: stride, rows, cols, transpose }) : ins("RDWU", { ub: addr, ustride: stride, rows, cols, transpose });
    }
    case "MMUL": {
      const sw = st.active ? rng.int(0, 1) : 1;
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
      const outscale = (rng.pick([1, -0.75, 0.5]) * p2(-36)) / Math.abs(inscale);
      const int8 = hw.dtype === "int8";
      return ins("ACT", {
        acc: rng.int(0, REGION.accRows - rows), rows, cols, ub: rng.int(0, REGION.ub - ((rows - 1) * ustride + cols)), ustride, fn: rng.int(0, 2),
        inscale: int8 ? rng.pick([1, 0.25, p2(-8)]) : inscale, outscale: int8 ? rng.pick([1, -0.5, 3]) : outscale,
      });
    }
    case "VEC": {
      const fn = rng.int(0, 5);
      const d = block(rng, REGION.ub, 4, 12);
      const stride = () => rng.int(d.cols, d.cols + 2);
      const as = stride();
      const bs = stride();
      const at = (s: number) => rng.int(0, REGION.ub - ((d.rows - 1) * s + d.cols));
      const imm = [rng.pick([0.5, -0.25, 0.375]), rng.pick([0.5, -0.25]), p2(-18) * rng.pick([1, -1.5]), rng.pick([1, -1, 0.5]), p2(-35) * rng.pick([1, -1]), rng.pick([1, -0.5])][fn];
      // A source's bounding range either misses the destination's or is the same block (in place).
      const source = (s: number): [number, number] => {
        for (let tries = 0; tries < 8 && rng.int(0, 4) !== 0; tries++) {
          const addr = at(s);
          if (!sharesRange(addr, s, d)) return [addr, s];
        }
        return [d.addr, d.stride];
      };
      const [a, astride] = source(as);
      const [b, bstride] = source(bs);
      return ins("VEC", { fn, dst: d.addr, dstride: d.stride, a, astride, b, bstride, rows: d.rows, cols: d.cols, imm });
    }
    case "VTR": {
      const s = block(rng, REGION.ub, 6, 6);
      const dstride = rng.int(s.rows, s.rows + 2);
      return ins("VTR", { src: s.addr, sstride: s.stride, rows: s.rows, cols: s.cols, dst: rng.int(0, REGION.ub - ((s.cols - 1) * dstride + s.rows)), dstride });
    }
    case "VSMX": {
      const s = block(rng, REGION.ub, 6, 8);
      const dstride = rng.int(s.cols, s.cols + 2);
      return ins("VSMX", { src: s.addr, sstride: s.stride, dst: rng.int(0, REGION.ub - ((s.rows - 1) * dstride + s.cols)), dstride, rows: s.rows, cols: s.cols });
    }
    case "VSGD": {
      const rows = rng.int(1, 5);
      const cols = rng.int(1, C);
      const wstride = rng.int(cols, cols + 3); // >= cols: a block overlapping itself is timing-dependent
      const lr = rng.pick([p2(-40), -p2(-44), 0.75 * p2(-42)]);
      return ins("VSGD", { wm: rng.int(0, REGION.wm - ((rows - 1) * wstride + cols)), wstride, acc: rng.int(0, REGION.accRows - rows), rows, cols, lr });
    }
    case "SYNC":
      return ins("SYNC");
    default:
      return ins("NOP");
  }
}

/** One planted fault (an instruction, or a bad host value for a bf16 RHM). */
function plant(rng: Rng, hw: HwConfig, host: Float32Array): { kind: string; instruction: Instruction | null } {
  const kinds = hw.dtype === "bf16"
    ? ["overlap", "shape", "range", "host-inf", "vec-overflow", "act-overflow", "sgd-overflow", "weight-inf", "ub-huge"]
    : ["overlap", "shape", "range"];
  const kind = rng.pick(kinds);
  const ubSize = Math.floor(hw.unifiedBufferBytes / hw.elementBytes);
  switch (kind) {
    case "overlap": {
      const cols = rng.int(2, 6);
      const a = rng.int(0, 100);
      return { kind, instruction: ins("VEC", { fn: 3, dst: a + rng.int(1, cols - 1), dstride: cols, a, astride: cols, b: 0, bstride: 0, rows: rng.int(1, 3), cols }) };
    }
    case "shape":
      return { kind, instruction: ins("ACT", { acc: 0, rows: 1, cols: hw.cols + 1, ub: 0, ustride: hw.cols + 1 }) };
    case "range":
      return { kind, instruction: ins("RHM", { host: 0, hstride: 4, ub: ubSize - rng.int(1, 3), ustride: 4, rows: 1, cols: 4 }) };
    case "host-inf": {
      const at = rng.int(0, 20);
      host[at] = rng.pick([Infinity, -Infinity, NaN, 3.4e38]);
      return { kind, instruction: ins("RHM", { host: 0, hstride: 8, ub: 200, ustride: 8, rows: 3, cols: 8 }) };
    }
    case "sgd-overflow": {
      // w - lr*g with lr near 2^127: infinite, or a finite fp32 master whose bf16 copy is infinite.
      const cols = rng.int(1, hw.cols);
      const lr = rng.pick([2 ** 127, -(2 ** 126) * 1.5, 2 ** 124, 1.99 * 2 ** 126]);
      return { kind, instruction: ins("VSGD", { wm: rng.int(0, 200), wstride: cols, acc: rng.int(0, REGION.accRows - 3), rows: rng.int(1, 3), cols, lr }) };
    }
    case "weight-inf": // a bad weight under an RDW of the program (set in randomNaiveMachine)
    case "ub-huge": // finite bf16 values near the top of the range in the buffer: MMUL and VEC overflow
      return { kind, instruction: null };
    case "vec-overflow":
      return { kind, instruction: ins("VEC", { fn: 3, dst: 250, dstride: 4, a: 0, astride: 4, b: 0, bstride: 0, rows: 2, cols: 4, imm: 2 ** 127 }) };
    default:
      return { kind, instruction: ins("ACT", { acc: 0, rows: 2, cols: 1, ub: 260, ustride: 1, fn: 0, inscale: 1, outscale: 2 ** 127 }) };
  }
}

export interface Ports {
  unifiedBufferReadPorts: number;
  unifiedBufferWritePorts: number;
  accumulatorReadPorts: number;
}

/** The "small" preset with overrides and port counts (spread on when HwConfig does not know them yet). */
export function naiveHw(overrides: Record<string, unknown>, ports: Partial<Ports> = {}): HwConfig {
  const p: Ports = { unifiedBufferReadPorts: 2, unifiedBufferWritePorts: 1, accumulatorReadPorts: 2, ...ports };
  if (NEW_TIMING) return buildHwConfig("small", { ...overrides, ...p });
  return Object.freeze({ ...buildHwConfig("small", overrides), ...p });
}

/** Port counts, bandwidths and the rest, from a seed. */
export function randomNaiveHw(rng: Rng, rows: number, cols: number, dtype: DType): HwConfig {
  const ports = { unifiedBufferReadPorts: rng.int(1, 3), unifiedBufferWritePorts: rng.int(1, 3), accumulatorReadPorts: rng.int(1, 3) };
  const eb = dtype === "int8" ? 1 : 2;
  const base = {
    rows, cols, dtype,
    unifiedBufferBytes: 512 * eb,
    accumulatorRows: 64,
    weightMemoryBytes: 400 * (4 + eb),
    weightFifoTiles: rng.int(1, 4),
    weightBytesPerCycle: rng.pick([1, 2, 3, 8, 16, 64]),
    hostBytesPerCycle: rng.pick([1, 2, 4, 16, 32]),
    activationLatency: rng.int(0, 3),
    vectorLanes: rng.int(1, 8),
    vectorLatency: rng.int(0, 3),
  };
  return naiveHw(base, ports);
}

export function randomNaiveMachine(shape: NaiveShape): NaiveMachine {
  const rng = new Rng(shape.seed);
  const hw = randomNaiveHw(rng, shape.rows, shape.cols, shape.dtype);
  const st: GenState = { pending: 0, active: false };
  const list: Instruction[] = [];
  while (list.length < shape.length) {
    const i = randomInstruction(rng, hw, st);
    if (i) list.push(i);
  }
  const tiny = rng.int(0, 3) === 0;
  const host = new Float32Array(REGION.hostIn);
  for (let i = 0; i < host.length; i++) host[i] = sourceValue(rng, hw.dtype, tiny);
  let planted: string | null = null;
  if (shape.faulty) {
    const p = plant(rng, hw, host);
    if (p.instruction) list.splice(rng.int(0, list.length), 0, p.instruction);
    planted = p.kind;
  }
  list.push(ins("HALT"));
  const wm = new Float32Array(REGION.wm);
  for (let i = 0; i < wm.length; i++) wm[i] = sourceValue(rng, hw.dtype, tiny);
  const ub = new Float32Array(REGION.ub);
  for (let i = 0; i < ub.length; i++) ub[i] = representable(rng, hw.dtype, 8, tiny);
  if (planted === "weight-inf") {
    // A weight whose bf16 copy is infinite under some RDW; it faults when RDW lands it in the FIFO.
    for (const i of list.filter((x) => x.op === "RDW")) wm[i.f.wm + rng.int(0, i.f.rows - 1)] = rng.pick([Infinity, -Infinity, NaN, 3.4e38]);
  }
  if (planted === "ub-huge") for (let n = 0; n < 96; n++) ub[rng.int(0, REGION.ub - 1)] = rng.pick([1.5, -1.75, 1]) * 2 ** 127;
  const accLen = REGION.accRows * hw.cols;
  const acc = hw.dtype === "int8" ? new Int32Array(accLen) : new Float32Array(accLen);
  for (let i = 0; i < accLen; i++) acc[i] = hw.dtype === "int8" ? rng.u32() | 0 : representable(rng, "bf16", 16) + 0;
  return {
    hw,
    program: { instructions: list, data: [{ memory: "host", address: 0, values: host }, { memory: "weights", address: 0, values: wm }] },
    ub,
    acc,
    planted,
  };
}

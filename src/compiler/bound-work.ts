/**
 * What one instruction costs on an otherwise idle machine (docs/BOUND.md, from docs/ARCHITECTURE.md
 * "Timing rules"): its unstalled duration on its unit, and the row accesses, link bytes and port
 * cycles it needs. The lower bound (bound.ts) adds these up; nothing here reads the simulator.
 */
import type { HwConfig } from "../config/hw-config.js";
import { VECTOR_FUNCTIONS, type Instruction } from "../isa/opcodes.js";

/** The units whose busy cycles the bound sums (the shifter is counted by tiles, the controller by issues). */
export type BoundUnit = "dma" | "weightLoader" | "matrix" | "activation" | "vector";

export interface InstructionWork {
  /** The unit that executes it, or null (NOP, SYNC, HALT). */
  readonly unit: BoundUnit | null;
  /**
   * Unstalled duration: tc = t0 + duration - 1 (for MMUL the completion, t0 + B + R + C - 1; the
   * matrix unit itself is busy only B cycles, `issueSlots`).
   */
  readonly duration: number;
  /** Cycles the unit is occupied: it takes its next instruction from t0 + busy. */
  readonly busy: number;
  readonly hostBytes: number;
  readonly channelBytes: number;
  readonly ubReads: number;
  readonly ubWrites: number;
  /** Accumulator read-port cycles it must hold at least. */
  readonly accReads: number;
}

const NONE: InstructionWork = { unit: null, duration: 1, busy: 0, hostBytes: 0, channelBytes: 0, ubReads: 0, ubWrites: 0, accReads: 0 };

const VEC_COPY = VECTOR_FUNCTIONS.indexOf("copy"); // one source

export function instructionWork(ins: Instruction, hw: HwConfig): InstructionWork {
  const f = ins.f;
  const eb = hw.elementBytes;
  const R = hw.rows;
  const C = hw.cols;
  const lanes = hw.vectorLanes;
  const Lv = hw.vectorLatency;
  const g = Math.ceil(f.cols / lanes);
  const w = { ...NONE };
  switch (ins.op) {
    case "RHM":
    case "WHM":
    case "WHMA": {
      const bytes = f.rows * f.cols * (ins.op === "WHMA" ? 4 : eb);
      const d = Math.ceil(bytes / hw.hostBytesPerCycle);
      return { ...w, unit: "dma", duration: d, busy: d, hostBytes: bytes };
    }
    case "RDW": {
      const bytes = f.rows * f.cols * eb;
      const d = Math.ceil(bytes / hw.weightBytesPerCycle);
      return { ...w, unit: "weightLoader", duration: d, busy: d, channelBytes: bytes };
    }
    case "RDWU": {
      const d = f.transpose ? f.cols : f.rows;
      return { ...w, unit: "weightLoader", duration: d, busy: d, ubReads: d };
    }
    case "MMUL":
      // Accumulating: its psum inputs hold a port t0+1..t0+B+C-1; passes issued >= B apart overlap
      // there, so only B of those cycles are its own for certain.
      return { ...w, unit: "matrix", duration: f.rows + R + C, busy: f.rows, ubReads: f.rows, accReads: f.accumulate ? f.rows : 0 };
    case "ACT": {
      const d = f.rows + hw.activationLatency;
      return { ...w, unit: "activation", duration: d, busy: d, ubWrites: f.rows, accReads: f.rows };
    }
    case "VEC": {
      const k = f.fn === VEC_COPY ? 1 : 2;
      const S = f.rows * g;
      const q = Math.ceil(k / hw.unifiedBufferReadPorts);
      const d = q * S + Lv;
      return { ...w, unit: "vector", duration: d, busy: d, ubReads: k * S, ubWrites: S };
    }
    case "VTR": {
      const Sr = f.rows * g;
      const Sw = f.cols * Math.ceil(f.rows / lanes);
      const d = Sr + Lv + Sw;
      return { ...w, unit: "vector", duration: d, busy: d, ubReads: Sr, ubWrites: Sw };
    }
    case "VSMX": {
      const S = f.rows * g;
      const d = 2 * S + Lv;
      return { ...w, unit: "vector", duration: d, busy: d, ubReads: S, ubWrites: S };
    }
    case "VSGD": {
      const bytes = f.rows * f.cols * (8 + eb);
      const d = Math.ceil(bytes / Math.min(hw.weightBytesPerCycle, lanes * (8 + eb)));
      return { ...w, unit: "vector", duration: d, busy: d, channelBytes: bytes, accReads: d };
    }
    default:
      return w;
  }
}

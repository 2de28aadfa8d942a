/**
 * An independent, sequential interpreter of the ISA (src/isa/opcodes.ts, docs/ARCHITECTURE.md
 * "Numerics"): no timing, no pipelines, one instruction at a time, sharing no code with src/hw,
 * src/sim or src/compiler (only src/numerics for the scalar roundings). It is the reference the
 * compiler's programs are checked against.
 *
 * State: host memory and weight memory (fp32), the unified buffer (decoded dtype values in a
 * Float64Array, converted on every write), the accumulators (rows x C, fp32 or int32 values in a
 * Float64Array), and the queue of loaded tiles (RDW/RDWU push; `MMUL switch` pops the oldest and makes
 * it the active tile).
 */
import type { HwConfig } from "../../src/config/hw-config.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import type { Program } from "../../src/isa/program.js";
import { VEC_COPY, activate, convertToDtype, sgdStep, softmaxRow, vectorLane } from "../../src/numerics/vector-ops.js";

const fround = Math.fround;

interface Tile {
  /** R x C, zero outside rows x cols. */
  readonly w: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

export interface InterpreterStats {
  instructions: number;
  /** Multiply-accumulates inside loaded tiles (B * tileRows * tileCols per pass). */
  macs: number;
}

export class InterpreterFault extends Error {
  constructor(
    readonly pc: number,
    readonly op: string,
    detail: string,
  ) {
    super(`pc ${pc} ${op}: ${detail}`);
  }
}

export class IsaInterpreter {
  readonly host: Float32Array;
  readonly weights: Float32Array;
  readonly ub: Float64Array;
  readonly acc: Float64Array;
  readonly fifo: Tile[] = [];
  active: Tile | undefined;
  readonly stats: InterpreterStats = { instructions: 0, macs: 0 };
  private readonly R: number;
  private readonly C: number;
  private readonly bf16: boolean;
  private pc = 0;
  /** Called before each instruction executes (tests use it to observe transient accumulator state). */
  onExecute: ((ins: Instruction, pc: number) => void) | undefined;

  constructor(
    readonly hw: HwConfig,
    hostElements: number,
  ) {
    this.R = hw.rows;
    this.C = hw.cols;
    this.bf16 = hw.dtype === "bf16";
    this.host = new Float32Array(hostElements);
    this.weights = new Float32Array(hw.weightMemoryElements);
    this.ub = new Float64Array(hw.unifiedBufferElements);
    this.acc = new Float64Array(hw.accumulatorRows * hw.cols);
  }

  /** Copy the program's data segments into host or weight memory. */
  loadData(p: Program): void {
    for (const s of p.data) {
      const mem = s.memory === "host" ? this.host : this.weights;
      if (s.address + s.values.length > mem.length) throw new Error(`data segment at ${s.memory} ${s.address} overruns memory`);
      mem.set(s.values, s.address);
    }
  }

  /** Run until HALT (or the end); returns the number of instructions executed. */
  run(p: Program): number {
    this.pc = 0;
    for (const ins of p.instructions) {
      this.stats.instructions++;
      this.onExecute?.(ins, this.pc);
      if (ins.op === "HALT") return this.pc + 1;
      this.execute(ins);
      this.pc++;
    }
    return this.pc;
  }

  private fault(ins: Instruction, detail: string): never {
    throw new InterpreterFault(this.pc, ins.op, detail);
  }

  private index(ins: Instruction, size: number, i: number, what: string): number {
    if (!Number.isInteger(i) || i < 0 || i >= size) this.fault(ins, `${what} address ${i} outside 0..${size - 1}`);
    return i;
  }

  private readUb(ins: Instruction, i: number): number {
    return this.ub[this.index(ins, this.ub.length, i, "unified buffer")];
  }

  private writeUb(ins: Instruction, i: number, v: number): void {
    const x = convertToDtype(v, this.hw.dtype);
    if (this.bf16 && !Number.isFinite(x)) this.fault(ins, `non-finite value ${x} written to the unified buffer`);
    this.ub[this.index(ins, this.ub.length, i, "unified buffer")] = x;
  }

  private accIndex(ins: Instruction, row: number, c: number): number {
    this.index(ins, this.hw.accumulatorRows, row, "accumulator row");
    return row * this.C + c;
  }

  private writeWeight(ins: Instruction, i: number, v: number): void {
    if (this.bf16 && !Number.isFinite(v)) this.fault(ins, `non-finite value ${v} written to weight memory`);
    this.weights[this.index(ins, this.weights.length, i, "weight memory")] = v;
  }

  private execute(ins: Instruction): void {
    const f = ins.f;
    switch (ins.op) {
      case "NOP":
      case "SYNC":
        return;
      case "RHM":
        for (let r = 0; r < f.rows; r++) {
          for (let c = 0; c < f.cols; c++) {
            const v = this.host[this.index(ins, this.host.length, f.host + r * f.hstride + c, "host")];
            this.writeUb(ins, f.ub + r * f.ustride + c, v);
          }
        }
        return;
      case "WHM":
        for (let r = 0; r < f.rows; r++) {
          for (let c = 0; c < f.cols; c++) {
            const v = this.readUb(ins, f.ub + r * f.ustride + c);
            this.host[this.index(ins, this.host.length, f.host + r * f.hstride + c, "host")] = v;
          }
        }
        return;
      case "WHMA":
        if (f.cols > this.C) this.fault(ins, `cols ${f.cols} > C`);
        for (let r = 0; r < f.rows; r++) {
          for (let c = 0; c < f.cols; c++) {
            const v = this.acc[this.accIndex(ins, f.acc + r, c)];
            this.host[this.index(ins, this.host.length, f.host + r * f.hstride + c, "host")] = v;
          }
        }
        return;
      case "RDW":
      case "RDWU":
        return this.loadTile(ins);
      case "MMUL":
        return this.matmul(ins);
      case "ACT":
        if (f.cols > this.C) this.fault(ins, `cols ${f.cols} > C`);
        for (let i = 0; i < f.rows; i++) {
          for (let c = 0; c < f.cols; c++) {
            const a = this.acc[this.accIndex(ins, f.acc + i, c)];
            this.writeUb(ins, f.ub + i * f.ustride + c, activate(a, f.fn, f.inscale, f.outscale, this.hw.dtype));
          }
        }
        return;
      case "VEC":
        for (let i = 0; i < f.rows; i++) {
          for (let c = 0; c < f.cols; c++) {
            const a = this.readUb(ins, f.a + i * f.astride + c);
            const b = f.fn === VEC_COPY ? 0 : this.readUb(ins, f.b + i * f.bstride + c);
            this.writeUb(ins, f.dst + i * f.dstride + c, vectorLane(f.fn, a, b, f.imm, this.hw.dtype));
          }
        }
        return;
      case "VTR": {
        const block: number[] = [];
        for (let r = 0; r < f.rows; r++) for (let c = 0; c < f.cols; c++) block.push(this.readUb(ins, f.src + r * f.sstride + c));
        for (let r = 0; r < f.rows; r++) for (let c = 0; c < f.cols; c++) this.writeUb(ins, f.dst + c * f.dstride + r, block[r * f.cols + c]);
        return;
      }
      case "VSMX": {
        const rows: number[][] = [];
        for (let r = 0; r < f.rows; r++) {
          const x: number[] = [];
          for (let c = 0; c < f.cols; c++) x.push(this.readUb(ins, f.src + r * f.sstride + c));
          rows.push(x);
        }
        const out = new Float64Array(f.cols);
        for (let r = 0; r < f.rows; r++) {
          softmaxRow(rows[r], f.cols, out, this.hw.dtype);
          for (let c = 0; c < f.cols; c++) this.writeUb(ins, f.dst + r * f.dstride + c, out[c]);
        }
        return;
      }
      case "VSGD":
        if (f.cols > this.C) this.fault(ins, `cols ${f.cols} > C`);
        for (let r = 0; r < f.rows; r++) {
          for (let c = 0; c < f.cols; c++) {
            const i = this.index(ins, this.weights.length, f.wm + r * f.wstride + c, "weight memory");
            this.writeWeight(ins, i, sgdStep(this.weights[i], f.lr, this.acc[this.accIndex(ins, f.acc + r, c)]));
          }
        }
        return;
      default:
        this.fault(ins, "unknown instruction");
    }
  }

  private loadTile(ins: Instruction): void {
    const f = ins.f;
    if (f.rows > this.R || f.cols > this.C) this.fault(ins, `tile ${f.rows}x${f.cols} exceeds ${this.R}x${this.C}`);
    const w = new Float64Array(this.R * this.C);
    for (let r = 0; r < f.rows; r++) {
      for (let c = 0; c < f.cols; c++) {
        if (ins.op === "RDW") {
          const i = f.transpose ? f.wm + c * f.wstride + r : f.wm + r * f.wstride + c;
          w[r * this.C + c] = convertToDtype(this.weights[this.index(ins, this.weights.length, i, "weight memory")], this.hw.dtype);
        } else {
          w[r * this.C + c] = this.readUb(ins, f.transpose ? f.ub + c * f.ustride + r : f.ub + r * f.ustride + c);
        }
      }
    }
    this.fifo.push({ w, rows: f.rows, cols: f.cols });
  }

  private matmul(ins: Instruction): void {
    const f = ins.f;
    if (f.cols > this.R) this.fault(ins, `vector of ${f.cols} elements exceeds R = ${this.R}`);
    if (f.switch) {
      const next = this.fifo.shift();
      if (!next) this.fault(ins, "switch with no loaded tile");
      this.active = next;
    }
    const t = this.active;
    if (!t) this.fault(ins, "no active tile");
    const x = new Float64Array(this.R);
    for (let b = 0; b < f.rows; b++) {
      x.fill(0);
      for (let r = 0; r < f.cols; r++) x[r] = this.readUb(ins, f.ub + b * f.ustride + r);
      for (let c = 0; c < this.C; c++) {
        const i = this.accIndex(ins, f.acc + b, c);
        let s = f.accumulate ? this.acc[i] : 0;
        for (let r = 0; r < this.R; r++) {
          const p = x[r] * t.w[r * this.C + c];
          s = this.bf16 ? fround(s + p) : (s + p) | 0;
        }
        const out = this.bf16 ? s + 0 : s;
        if (this.bf16 && !Number.isFinite(out)) this.fault(ins, `non-finite value ${out} written to the accumulators`);
        this.acc[i] = out;
      }
    }
    this.stats.macs += f.rows * t.rows * t.cols;
  }
}

/**
 * Lowers one matrix product C = A (M x K) · B (K x N) to a TPU program for any R x C grid.
 *
 * Transformations: shapes and matrices in, a Program out. A is placed in host memory and moved to
 * the unified buffer (RHM); B is placed in weight memory and streamed as tiles (RDW, rows of B =
 * contraction); each output tile accumulates over k-tiles in the accumulators (MMUL switch,
 * accumulate after the first k-tile) and leaves exactly through WHMA (fp32 or int32, no rounding).
 * Rows of A are processed in chunks that fit half the accumulators; output tiles alternate halves so
 * that one tile's results drain to the host while the next tile computes. Weight loads run ahead of their
 * MMUL by up to weightFifoTiles-1 tiles.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { makeInstruction, type Instruction } from "../isa/opcodes.js";
import type { Program } from "../isa/program.js";

export interface MatmulLayout {
  program: Program;
  /** Host element address of C (M x N, row-major). */
  hostC: number;
  m: number;
  k: number;
  n: number;
}

export function compileMatmul(
  a: Float32Array, m: number, k: number, b: Float32Array, n: number, hw: HwConfig,
): MatmulLayout {
  if (m * k > hw.unifiedBufferElements) {
    throw new UserInputError(`A has ${m * k} elements but the unified buffer holds ${hw.unifiedBufferElements}`, { field: "A" });
  }
  if (k * n > hw.weightMemoryElements) {
    throw new UserInputError(`B has ${k * n} elements but weight memory holds ${hw.weightMemoryElements}`, { field: "B" });
  }
  const R = hw.rows;
  const C = hw.cols;
  const chunk = Math.max(1, Math.min(m, Math.floor(hw.accumulatorRows / 2)));
  const hostA = 0;
  const hostC = m * k;
  const ins: Instruction[] = [];
  ins.push(makeInstruction("RHM", { host: hostA, hstride: k, ub: 0, ustride: k, rows: m, cols: k }, "A -> unified buffer"));

  interface Pass { rdw: Instruction; mmul: Instruction; drain: Instruction | null }
  const passes: Pass[] = [];
  let half = 0;
  for (let m0 = 0; m0 < m; m0 += chunk) {
    const rows = Math.min(chunk, m - m0);
    for (let n0 = 0; n0 < n; n0 += C) {
      const cols = Math.min(C, n - n0);
      const acc = half * Math.floor(hw.accumulatorRows / 2);
      half = hw.accumulatorRows >= 2 ? 1 - half : 0;
      const kTiles = Math.ceil(k / R);
      for (let t = 0; t < kTiles; t++) {
        const k0 = t * R;
        const kr = Math.min(R, k - k0);
        const where = `rows ${m0}..${m0 + rows - 1}, n-tile ${n0 / C + 1}, k-tile ${t + 1}/${kTiles}`;
        passes.push({
          rdw: makeInstruction("RDW", { wm: k0 * n + n0, wstride: n, rows: kr, cols }, `B tile for ${where}`),
          mmul: makeInstruction("MMUL", { ub: m0 * k + k0, ustride: k, rows, cols: kr, acc, switch: 1, accumulate: t > 0 ? 1 : 0 }, where),
          drain: t === kTiles - 1
            ? makeInstruction("WHMA", { acc, rows, cols, host: hostC + m0 * n + n0, hstride: n }, `C rows ${m0}.. -> host`)
            : null,
        });
      }
    }
  }
  const ahead = Math.max(1, hw.weightFifoTiles - 1);
  for (let i = 0; i < Math.min(ahead, passes.length); i++) ins.push(passes[i].rdw);
  for (let i = 0; i < passes.length; i++) {
    ins.push(passes[i].mmul);
    if (i + ahead < passes.length) ins.push(passes[i + ahead].rdw);
    const drain = passes[i].drain;
    if (drain) ins.push(drain);
  }
  ins.push(makeInstruction("HALT"));
  return {
    program: {
      instructions: ins,
      data: [
        { memory: "host", address: hostA, values: a },
        { memory: "weights", address: 0, values: b },
      ],
    },
    hostC,
    m,
    k,
    n,
  };
}

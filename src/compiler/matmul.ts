/**
 * One matrix product C = A (M x K) · B (K x N) as one whole program, for products small enough to
 * sit in host memory at once (tests, benchmarks, `tpusim run`-style programs). `tpusim matmul`
 * streams bigger ones through the same instruction stream (jobs/gemm-stream.ts).
 *
 * Transformations: matrices in, a Program out. A is placed in host memory at 0 (row-major), C after
 * it; B in weight memory at 0. The instructions are gemm-stream.ts's, in full.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { Instruction } from "../isa/opcodes.js";
import type { Program } from "../isa/program.js";
import { planGemm } from "./gemm-plan.js";
import { gemmSteps } from "./gemm-stream.js";

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
  const plan = planGemm({ m, k, n }, hw);
  const hostC = m * k;
  const instructions: Instruction[] = [];
  const steps = gemmSteps(plan, hw, {
    hostA: (block) => block * plan.blockRows * k,
    hostC: (block) => hostC + block * plan.blockRows * n,
  });
  for (const step of steps) instructions.push(step.ins);
  return {
    program: {
      instructions,
      data: [
        { memory: "host", address: 0, values: a },
        { memory: "weights", address: 0, values: b },
      ],
    },
    hostC,
    m,
    k,
    n,
  };
}

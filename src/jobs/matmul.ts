/** `tpusim matmul`: C = A · B for matrices of any shape, tiled onto the simulated array. */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import { compileMatmul } from "../compiler/matmul.js";
import type { Matrix } from "../data/matrix.js";
import type { SimMode } from "../sim/controller.js";
import type { RunSummary } from "../sim/stats.js";
import type { TraceSink } from "../sim/trace.js";
import type { StopFlag } from "./drive.js";
import { checkMatrixValues } from "./matrix-values.js";
import { runProgram, type RunViews } from "./run-program.js";
import type { ArrayView, Timeline } from "../io/report/views.js";

export interface MatmulJob {
  a: Matrix;
  b: Matrix;
  hw: HwConfig;
  mode: SimMode;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  aName?: string;
  bName?: string;
  /** Record views for a report (run-program.ts RunViews). */
  views?: RunViews;
}

export interface MatmulResult {
  c: Matrix;
  m: number;
  k: number;
  n: number;
  cycles: number;
  stats: RunSummary;
  timeline: Timeline | null;
  arrayView: ArrayView | null;
}

export async function matmul(job: MatmulJob): Promise<MatmulResult> {
  const { a, b, hw } = job;
  for (const [m, name, file] of [[a, "A", job.aName], [b, "B", job.bName]] as const) {
    if (m.rows === 0 || m.cols === 0) {
      throw new UserInputError(`${name} is ${m.rows}x${m.cols}, an empty matrix: matmul needs at least one row and one column`, { file });
    }
  }
  if (a.cols !== b.rows) {
    throw new UserInputError(
      `shapes cannot multiply: A is ${a.rows}x${a.cols}, B is ${b.rows}x${b.cols} (A's columns must equal B's rows)`,
      { file: job.bName },
    );
  }
  checkMatrixValues(a, "A", job.aName, hw.dtype);
  checkMatrixValues(b, "B", job.bName, hw.dtype);
  const layout = compileMatmul(Float32Array.from(a.data), a.rows, a.cols, Float32Array.from(b.data), b.cols, hw);
  const run = await runProgram({ program: layout.program, hw, mode: job.mode, maxCycles: job.maxCycles, sink: job.sink, stop: job.stop, views: job.views });
  const out = run.host.subarray(layout.hostC, layout.hostC + a.rows * b.cols);
  return {
    c: { rows: a.rows, cols: b.cols, data: Float64Array.from(out) },
    m: a.rows,
    k: a.cols,
    n: b.cols,
    cycles: run.stats.cycles,
    stats: run.stats,
    timeline: run.timeline,
    arrayView: run.arrayView,
  };
}

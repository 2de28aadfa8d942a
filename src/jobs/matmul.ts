/**
 * `tpusim matmul`: C = A · B for matrices of any shape and size, streamed through the simulated
 * chip (gemm-run.ts): A is read block by block, C written block by block, so memory stays bounded
 * by a few blocks plus B. int8 products are exact int32 values, bf16 products exact fp32 values.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import type { GemmPlan } from "../compiler/gemm-plan.js";
import type { Matrix } from "../data/matrix.js";
import { readMatrix, type MatrixReadOptions } from "../data/matrix.js";
import { createMatrixRowSink, openMatrixRows, type ProductType } from "../data/matrix-stream.js";
import type { SimMode } from "../sim/controller.js";
import type { HardwareSummary } from "../energy/report.js";
import { CaptureSink } from "../io/report/capture-sink.js";
import type { ArrayView, Timeline } from "../io/report/views.js";
import type { TraceSink } from "../sim/trace.js";
import type { StopFlag } from "./drive.js";
import { panelColumns, runGemm } from "./gemm-run.js";
import { checkMatrixValues, checkRowValues } from "./matrix-values.js";
import type { RunViews } from "./run-program.js";
import { ProductScratch } from "../data/product-scratch.js";

interface Shape {
  rows: number;
  cols: number;
}

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
  /** Record a timeline (and in detailed mode the array's registers) for a report. */
  views?: RunViews;
}

export interface MatmulResult {
  c: Matrix;
  m: number;
  k: number;
  n: number;
  cycles: number;
  stats: HardwareSummary;
  timeline: Timeline | null;
  arrayView: ArrayView | null;
}

/** The type the product's exact values have on this machine. */
export function productType(hw: HwConfig): ProductType {
  return hw.dtype === "int8" ? "int32" : "float32";
}

function checkShapes(a: Shape, b: Shape, aName?: string, bName?: string): void {
  for (const [m, name, file] of [[a, "A", aName], [b, "B", bName]] as const) {
    if (m.rows === 0 || m.cols === 0) {
      throw new UserInputError(`${name} is ${m.rows}x${m.cols}, an empty matrix: matmul needs at least one row and one column`, { file });
    }
  }
  if (a.cols !== b.rows) {
    throw new UserInputError(
      `shapes cannot multiply: A is ${a.rows}x${a.cols}, B is ${b.rows}x${b.cols} (A's columns must equal B's rows)`,
      { file: bName },
    );
  }
}

/** In memory: both matrices and the product held whole (small products, tests). */
export async function matmul(job: MatmulJob): Promise<MatmulResult> {
  const { a, b, hw } = job;
  checkShapes(a, b, job.aName, job.bName);
  checkMatrixValues(a, "A", job.aName, hw.dtype);
  checkMatrixValues(b, "B", job.bName, hw.dtype);
  const capture = captureFor(job.views, hw, job.mode, job.sink);
  const c = new Float64Array(a.rows * b.cols);
  const r = await runGemm({
    hw,
    mode: job.mode,
    m: a.rows,
    k: a.cols,
    n: b.cols,
    readA: (r0, rows, host, at) => host.set(a.data.subarray(r0 * a.cols, (r0 + rows) * a.cols), at),
    b: Float32Array.from(b.data),
    onRows: (r0, rows, host, at, c0, cols) => {
      for (let r = 0; r < rows; r++) c.set(host.subarray(at + r * cols, at + (r + 1) * cols), (r0 + r) * b.cols + c0);
    },
    maxCycles: job.maxCycles,
    sink: capture ?? job.sink,
    stop: job.stop,
  });
  const end = r.stats.cycles;
  return {
    c: { rows: a.rows, cols: b.cols, data: c },
    m: a.rows,
    k: a.cols,
    n: b.cols,
    cycles: end,
    stats: r.stats,
    timeline: capture?.timeline("the whole run", end) ?? null,
    arrayView: capture?.arrayView(end) ?? null,
  };
}

/** The report's recorder (forwarding to the user's trace sink), when a report or --json wants views. */
function captureFor(views: RunViews | undefined, hw: HwConfig, mode: SimMode, sink: TraceSink | undefined): CaptureSink | null {
  if (!views) return null;
  const array = views.array && mode === "detailed" ? { ...views.array, arrayRows: hw.rows, arrayCols: hw.cols, dtype: hw.dtype } : undefined;
  return new CaptureSink({ timeline: { from: 0 }, array, forward: sink });
}

export interface MatmulFilesJob {
  aPath: string;
  bPath: string;
  outPath: string;
  hw: HwConfig;
  mode: SimMode;
  maxCycles?: number;
  sink?: TraceSink;
  stop?: StopFlag;
  /** Fraction of C's rows written. */
  onProgress?: (fraction: number) => void;
  /** Record a timeline (and in detailed mode the array's registers) for a report. */
  views?: RunViews;
  /** CSV inputs: a header row to skip. */
  csv?: MatrixReadOptions;
}

export interface MatmulFilesResult {
  m: number;
  k: number;
  n: number;
  outType: ProductType;
  plan: GemmPlan;
  /** Weight-memory panels of B's columns (1 when B fits). */
  panels: number;
  instructions: number;
  stats: HardwareSummary;
  timeline: Timeline | null;
  arrayView: ArrayView | null;
}

/** From files to a file: A's rows are read as the chip needs them and C's rows written as they drain. */
export async function matmulFiles(job: MatmulFilesJob): Promise<MatmulFilesResult> {
  const a = openMatrixRows(job.aPath, job.csv);
  try {
    const b = readMatrix(job.bPath, job.csv);
    checkShapes(a, b, job.aPath, job.bPath);
    checkMatrixValues(b, "B", job.bPath, job.hw.dtype);
    const capture = captureFor(job.views, job.hw, job.mode, job.sink);
    const outType = productType(job.hw);
    const out = createMatrixRowSink(job.outPath, a.rows, b.cols, outType);
    // B wider than weight memory runs in column panels: C's rows are complete after the last one.
    const panelled = panelColumns(job.hw, a.cols, b.cols) < b.cols;
    const scratch = panelled ? new ProductScratch(a.rows, b.cols, outType) : null;
    try {
      const r = await runGemm({
        hw: job.hw,
        mode: job.mode,
        m: a.rows,
        k: a.cols,
        n: b.cols,
        readA: (r0, rows, host, at) => {
          a.readRows(r0, rows, host, at);
          // A is never whole in memory: each block is checked as it arrives, before the chip sees it.
          checkRowValues(host, at, rows, a.cols, r0, "A", job.aPath, job.hw.dtype);
        },
        b: Float32Array.from(b.data),
        onRows: (r0, rows, host, at, c0, cols) => (scratch ? scratch.put(r0, rows, host, at, c0, cols) : out.writeRows(host, at, rows)),
        maxCycles: job.maxCycles,
        sink: capture ?? job.sink,
        stop: job.stop,
        onProgress: (done, cEnd) => job.onProgress?.((done / a.rows) * (cEnd / b.cols)),
      });
      if (scratch) await scratch.copyTo(out);
      await out.close();
      const end = r.stats.cycles;
      return {
        m: a.rows,
        k: a.cols,
        n: b.cols,
        outType,
        plan: r.plan,
        panels: r.panels,
        instructions: r.instructions,
        stats: r.stats,
        timeline: capture?.timeline("the whole run", end) ?? null,
        arrayView: capture?.arrayView(end) ?? null,
      };
    } catch (err) {
      await out.abort().catch(() => undefined);
      throw err;
    } finally {
      scratch?.close();
    }
  } finally {
    a.close();
  }
}

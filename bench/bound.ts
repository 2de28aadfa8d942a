/**
 * `npm run bench -- --only bound`: every shipped MLP's steady training step (and the TPU v1 MLPs' inference)
 * and a few `tpusim matmul` GEMMs at several array sizes: simulated cycles (fast mode), the lower
 * bound (docs/BOUND.md), their ratio and the binding term. Cycle figures, not speed: they do not
 * depend on the host's load.
 *   node dist/bench/run.js --only bound [--arrays 8x8,16x16,128x128,256x256] [--json]
 * TPUSIM_GRADIENT_FORM=plain|transposed measures the training steps with that weight-gradient form
 * forced wherever possible (the compiler's choice otherwise; docs/BOUND.md "The transposed gradient").
 */
import { compileInference } from "../src/compiler/index.js";
import { gemmBound, runGemm } from "../src/jobs/gemm-run.js";
import { resolveHardware } from "../src/jobs/hardware.js";
import { NetworkOnChip } from "../src/jobs/network.js";
import { measureBound } from "../src/jobs/program-bound.js";
import { loadWorkload } from "../src/workloads/spec.js";

export interface BoundRow {
  what: string;
  array: string;
  kind: "train step" | "inference" | "gemm";
  cycles: number;
  bound: number;
  ratio: number;
  binding: string;
}

export const TRAINED = ["mnist-784-16-16-10", "mnist-784-128-10", "mnist-784-128-10-ce", "mnist-784-256-256-10"];
export const INFERRED = ["tpu-v1-mlp0", "tpu-v1-mlp1"];
/** M x K x N: a batch of MNIST images through a 256-wide layer, and a square product. */
export const GEMMS = [[1024, 784, 256], [512, 512, 512]] as const;

export async function boundTable(arrays: readonly string[], onRow: (r: BoundRow) => void): Promise<BoundRow[]> {
  const rows: BoundRow[] = [];
  const add = (r: BoundRow) => {
    rows.push(r);
    onRow(r);
  };
  for (const [list, kind] of [[TRAINED, "train step"], [INFERRED, "inference"]] as const) {
    for (const name of list) {
      const spec = loadWorkload(`workloads/${name}.json`);
      for (const array of arrays) {
        const hw = resolveHardware({ array }, spec.hardware);
        // A training step is the program most steps of a run execute (the steady prefetching step
        // when the network prefetches), measured against its own bound, as `train` reports per step.
        const program = kind === "train step" ? new NetworkOnChip(spec, hw, "fast", "train-step").typicalStepProgram() : compileInference(spec, hw).program;
        const r = measureBound(program, hw);
        add({ what: name, array, kind, cycles: r.cycles, bound: r.bound.cycles, ratio: r.ratio ?? Number.NaN, binding: r.bound.binding });
      }
    }
  }
  for (const [m, k, n] of GEMMS) {
    for (const array of arrays) {
      const hw = resolveHardware({ array }, { preset: "tpu-v2", overrides: {} });
      const run = await runGemm({ hw, mode: "fast", m, k, n, readA: () => {}, b: new Float32Array(k * n), onRows: () => {} });
      const bound = gemmBound(hw, m, k, n);
      if (bound === null) continue;
      const cycles = run.stats.cycles;
      add({ what: `${m}x${k}x${n}`, array, kind: "gemm", cycles, bound: bound.cycles, ratio: cycles / bound.cycles, binding: bound.binding });
    }
  }
  return rows;
}

/** A markdown table row, as docs/BOUND.md shows it. */
export function boundMarkdown(r: BoundRow): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `| ${r.what} | ${r.kind} | ${r.array} | ${n(r.cycles)} | ${n(r.bound)} | ${r.ratio.toFixed(2)} | ${r.binding} |`;
}

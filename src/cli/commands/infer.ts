/** `tpusim infer WORKLOAD.json`: inference on the chip with the TPU v1 paper's counters (Table 3). */
import type { Argv } from "yargs";
import { readWeights } from "../../data/weights.js";
import { withDtype } from "../../jobs/eval.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { infer, type InferResult } from "../../jobs/infer.js";
import type { PaperCounters } from "../../jobs/paper-counters.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { hardwareFlags, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { positiveInt, withWorkloadOverrides } from "./workload-options.js";

export const command = "infer <workload>";
export const describe = "run inference on the chip (int8 machines: post-training quantization) and report the TPU v1 paper's counters";

export function builder(y: Argv) {
  return withTrace(withRun(withHardware(withJson(y)), "fast"))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec" })
    .option("weights", { type: "string", describe: "weights file written by train --save (default: the workload's seeded initialisation)" })
    .option("samples", { type: "number", describe: "samples to run (default: the test split: MNIST's 10000, or the workload's random samples)" })
    .option("batch", { type: "number", describe: "batch size (default: the workload's)" })
    .option("check", { type: "boolean", default: false, describe: "compare every output with the same-numerics golden model, bit for bit" })
    .check(positiveInt(["samples", "batch"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const spec = withWorkloadOverrides(loadWorkload(argv.workload as string), argv);
  const params = argv.weights === undefined ? undefined : readWeights(argv.weights as string, spec);
  // As eval: the workload's dtype unless --dtype says otherwise.
  const flags = hardwareFlags(argv);
  const hw = withDtype(resolveHardware({ ...flags, dtype: undefined }, spec.hardware), (flags.dtype ?? spec.dtype) as "int8" | "bf16");
  const mode = argv.mode as SimMode;
  const sink = traceSinkFrom(argv, mode);
  const r = await withSink(sink, () =>
    infer({ spec, hw, mode, params, samples: argv.samples as number | undefined, check: argv.check as boolean, sink, maxCycles: argv["max-cycles"] as number, stop: stopFlag }),
  );
  emit(argv.json as boolean, { ...r, cycles: r.stats.cycles }, () => formatInference(r));
}

function formatInference(r: InferResult): string {
  const hw = r.hardware;
  const split = r.microBatch < r.batch ? ` (micro-batches of ${r.microBatch})` : "";
  const lines = [
    `${r.workload}: ${r.dtype} inference of ${fmtInt(r.samples)} samples in ${r.batches} batch(es) of ${r.batch}${split}, ${r.weights} weights`,
    `on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} at ${hw.clockMHz} MHz (${r.mode} mode)`,
  ];
  if (r.accuracy !== null) lines.push(`test accuracy ${fmtPct(r.accuracy)} (loss ${r.loss!.toFixed(4)})`);
  if (r.check) {
    lines.push(r.check.mismatches === 0 ? `check: all ${fmtInt(r.check.outputs)} outputs equal the golden model bit for bit` : `check: ${fmtInt(r.check.mismatches)} of ${fmtInt(r.check.outputs)} outputs differ from the golden model; first: ${r.check.first}`);
  }
  lines.push("", "TPU v1 paper counters (Table 3), % of all cycles:", formatCounters(r.counters), "", formatStats(r.stats));
  const w = r.wallSeconds;
  lines.push(`wall time ${(w.prepare + w.simulate + w.check).toFixed(2)} s (prepare ${w.prepare.toFixed(2)} s, simulate ${w.simulate.toFixed(2)} s${r.check ? `, check ${w.check.toFixed(2)} s` : ""})`);
  return lines.join("\n");
}

export function formatCounters(c: PaperCounters): string {
  const rows: [string, string][] = [
    ["array active cycles", fmtPct(c.arrayActive)],
    ["useful MACs (% of peak)", fmtPct(c.usefulMacs)],
    ["unused MACs", fmtPct(c.unusedMacs)],
    ["weight stall cycles", fmtPct(c.weightStall)],
    ["weight shift cycles", fmtPct(c.weightShift)],
    ["non-matrix cycles", fmtPct(c.nonMatrix)],
    ["  RAW stalls", fmtPct(c.rawStalls)],
    ["  input data stalls", fmtPct(c.inputStalls)],
    ["TOPS", `${c.tops.toFixed(2)} of ${c.peakTops.toFixed(2)} peak`],
  ];
  return rows.map(([k, v]) => `  ${k.padEnd(26)}${v.padStart(22)}`).join("\n");
}

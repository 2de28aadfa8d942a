/** `tpusim eval WORKLOAD.json --weights W`: test-set accuracy of saved weights on the chip. */
import type { Argv } from "yargs";
import { readWeights } from "../../data/weights.js";
import { evaluateWeights, withDtype } from "../../jobs/eval.js";
import { resolveHardware } from "../../jobs/hardware.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, fmtPct } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";
import { progressBar } from "../progress.js";
import { formatSettings, positiveInt, settingsUsed, withTrainingOverrides, withWorkloadOverrides } from "./workload-options.js";

export const command = "eval <workload>";
export const describe = "test-set accuracy of saved weights; --dtype int8 runs post-training-quantized inference (TPU v1 style)";

export function builder(y: Argv) {
  return withReport(withTrainingOverrides(withTrace(withRun(withHardware(withJson(y)), "fast"))))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec the weights were trained with" })
    .option("weights", { type: "string", demandOption: true, describe: "weights file written by train --save" })
    .option("test-limit", { type: "number", describe: "evaluate on the first N test images" })
    .check(positiveInt(["test-limit"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  refuseClobber([named("the workload", argv.workload), named("--weights", argv.weights)], [...traceOutputs(argv), reportOutput(argv)]);
  const json = argv.json as boolean;
  const spec = withWorkloadOverrides(loadWorkload(argv.workload as string), argv);
  const settings = settingsUsed(spec, argv, ["learningRate", "seed", "batch"]);
  const params = readWeights(argv.weights as string, spec);
  const flags = hardwareFlags(argv);
  const dtype = (flags.dtype ?? spec.dtype) as "int8" | "bf16";
  const hw = withDtype(resolveHardware({ ...flags, dtype: undefined }, spec.hardware), dtype);
  const mode = argv.mode as SimMode;
  const report = reportPath(argv.report);
  const sink = traceSinkFrom(argv, mode);
  const bar = progressBar(!json && !(argv.quiet as boolean), 1, "eval |{bar}| {value}/{total} images", { label: "eval", unit: "images" });
  const onProgress = (done: number, total: number) => (bar.setTotal(total), bar.update(done));
  const r = await withSink(sink, () =>
    evaluateWeights({ spec, hw, params, mode, testLimit: argv["test-limit"] as number | undefined, stop: stopFlag, sink, maxCycles: argv["max-cycles"] as number, onProgress, views: report !== undefined || json }),
  ).finally(() => bar.stop());
  const output = { command: "eval" as const, ...r, mode, settings, cycles: r.stats.cycles };
  const reported = await writeReport(report, output);
  emit(json, output, () =>
    `${r.workload}: ${r.dtype} test accuracy ${fmtPct(r.accuracy)} on ${r.images} images (loss ${r.loss.toFixed(4)})\n` +
    `on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode)\n` +
    `settings: ${formatSettings(settings)}; inference uses only the batch (the learning rate and seed are training settings)\n${formatStats(r.stats)}` +
    (reported ? `\n${reported}` : ""),
    [...traceFiles(argv), ...reportFiles(report)],
  );
}

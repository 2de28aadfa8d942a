/** `tpusim eval WORKLOAD.json --weights W`: test-set accuracy of saved weights on the chip. */
import type { Argv } from "yargs";
import { readWeights } from "../../data/weights.js";
import { evaluateWeights, withDtype } from "../../jobs/eval.js";
import { resolveHardware } from "../../jobs/hardware.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, fmtPct } from "../output.js";
import { hardwareFlags, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { positiveInt } from "./workload-options.js";
import { reportPath, withReport, writeReport } from "../report-option.js";

export const command = "eval <workload>";
export const describe = "test-set accuracy of saved weights; --dtype int8 runs post-training-quantized inference (TPU v1 style)";

export function builder(y: Argv) {
  return withReport(withTrace(withRun(withHardware(withJson(y)), "fast")))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec the weights were trained with" })
    .option("weights", { type: "string", demandOption: true, describe: "weights file written by train --save" })
    .option("test-limit", { type: "number", describe: "evaluate on the first N test images" })
    .check(positiveInt(["test-limit"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const spec = loadWorkload(argv.workload as string);
  const params = readWeights(argv.weights as string, spec);
  const flags = hardwareFlags(argv);
  const dtype = (flags.dtype ?? spec.dtype) as "int8" | "bf16";
  const hw = withDtype(resolveHardware({ ...flags, dtype: undefined }, spec.hardware), dtype);
  const mode = argv.mode as SimMode;
  const report = reportPath(argv.report, [argv.workload, argv.weights, argv.trace]);
  const sink = traceSinkFrom(argv, mode);
  const r = await withSink(sink, () =>
    evaluateWeights({ spec, hw, params, mode, testLimit: argv["test-limit"] as number | undefined, stop: stopFlag, sink, maxCycles: argv["max-cycles"] as number, views: report !== undefined || (argv.json as boolean) }),
  );
  const output = { command: "eval" as const, ...r, mode, cycles: r.stats.cycles };
  const reported = await writeReport(report, output);
  emit(argv.json as boolean, output, () =>
    `${r.workload}: ${r.dtype} test accuracy ${fmtPct(r.accuracy)} on ${r.images} images (loss ${r.loss.toFixed(4)})\n` +
    `on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode)\n${formatStats(r.stats)}` + (reported ? `\n${reported}` : ""),
  );
}

/** `tpusim train WORKLOAD.json`: train on the simulated chip; loss, accuracy and a hardware summary. */
import { boundText } from "../../jobs/program-bound.js";
import asciichart from "asciichart";
import type { Argv } from "yargs";
import { weightsToJson } from "../../data/weights.js";
import { checkWritable, writeFileAtomic } from "../../io/atomic-write.js";
import { resolveHardware } from "../../jobs/hardware.js";
import { LOSS_CURVE_WINDOW, train, type EpochResult } from "../../jobs/train.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { hardwareFlags, traceFiles, traceOutputs, traceSinkFrom, withHardware, withJson, withRun, withSink, withTrace } from "../options.js";
import { named, refuseClobber } from "../output-paths.js";
import { progressBar, progressLines } from "../progress.js";
import { formatStats } from "../stats-text.js";
import { stopFlag } from "../stop.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";
import { formatSettings, positiveInt, settingsUsed, withTrainingOverrides, withWorkloadOverrides } from "./workload-options.js";

export const command = "train <workload>";
export const describe = "train a workload on the simulated TPU (MNIST), then evaluate it on the test set";

export function builder(y: Argv) {
  return withReport(withTrainingOverrides(withTrace(withRun(withHardware(withJson(y)), "fast"))))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec (workloads/*.json)" })
    .option("epochs", { type: "number", describe: "epochs (default: the workload's)" })
    .option("batch", { type: "number", describe: "batch size (default: the workload's)" })
    .option("train-limit", { type: "number", describe: "use only the first N training images" })
    .option("test-limit", { type: "number", describe: "evaluate on the first N test images" })
    .option("save", { type: "string", describe: "write the trained fp32 weights to this JSON file" })
    .check(positiveInt(["epochs", "batch", "train-limit", "test-limit"]));
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const json = argv.json as boolean;
  const quiet = json || (argv.quiet as boolean);
  refuseClobber([named("the workload", argv.workload)], [named("--save", argv.save), ...traceOutputs(argv), reportOutput(argv)]);
  const base = loadWorkload(argv.workload as string);
  const spec = withWorkloadOverrides(base, argv);
  const hw = resolveHardware(hardwareFlags(argv), spec.hardware);
  const mode = argv.mode as SimMode;
  // A --save path that cannot be written fails now, not after the whole training run.
  if (argv.save) checkWritable(argv.save as string);
  const report = reportPath(argv.report);
  const sink = traceSinkFrom(argv, mode);
  const started = performance.now();
  const log = (s: string) => {
    if (!quiet) process.stderr.write(s + "\n");
  };
  const settings = settingsUsed(spec, argv, ["learningRate", "seed", "batch", "epochs"]);
  const bar = progressBar(!quiet, 1, "epoch {epoch} |{bar}| {value}/{total} batches | {ips} images/s | {cycles} cycles | loss {loss}");
  log(`training ${spec.name} on ${hw.name} ${hw.rows}x${hw.cols} ${hw.dtype} (${mode} mode), batch ${spec.batch}, lr ${spec.learningRate}, seed ${spec.seed}, ${spec.epochs} epoch(s)`);
  const lines = progressLines(!quiet, "train", "steps");
  let barTotal = 0;
  const result = await withSink(sink, () =>
    train({
      spec,
      hw,
      mode,
      epochs: spec.epochs,
      trainLimit: argv["train-limit"] as number | undefined,
      testLimit: argv["test-limit"] as number | undefined,
      maxCycles: argv["max-cycles"] as number,
      sink,
      stop: stopFlag,
      views: report !== undefined || json,
      onProgress: (p) => {
        if (barTotal !== p.batches) {
          barTotal = p.batches;
          bar.setTotal(p.batches);
        }
        const secs = (performance.now() - started) / 1000;
        bar.update(p.batch, { epoch: p.epoch, ips: Math.round(p.images / Math.max(secs, 1e-3)), cycles: fmtInt(p.cycles), loss: p.loss.toFixed(4) });
        lines.update((p.epoch - 1) * p.batches + p.batch, spec.epochs * p.batches, `epoch ${p.epoch}, loss ${p.loss.toFixed(4)}`);
      },
      onEpoch: (e) => {
        bar.stop();
        log(formatEpoch(e));
      },
    }),
  );
  bar.stop();
  if (argv.save) writeFileAtomic(argv.save as string, weightsToJson(spec, result.params));
  const wall = (performance.now() - started) / 1000;
  const { params: _params, ...rest } = result;
  const output = { command: "train" as const, ...rest, settings, cycles: result.stats.cycles, saved: argv.save ?? null, wallSeconds: wall };
  const reported = await writeReport(report, output);
  emit(json, output, () => {
    const lines = [`epoch  loss     train acc  test acc   cycles`];
    for (const e of result.epochs) {
      const test = e.testAccuracy === null ? "     -    " : fmtPct(e.testAccuracy).padStart(9);
      lines.push(`${String(e.epoch).padStart(5)}  ${e.loss.toFixed(4)}  ${fmtPct(e.trainAccuracy).padStart(9)}  ${test}  ${fmtInt(e.cycles)}`);
    }
    if (result.lossCurve.length > 1) {
      const curve = downsample(result.lossCurve, 72);
      lines.push("", `training loss, mean of every ${LOSS_CURVE_WINDOW * Math.ceil(result.lossCurve.length / 72)} steps:`,
        asciichart.plot(curve, { height: 10, format: (x: number) => x.toFixed(4).padStart(8) }));
    }
    lines.push("", `settings: ${formatSettings(settings)}`);
    lines.push("", `hardware (training steps only), ${result.steps} steps of batch ${result.batch}:`, formatStats(result.stats));
    if (result.perStep) lines.push(`per training step: ${boundText(result.perStep)}`);
    if (argv.save) lines.push("", `weights saved to ${argv.save}`);
    if (reported) lines.push(reported);
    lines.push(`wall time ${wall.toFixed(1)} s`);
    return lines.join("\n");
  }, [...(argv.save ? [{ role: "weights", path: argv.save as string }] : []), ...traceFiles(argv), ...reportFiles(report)]);
}

function formatEpoch(e: EpochResult): string {
  const test = e.testAccuracy === null ? "" : `  test accuracy ${fmtPct(e.testAccuracy)}`;
  return `epoch ${e.epoch}: loss ${e.loss.toFixed(4)}  train accuracy ${fmtPct(e.trainAccuracy)}${test}  (cycles so far ${fmtInt(e.cycles)})`;
}

/** At most `width` points: means of consecutive groups (a terminal is only so wide). */
function downsample(values: readonly number[], width: number): number[] {
  const group = Math.ceil(values.length / width);
  const out: number[] = [];
  for (let i = 0; i < values.length; i += group) {
    const part = values.slice(i, i + group);
    out.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  return out;
}

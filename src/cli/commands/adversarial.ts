/**
 * `tpusim adversarial WORKLOAD.json --weights W`: a perturbation, built from the input gradient the
 * chip computes, that changes the network's answer; or (--sweep-epsilons) the success rate per
 * epsilon over many test images.
 */
import asciichart from "asciichart";
import type { Argv } from "yargs";
import { loadMnist } from "../../data/mnist.js";
import { readWeights } from "../../data/weights.js";
import { attackOne, sweepEpsilons, type SingleAttackResult, type SweepResult } from "../../jobs/adversarial.js";
import { resolveHardware } from "../../jobs/hardware.js";
import type { SimMode } from "../../sim/controller.js";
import { loadWorkload } from "../../workloads/spec.js";
import { fmtJoules } from "../energy-text.js";
import { emit, fmtInt, fmtPct } from "../output.js";
import { UsageError, hardwareFlags, withHardware, withJson } from "../options.js";
import { progressBar } from "../progress.js";
import { stopFlag } from "../stop.js";
import { named, refuseClobber } from "../output-paths.js";
import { checkDigitPaths, confidenceTable, digitArt, digitOutputs, saveDigits, sideBySide } from "./digit-image.js";
import { positiveInt } from "./workload-options.js";
import { reportFiles, reportOutput, reportPath, withReport, writeReport } from "../report-option.js";

const TEST_IMAGES = 10_000;

export const command = "adversarial <workload>";
export const describe = "fool a trained network: fast gradient sign (or iterated) perturbations from the input gradient computed on the chip";

export function builder(y: Argv) {
  return withReport(withHardware(withJson(y)))
    .positional("workload", { type: "string", demandOption: true, describe: "workload spec the weights were trained with" })
    .option("weights", { type: "string", demandOption: true, describe: "weights file written by train --save" })
    .option("image", { type: "number", default: 0, describe: "index of the MNIST test image to perturb" })
    .option("target", { type: "number", describe: "digit to pull the image towards (default: push it away from its label)" })
    .option("epsilon", { type: "number", default: 0.1, describe: "largest change of any pixel (L-inf), pixels in [0, 1]" })
    .option("steps", { type: "number", default: 1, describe: "1: fast gradient sign; K: K steps of epsilon/K, clipped to the epsilon ball" })
    .option("save-npy", { type: "string", describe: "write PREFIX-original.npy and PREFIX-perturbed.npy (28x28 float32)" })
    .option("save-image", { type: "string", describe: "write PREFIX-original.pgm and PREFIX-perturbed.pgm" })
    .option("sweep-epsilons", { type: "string", describe: "comma-separated epsilons: success rates over --images test images instead of one image" })
    .option("images", { type: "number", default: 1000, describe: "with --sweep-epsilons: attack the first N test images" })
    .option("mode", { type: "string", choices: ["fast", "detailed"], default: "fast", describe: "simulation mode (identical results)" })
    .check(positiveInt(["steps", "images"]))
    .check((argv) => {
      const image = argv.image as number;
      if (!Number.isInteger(image) || image < 0 || image >= TEST_IMAGES) throw new UsageError(`--image must be a whole number in 0..${TEST_IMAGES - 1}, got ${image}`);
      if ((argv.images as number) > TEST_IMAGES) throw new UsageError(`--images must be at most ${TEST_IMAGES}, got ${argv.images}`);
      checkDigit(argv.target as number | undefined);
      checkEpsilon(argv.epsilon as number, "--epsilon");
      if (argv["sweep-epsilons"] !== undefined) parseEpsilons(argv["sweep-epsilons"] as string);
      return true;
    });
}

export function checkDigit(d: number | undefined): void {
  if (d !== undefined && (!Number.isInteger(d) || d < 0 || d > 9)) throw new UsageError(`--target must be a digit 0..9, got ${d}`);
}

function checkEpsilon(e: number, flag: string): void {
  if (typeof e !== "number" || !Number.isFinite(e) || e <= 0 || e > 1) throw new UsageError(`${flag} must be a number in (0, 1], got ${e}`);
}

function parseEpsilons(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const values = parts.map(Number);
  parts.forEach((p, i) => {
    if (p === "") throw new UsageError(`--sweep-epsilons: empty entry in "${text}"`);
    checkEpsilon(values[i], `--sweep-epsilons entry "${p}"`);
  });
  return values;
}

export async function handler(argv: Record<string, unknown>): Promise<void> {
  const single = argv["sweep-epsilons"] === undefined;
  const outputs = single ? digitOutputs(["original", "perturbed"], argv["save-npy"] as string | undefined, argv["save-image"] as string | undefined) : [];
  refuseClobber([named("the workload", argv.workload), named("--weights", argv.weights)], [...outputs, reportOutput(argv)]);
  const spec = loadWorkload(argv.workload as string);
  const params = readWeights(argv.weights as string, spec);
  const hw = resolveHardware(hardwareFlags(argv), spec.hardware);
  const mode = argv.mode as SimMode;
  const json = argv.json as boolean;
  const target = argv.target as number | undefined;
  const steps = argv.steps as number;
  const report = reportPath(argv.report);
  if (argv["sweep-epsilons"] !== undefined) {
    const epsilons = parseEpsilons(argv["sweep-epsilons"] as string);
    const images = argv.images as number;
    const set = loadMnist("test", { limit: images });
    const bar = progressBar(!json, images, "attacking |{bar}| {value}/{total} images", { label: "adversarial", unit: "images" });
    const r = await sweepEpsilons({ spec, hw, params, mode, set, images, epsilons, steps, target, stop: stopFlag, onProgress: (done) => bar.update(done) });
    bar.stop();
    const output = { command: "adversarial" as const, workload: spec.name, hardware: hw, mode, ...r };
    const reported = await writeReport(report, output);
    emit(json, output, () => formatSweep(r, spec.name) + (reported ? `\n${reported}` : ""), reportFiles(report));
    return;
  }
  checkDigitPaths(["original", "perturbed"], argv["save-npy"] as string | undefined, argv["save-image"] as string | undefined);
  const index = argv.image as number;
  const set = loadMnist("test", { limit: index + 1 });
  const r = await attackOne({ spec, hw, params, mode }, set, index, { epsilon: argv.epsilon as number, steps, target });
  const saved = saveDigits(
    [
      { name: "original", pixels: r.original },
      { name: "perturbed", pixels: r.perturbed },
    ],
    argv["save-npy"] as string | undefined,
    argv["save-image"] as string | undefined,
  );
  const { original: _o, perturbed: _p, ...rest } = r;
  const output = {
    command: "adversarial" as const,
    workload: spec.name,
    hardware: hw,
    mode,
    ...rest,
    originalOutputs: Array.from(r.originalOutputs),
    perturbedOutputs: Array.from(r.perturbedOutputs),
    saved,
    originalPixels: Array.from(r.original),
    perturbedPixels: Array.from(r.perturbed),
  };
  const reported = await writeReport(report, output);
  emit(json, output, () => formatSingle(r, saved) + (reported ? `\n${reported}` : ""), [...saved.map((path) => ({ role: "image", path })), ...reportFiles(report)]);
}

function formatSingle(r: SingleAttackResult, saved: string[]): string {
  const how = r.steps === 1 ? "fast gradient sign" : `${r.steps} iterated steps of epsilon/${r.steps}`;
  const aim = r.target === null ? `away from its label ${r.label}` : `towards ${r.target}`;
  const before = `${r.originalPrediction} (${r.originalOutputs[r.originalPrediction].toFixed(3)})`;
  const after = `${r.perturbedPrediction} (${r.perturbedOutputs[r.perturbedPrediction].toFixed(3)})`;
  const verdict = r.success
    ? r.target === null ? "the prediction flipped" : `the network now says ${r.target}`
    : r.target === null ? "the prediction held" : `the network does not say ${r.target}`;
  const lines = [
    `MNIST test image ${r.index} (label ${r.label}), pushed ${aim} by ${how}, epsilon ${r.epsilon}`,
    "",
    sideBySide([
      { title: `original: network says ${r.originalPrediction}`, lines: digitArt(r.original) },
      { title: `perturbed: network says ${r.perturbedPrediction}`, lines: digitArt(r.perturbed) },
    ]),
    "",
    confidenceTable([
      { title: "original", outputs: r.originalOutputs },
      { title: "perturbed", outputs: r.perturbedOutputs },
    ]),
    "",
    `prediction ${before} -> ${after}: ${verdict}${r.originallyCorrect ? "" : " (the original was already misclassified)"}`,
    `L-inf size of the change: ${r.linf.toFixed(4)} (largest change of any pixel; pixels in [0, 1])`,
    "both predictions come from the inference program on the simulated chip",
    `simulated cycles: input gradient ${fmtInt(r.cycles.inputGradient)}, inference ${fmtInt(r.cycles.inference)}`,
    `simulated energy: input gradient ${fmtJoules(r.energy.inputGradient.totalJ)}, inference ${fmtJoules(r.energy.inference.totalJ)} (docs/ENERGY.md)`,
  ];
  if (saved.length > 0) lines.push(`saved ${saved.join(", ")}`);
  return lines.join("\n");
}

function formatSweep(r: SweepResult, workload: string): string {
  const how = r.steps === 1 ? "fast gradient sign" : `${r.steps} iterated steps`;
  const aim = r.target === null ? "untargeted (away from the label)" : `targeted (towards ${r.target})`;
  const lines = [
    `${workload}: ${how}, ${aim}, first ${r.images} test images; clean accuracy ${fmtPct(r.cleanAccuracy)}`,
    "",
    "epsilon  attacked  fooled  success rate  accuracy under attack  mean L-inf",
  ];
  for (const row of r.rows) {
    lines.push(
      `${String(row.epsilon).padStart(7)}  ${String(row.attacked).padStart(8)}  ${String(row.succeeded).padStart(6)}  ` +
        `${fmtPct(row.successRate).padStart(12)}  ${fmtPct(row.accuracy).padStart(21)}  ${row.meanLinf.toFixed(4).padStart(10)}`,
    );
  }
  if (r.rows.length > 1) lines.push("", ...successCurve(r));
  lines.push(
    "",
    "attacked: correctly classified images" + (r.target === null ? "" : ` not of class ${r.target}`) +
      "; fooled: the inference program on the chip then " + (r.target === null ? "misclassifies them" : `says ${r.target}`),
    `simulated cycles: input gradient ${fmtInt(r.cycles.inputGradient)}, inference ${fmtInt(r.cycles.inference)}`,
    `simulated energy: input gradient ${fmtJoules(r.energy.inputGradient.totalJ)}, inference ${fmtJoules(r.energy.inference.totalJ)} (docs/ENERGY.md)`,
  );
  return lines.join("\n");
}

const CHART_WIDTH = 56;

/** Success rate against epsilon on a linear epsilon axis (linear interpolation between the measured points). */
function successCurve(r: SweepResult): string[] {
  const pts = [...r.rows].sort((a, b) => a.epsilon - b.epsilon);
  const lo = pts[0].epsilon;
  const hi = pts[pts.length - 1].epsilon;
  if (hi === lo) return [];
  const ys = Array.from({ length: CHART_WIDTH }, (_, i) => {
    const e = lo + ((hi - lo) * i) / (CHART_WIDTH - 1);
    let j = 0;
    while (j < pts.length - 2 && pts[j + 1].epsilon < e) j++;
    const [a, b] = [pts[j], pts[j + 1]];
    const t = b.epsilon === a.epsilon ? 0 : Math.min(1, Math.max(0, (e - a.epsilon) / (b.epsilon - a.epsilon)));
    return 100 * (a.successRate + t * (b.successRate - a.successRate));
  });
  const chart = asciichart.plot(ys, { height: 10, format: (v: number) => v.toFixed(1).padStart(6) });
  const pad = " ".repeat(8);
  return [
    "success rate (%) against epsilon (measured at " + pts.map((x) => x.epsilon).join(", ") + "):",
    chart,
    `${pad}${String(lo).padEnd(CHART_WIDTH - String(hi).length)}${hi}`,
  ];
}

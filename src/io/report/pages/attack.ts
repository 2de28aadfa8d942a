/** Adversarial and fooling reports: the original, the perturbation and the result, with the chip's verdicts. */
import { escapeHtml, facts, figure, type Section } from "../html.js";
import type { Render } from "../render-chart.js";
import { groupedBarChart, lineChart } from "../specs/series.js";
import type { AttackSingleSource, AttackSweepSource, FoolSource } from "../sources.js";
import { fmtInt, fmtPct, machineText } from "./hardware.js";
import { differencePicture, digitPicture, pictures } from "./images.js";

function argmaxShare(outputs: readonly number[], j: number): string {
  const sum = outputs.reduce((a, v) => a + v, 0);
  return `output ${outputs[j].toFixed(4)}, ${sum > 0 ? ((100 * outputs[j]) / sum).toFixed(1) : "0.0"} % of the sum`;
}

async function outputsChart(render: Render, a: readonly number[], b: readonly number[], groups: [string, string], title: string): Promise<string> {
  const rows = [a, b].flatMap((out, g) => out.map((value, digit) => ({ category: String(digit), group: groups[g], value })));
  return render(groupedBarChart(rows, { title, categoryTitle: "digit", valueTitle: "network output", groups, colours: ["#9aa5b8", "#e45756"] }));
}

function cyclesFact(c: { inputGradient: number; inference: number }): [string, string] {
  return ["simulated cycles", `input gradient ${fmtInt(c.inputGradient)}, inference ${fmtInt(c.inference)}`];
}

export async function attackSingleSections(s: AttackSingleSource, render: Render): Promise<Section[]> {
  const how = s.steps === 1 ? "fast gradient sign" : `${s.steps} iterated steps of epsilon/${s.steps}`;
  const aim = s.target === null ? `away from its label ${s.label}` : `towards ${s.target}`;
  const verdict = s.success
    ? s.target === null ? "the prediction flipped" : `the network now says ${s.target}`
    : s.target === null ? "the prediction held" : `the network does not say ${s.target}`;
  const images = pictures(
    [
      digitPicture("image-original", s.originalPixels, `original: says ${s.originalPrediction} (${argmaxShare(s.originalOutputs, s.originalPrediction)})`),
      differencePicture("image-perturbation", s.originalPixels, s.perturbedPixels, s.epsilon, `perturbation (±${s.epsilon} full scale; red brighter, blue darker)`),
      digitPicture("image-result", s.perturbedPixels, `result: says ${s.perturbedPrediction} (${argmaxShare(s.perturbedOutputs, s.perturbedPrediction)})`),
    ],
    "attack-images",
  );
  const chart = await outputsChart(render, s.originalOutputs, s.perturbedOutputs, ["original", "perturbed"], "Network outputs before and after");
  return [
    {
      id: "summary",
      title: "Adversarial example",
      notes: [`MNIST test image ${s.index} (label ${s.label}), pushed ${aim} by ${how}, epsilon ${s.epsilon}. Both predictions come from the inference program on the simulated chip; the gradient from the input-gradient program.`],
      body:
        `<p class="verdict" id="verdict">${escapeHtml(`prediction ${s.originalPrediction} → ${s.perturbedPrediction}: ${verdict}`)}</p>` +
        images +
        facts([
          ["workload", s.workload],
          ["machine", machineText(s.hardware)],
          ["L-inf size of the change", s.linf.toFixed(4)],
          cyclesFact(s.cycles),
        ]),
    },
    { id: "outputs", title: "Outputs", body: figure("chart-outputs", chart) },
  ];
}

export async function attackSweepSections(s: AttackSweepSource, render: Render): Promise<Section[]> {
  const how = s.steps === 1 ? "fast gradient sign" : `${s.steps} iterated steps`;
  const points = [...s.rows]
    .sort((a, b) => a.epsilon - b.epsilon)
    .flatMap((r) => [
      { x: r.epsilon, series: "success rate", value: r.successRate },
      { x: r.epsilon, series: "accuracy under attack", value: r.accuracy },
    ]);
  const chart = await render(
    lineChart(points, { title: "Success rate and accuracy against epsilon", xTitle: "epsilon", yTitle: "share of images", series: ["success rate", "accuracy under attack"], yFormat: ".0%", zero: true }),
  );
  return [
    {
      id: "summary",
      title: "Attack success against epsilon",
      notes: [
        `${how}, ${s.target === null ? "untargeted (away from the label)" : `targeted (towards ${s.target})`}, first ${s.images} test images. ` +
          "Success rate: of the correctly classified images, the share the chip's inference program then gets wrong" +
          (s.target === null ? "." : ` (says ${s.target}).`),
      ],
      body: facts([["workload", s.workload], ["machine", machineText(s.hardware)], ["clean accuracy", fmtPct(s.cleanAccuracy)], cyclesFact(s.cycles)]) +
        figure("chart-epsilon", chart),
    },
  ];
}

export async function foolSections(s: FoolSource, render: Render): Promise<Section[]> {
  const images = pictures(
    [
      digitPicture("image-original", s.noisePixels, `start: noise (seed ${s.seed}), says ${argmaxOf(s.noiseOutputs)}`),
      differencePicture("image-perturbation", s.noisePixels, s.patternPixels, 1, "change (±1 full scale; red brighter, blue darker)"),
      digitPicture("image-result", s.patternPixels, `result: says ${s.predicted} (${argmaxShare(s.outputs, s.predicted)})`),
    ],
    "attack-images",
  );
  const [outputs, history] = await Promise.all([
    outputsChart(render, s.noiseOutputs, s.outputs, ["noise", "pattern"], "Network outputs for the noise and the pattern"),
    render(
      lineChart(s.history.map((value, i) => ({ x: i, series: `output for ${s.target}`, value })), {
        title: `Output for digit ${s.target} at each gradient step`,
        xTitle: "step",
        yTitle: "output",
        series: [`output for ${s.target}`],
        yFormat: ".3f",
        zero: true,
      }),
    ),
  ]);
  const verdict = s.reached
    ? `the network reports ${s.target} with output ${s.confidence.toFixed(4)} (${fmtPct(s.normalized)} of the sum) after ${s.steps} steps`
    : `not reached in ${s.steps} steps: the output for ${s.target} is ${s.confidence.toFixed(4)}, the network says ${s.predicted}`;
  return [
    {
      id: "summary",
      title: "Fooling pattern",
      notes: ["From random noise, signed gradient steps on the input (gradients from the chip's input-gradient program) until the chip's inference program reports the target digit with high confidence."],
      body: `<p class="verdict" id="verdict">${escapeHtml(verdict)}</p>` + images +
        facts([["workload", s.workload], ["machine", machineText(s.hardware)], ["target", String(s.target)], cyclesFact(s.cycles)]),
    },
    { id: "outputs", title: "Outputs and progress", body: figure("chart-outputs", outputs) + figure("chart-history", history) },
  ];
}

function argmaxOf(v: readonly number[]): number {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
  return best;
}

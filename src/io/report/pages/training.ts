/** The training report: learning curves, where the cycles of a step go, a step's timeline, first-layer weights. */
import { facts, figure, type Section } from "../html.js";
import type { Render } from "../render-chart.js";
import { lineChart, type SeriesPoint } from "../specs/series.js";
import type { TrainSource } from "../sources.js";
import { cycleKinds, cyclesSection, fmtInt, fmtPct, machineText, timelineSection } from "./hardware.js";
import { pictures, weightPictures } from "./images.js";

function windowLabel(w: { firstStep: number; steps: number }): string {
  return w.steps === 1 ? `${w.firstStep}` : `${w.firstStep}–${w.firstStep + w.steps - 1}`;
}

async function learningSection(s: TrainSource, render: Render): Promise<Section> {
  const lastStep = (w: { firstStep: number; steps: number }) => w.firstStep + w.steps - 1;
  const perWindow = (pick: (w: TrainSource["windows"][number]) => number, series: string): SeriesPoint[] =>
    s.windows.map((w) => ({ x: lastStep(w), series, value: pick(w) }));
  const perEpoch = (pick: (e: TrainSource["epochs"][number]) => number | null, series: string): SeriesPoint[] =>
    s.epochs.flatMap((e) => {
      const v = pick(e);
      return v === null || !Number.isFinite(v) ? [] : [{ x: e.epoch, series, value: v }];
    });
  const windowLoss = perWindow((w) => w.loss, "training loss");
  const windowAcc = perWindow((w) => w.trainAccuracy, "training accuracy");
  const epochLoss = [...perEpoch((e) => e.loss, "training loss"), ...perEpoch((e) => e.testLoss, "test loss")];
  const epochAcc = [...perEpoch((e) => e.trainAccuracy, "training accuracy"), ...perEpoch((e) => e.testAccuracy, "test accuracy")];
  const stepTitle = `step (end of each window of ${s.stepWindow})`;
  const charts = await Promise.all([
    render(lineChart(windowLoss, { title: `Training loss per window of ${s.stepWindow} step(s)`, xTitle: stepTitle, yTitle: "mean loss", series: ["training loss"], yFormat: ".4f", xInteger: true })),
    render(lineChart(windowAcc, { title: `Training accuracy per window of ${s.stepWindow} step(s)`, xTitle: stepTitle, yTitle: "accuracy", series: ["training accuracy"], yFormat: ".1%", xInteger: true })),
    render(lineChart(epochLoss, { title: "Loss per epoch", xTitle: "epoch", yTitle: "mean loss", series: seriesOf(epochLoss), yFormat: ".4f", xInteger: true })),
    render(lineChart(epochAcc, { title: "Accuracy per epoch", xTitle: "epoch", yTitle: "accuracy", series: seriesOf(epochAcc), yFormat: ".1%", xInteger: true })),
  ]);
  return {
    id: "learning",
    title: "Learning",
    notes: [
      "Loss and accuracy of the training batches as the chip computed them, per window of consecutive steps and per epoch; " +
        "test figures come from the inference program run on the test set after each epoch.",
    ],
    body:
      figure("chart-loss-window", charts[0]) + figure("chart-accuracy-window", charts[1]) +
      figure("chart-loss-epoch", charts[2]) + figure("chart-accuracy-epoch", charts[3]),
  };
}

function seriesOf(points: readonly SeriesPoint[]): string[] {
  return [...new Set(points.map((p) => p.series))];
}

export async function trainingSections(s: TrainSource, render: Render): Promise<Section[]> {
  const last = s.epochs[s.epochs.length - 1];
  const summary: Section = {
    id: "summary",
    title: "Summary",
    body: facts([
      ["workload", s.workload],
      ["machine", machineText(s.hardware, s.mode)],
      ["batch", String(s.batch)],
      ["steps", fmtInt(s.steps)],
      ["training images", fmtInt(s.trainImages)],
      ["epochs", String(s.epochs.length)],
      ["final training loss", last ? last.loss.toFixed(4) : "-"],
      ["final training accuracy", last ? fmtPct(last.trainAccuracy) : "-"],
      ["test accuracy", last && last.testAccuracy !== null ? `${fmtPct(last.testAccuracy)} (${fmtInt(s.testImages)} images)` : "not run"],
      ["cycles per step", s.steps > 0 ? fmtInt(s.stats.cycles / s.steps) : "-"],
      ...(s.wallSeconds !== undefined ? ([["wall time", `${s.wallSeconds.toFixed(1)} s`]] as [string, string][]) : []),
    ]),
  };
  const bars = s.windows.map((w) => {
    const kinds = cycleKinds(w.stats);
    return { label: windowLabel(w), cycles: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v / w.steps])) };
  });
  const cycles = await cyclesSection(render, s.stats, bars, {
    title: "Cycles per training step, by cause, per step window",
    labelTitle: "steps",
    valueTitle: "cycles per step",
    notes: ["Figures cover the training steps only (the test-set evaluation runs on a second chip)."],
  });
  const sections: Section[] = [summary, await learningSection(s, render), cycles];
  const timeline = await timelineSection(render, s.timeline, "The step runs forward pass, loss gradient, backward pass and SGD update as one program.");
  if (timeline) sections.push(timeline);
  if (s.firstLayer) {
    const w = s.firstLayer;
    const notes = ["Red: positive weight, blue: negative, white: zero; each image is scaled by its own largest magnitude (hover for it)."];
    if (w.count < w.total) notes.push(`The first ${w.count} of ${w.total} are shown.`);
    sections.push({ id: "weights", title: "First-layer weights", notes: [w.title, ...notes], body: pictures(weightPictures(w), "weight-images") });
  }
  return sections;
}

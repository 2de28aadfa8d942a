/** Reports of single runs: `run` and `matmul` (timeline, array view) and `eval` (accuracy, timeline of a batch). */
import { arrayViewSection } from "../array-view.js";
import { facts, type Section } from "../html.js";
import type { Render } from "../render-chart.js";
import type { EvalSource, RunSource } from "../sources.js";
import { cycleKinds, cyclesSection, fmtInt, fmtPct, machineText, timelineSection } from "./hardware.js";

export interface PageParts {
  sections: Section[];
  scripts: string[];
}

export async function runSections(s: RunSource, render: Render): Promise<PageParts> {
  const what = s.command === "matmul" ? `C (${s.m}x${s.n}) = A (${s.m}x${s.k}) · B (${s.k}x${s.n})` : (s.program ?? "program");
  const summary: Section = {
    id: "summary",
    title: "Summary",
    body: facts([[s.command === "matmul" ? "product" : "program", what], ["machine", machineText(s.hardware, s.mode)], ["cycles", fmtInt(s.stats.cycles)]]),
  };
  const sections: Section[] = [summary];
  const scripts: string[] = [];
  if (s.arrayView && s.arrayView.cycles.length > 0) {
    const view = arrayViewSection(s.arrayView);
    sections.push(view.section);
    scripts.push(view.script);
  } else {
    summary.notes = [
      s.mode === "detailed"
        ? "No PE was traced in this run, so there is no array view (give --trace-pe R0:R1,C0:C1)."
        : "The array view needs the register model: run with --mode detailed (and --trace-pe R0:R1,C0:C1 to choose the PEs).",
    ];
  }
  sections.push(await cyclesSection(render, s.stats, [{ label: "run", cycles: cycleKinds(s.stats) }], { title: "Matrix unit cycles by cause", labelTitle: "", valueTitle: "cycles" }));
  const timeline = await timelineSection(render, s.timeline, "");
  if (timeline) sections.push(timeline);
  return { sections, scripts };
}

export async function evalSections(s: EvalSource, render: Render): Promise<PageParts> {
  const summary: Section = {
    id: "summary",
    title: "Summary",
    body: facts([
      ["workload", s.workload],
      ["machine", machineText(s.hardware, s.mode)],
      ["data type", s.dtype],
      ["test accuracy", fmtPct(s.accuracy)],
      ["test loss", s.loss.toFixed(4)],
      ["images", fmtInt(s.images)],
    ]),
    notes: [s.dtype === "int8" ? "int8 post-training-quantized inference (TPU v1 style), calibrated on the first 1,000 training images." : "The network as trained, in bf16."],
  };
  const cycles = await cyclesSection(render, s.stats, [{ label: "test set", cycles: cycleKinds(s.stats) }], {
    title: "Matrix unit cycles by cause",
    labelTitle: "",
    valueTitle: "cycles",
  });
  const sections = [summary, cycles];
  const timeline = await timelineSection(render, s.timeline, "The inference program of one batch.");
  if (timeline) sections.push(timeline);
  return { sections, scripts: [] };
}

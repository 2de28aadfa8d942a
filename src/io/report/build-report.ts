/**
 * One report page from a result: the sections that fit the kind of run, wrapped in one
 * self-contained HTML document. Pure apart from rendering the charts (asynchronous in Vega).
 */
import { basename } from "node:path";
import { page, type Section } from "./html.js";
import { attackSingleSections, attackSweepSections, foolSections } from "./pages/attack.js";
import { machineText, fmtInt } from "./pages/hardware.js";
import { pointsSections } from "./pages/points.js";
import { evalSections, runSections } from "./pages/runs.js";
import { trainingSections } from "./pages/training.js";
import { ARRAY_VIEW_STYLE } from "./array-view.js";
import { sweepPoints, topologyPoints, topologySummary } from "./points.js";
import type { AttackSingleSource, AttackSweepSource, ReportSource } from "./sources.js";
import { renderChart, type Render } from "./render-chart.js";

interface Parts {
  title: string;
  subtitle: string;
  sections: Section[];
  scripts?: string[];
}

async function parts(s: ReportSource, render: Render): Promise<Parts> {
  switch (s.command) {
    case "train":
      return { title: `Training ${s.workload}`, subtitle: `tpusim train on ${machineText(s.hardware, s.mode)}`, sections: await trainingSections(s, render) };
    case "eval": {
      const p = await evalSections(s, render);
      return { title: `Evaluating ${s.workload}`, subtitle: `tpusim eval on ${machineText(s.hardware, s.mode)}`, ...p };
    }
    case "run":
    case "matmul": {
      const p = await runSections(s, render);
      const title = s.command === "matmul" ? `Matrix product ${s.m}x${s.k} · ${s.k}x${s.n}` : `Running ${s.program ?? "a program"}`;
      return { title, subtitle: `tpusim ${s.command} on ${machineText(s.hardware, s.mode)}`, ...p };
    }
    case "sweep": {
      const points = sweepPoints(s);
      const summary: [string, string][] = [["workload", s.workload], ["points", `${points.length} of ${s.total}`], ["mode", s.mode]];
      if (s.vary.length > 0) summary.push(["varied", s.vary.map((v) => `${v.label}=${v.values.join("|")}`).join(", ")]);
      return { title: `Sweep of ${s.workload}`, subtitle: `tpusim sweep: ${points.length} machine(s), hardware figures of the training steps`, sections: await pointsSections(render, points, "point", summary) };
    }
    case "topology": {
      const points = topologyPoints(s);
      const { summary, notes } = topologySummary(s);
      const layers = s.totals[0]?.layers ?? 0;
      const subtitle = `tpusim topology: ${layers} layer(s) on ${s.totals.length} machine(s), seeded random data, every output exact`;
      return { title: `Topology ${basename(s.topology)}`, subtitle, sections: await pointsSections(render, points, "layer", summary, notes) };
    }
    case "points":
      return { title: s.title, subtitle: s.subtitle, sections: await pointsSections(render, s.points, s.axis, [["points", fmtInt(s.points.length)]], s.notes) };
    case "adversarial":
      if ("rows" in s) {
        const sweep = s as AttackSweepSource;
        return { title: `Adversarial inputs against ${sweep.workload}`, subtitle: `tpusim adversarial --sweep-epsilons on ${machineText(sweep.hardware)}`, sections: await attackSweepSections(sweep, render) };
      } else {
        const single = s as AttackSingleSource;
        return { title: `An adversarial ${single.label}`, subtitle: `tpusim adversarial on ${machineText(single.hardware)}`, sections: await attackSingleSections(single, render) };
      }
    case "fool":
      return { title: `A pattern taken for ${s.target}`, subtitle: `tpusim fool on ${machineText(s.hardware)}`, sections: await foolSections(s, render) };
  }
}

export interface ReportOptions {
  /** Chart warnings from Vega-Lite and Vega (none expected; the tests collect them). */
  onWarning?: (message: string) => void;
}

/** The whole HTML document of the report. */
export async function buildReport(source: ReportSource, options: ReportOptions = {}): Promise<string> {
  const p = await parts(source, (spec) => renderChart(spec, options.onWarning));
  return page({
    title: p.title,
    subtitle: p.subtitle,
    kind: source.command,
    sections: p.sections,
    style: p.scripts && p.scripts.length > 0 ? ARRAY_VIEW_STYLE : "",
    scripts: p.scripts,
  });
}

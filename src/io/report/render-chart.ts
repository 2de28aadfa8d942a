/**
 * Charts are Vega-Lite specs (the pure builders in specs/), compiled to Vega and rendered to SVG in
 * Node when the report is written, so the page needs no script and no network to show them.
 * Vega's SVG labels each mark with aria-label (the spec's `description` channel); those labels
 * become <title> children instead, the browser's own hover text (and still the mark's accessible
 * name), without repeating the text twice per mark.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type ChartSpec = TopLevelSpec;

/** How pages turn a spec into SVG: renderChart, with the caller's warning handler. */
export type Render = (spec: ChartSpec) => Promise<string>;

/** Marks (self-closing elements) that carry an aria-label: the label becomes the mark's <title>. */
const LABELLED_MARK = /<(path|rect|circle|line|image)\b([^>]*?) aria-label="([^"]*)"([^>]*?)\/>/g;

export function titlesFromAriaLabels(svg: string): string {
  return svg.replace(LABELLED_MARK, (_m, tag: string, before: string, label: string, after: string) =>
    `<${tag}${before}${after}><title>${label}</title></${tag}>`);
}

/**
 * Warnings of Vega-Lite and Vega (a conflicting property, an empty extent) go to `onWarning`, not to
 * stderr: the specs are tpusim's own, and the tests require that they compile without any.
 */
export async function renderChart(spec: ChartSpec, onWarning: (message: string) => void = () => undefined): Promise<string> {
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    if (level === "ERROR") throw new Error(`chart "${String(spec.title ?? "")}": ${args.join(" ")}`);
    onWarning(args.map(String).join(" "));
  });
  const compiled = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  try {
    const svg = await view.toSVG();
    return titlesFromAriaLabels(svg);
  } finally {
    view.finalize();
  }
}

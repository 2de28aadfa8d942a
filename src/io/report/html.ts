/**
 * The page around the charts: one self-contained HTML file (styles, scripts and data inline, no
 * network), built from small escaped pieces.
 */

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JSON for a <script type="application/json"> block: "</" cannot end the element early. */
export function jsonScript(id: string, value: unknown): string {
  return `<script type="application/json" id="${escapeHtml(id)}">${JSON.stringify(value).replace(/</g, "\\u003c")}</script>`;
}

export interface Section {
  id: string;
  title: string;
  /** HTML. */
  body: string;
  /** Plain-text sentences under the title. */
  notes?: readonly string[];
}

export function section(s: Section): string {
  const notes = (s.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("");
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${notes}${s.body}</section>`;
}

/** A chart's SVG in a figure the tests and the reader can find by id. */
export function figure(id: string, svg: string, opts: { scroll?: boolean; caption?: string } = {}): string {
  const caption = opts.caption ? `<figcaption>${escapeHtml(opts.caption)}</figcaption>` : "";
  return `<figure class="chart${opts.scroll ? " scroll" : ""}" id="${escapeHtml(id)}">${svg}${caption}</figure>`;
}

/** Label/value pairs as a compact definition list. */
export function facts(pairs: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${pairs.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>`;
}

export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], id?: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td${typeof c === "number" ? ' class="num"' : ""}>${escapeHtml(String(c))}</td>`).join("")}</tr>`).join("");
  return `<div class="table-wrap"><table${id ? ` id="${escapeHtml(id)}"` : ""}><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
header { background: #1d2330; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; }
header p { margin: 0; color: #c9d1e0; }
nav { padding: 8px 28px; background: #fff; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 16px; color: var(--accent); text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin: 16px 0; }
h2 { font-size: 16px; margin: 0 0 8px; font-weight: 600; }
p.note { color: var(--muted); margin: 4px 0 8px; max-width: 900px; }
figure.chart { margin: 10px 0; display: inline-block; vertical-align: top; max-width: 100%; overflow-x: auto; }
figure.chart.scroll { display: block; }
figure.chart svg { display: block; }
figcaption { color: var(--muted); font-size: 12px; }
dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 4px 0; }
dl.facts div { min-width: 120px; }
dl.facts dt { color: var(--muted); font-size: 12px; }
dl.facts dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
td.num { text-align: right; }
.images { display: flex; flex-wrap: wrap; gap: 10px; }
.images figure { margin: 0; text-align: center; font-size: 12px; color: var(--muted); }
.images img { image-rendering: pixelated; border: 1px solid var(--line); display: block; }
.verdict { font-size: 15px; }
`;

export interface Page {
  title: string;
  subtitle: string;
  kind: string;
  sections: readonly Section[];
  /** Extra CSS and scripts (the array view). */
  style?: string;
  scripts?: readonly string[];
}

export function page(p: Page): string {
  const nav = p.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join("");
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="tpusim"><link rel="icon" href="data:,"><title>${escapeHtml(p.title)}</title><style>${STYLE}${p.style ?? ""}</style></head>`,
    `<body data-report="${escapeHtml(p.kind)}"><header><h1>${escapeHtml(p.title)}</h1><p>${escapeHtml(p.subtitle)}</p></header>`,
    `<nav>${nav}</nav><main>${p.sections.map(section).join("\n")}</main>`,
    ...(p.scripts ?? []),
    "</body></html>",
  ].join("\n");
}

/**
 * A timeline: one lane per unit, a bar per stretch of cycles an instruction spends busy or stalled,
 * and a lane of the matrix unit's stall causes; the instruction's text is each bar's hover text.
 */
import type { ChartSpec } from "../render-chart.js";
import type { Timeline } from "../views.js";
import { CYCLE_COLOURS, CYCLE_KINDS, STALLED_COLOUR, chart } from "./common.js";

/**
 * The whole-run timeline fits the page (a report is read at 1280 px and up): one-cycle bars stay
 * visible through their hairline stroke, and the detail chart below shows about a pixel per cycle.
 * 1,040 px of plot plus the lane labels fit a section at a 1280 px wide window.
 */
export const TIMELINE_MAX_WIDTH = 1040;

export function timelineWidth(cycles: number): number {
  return Math.round(Math.min(TIMELINE_MAX_WIDTH, Math.max(720, cycles * 0.25)));
}

export interface TimelineRow {
  lane: string;
  start: number;
  /** Exclusive: a segment of cycles s..e covers [s, e + 1). */
  end: number;
  state: string;
  text: string;
}

export function timelineRows(t: Timeline): TimelineRow[] {
  return t.segments.map(([lane, start, end, state, pc]) => {
    const name = t.states[state];
    const cycles = `cycles ${start}–${end} (${end - start + 1})`;
    const what = pc >= 0 ? (t.texts[pc] ?? `pc ${pc}`) : `matrix unit stalled: ${name}`;
    return { lane: t.lanes[lane], start, end: end + 1, state: name, text: `${t.lanes[lane]} ${pc >= 0 ? name : ""}: ${what}; ${cycles}` };
  });
}

/** Cycles shown by the detail view of a long timeline, at about a pixel per cycle. */
export const DETAIL_CYCLES = 1200;

/**
 * Where the detail view starts: the stretch of DETAIL_CYCLES cycles in which the most bars begin,
 * i.e. where the units change what they do most often (a long transfer or a run of identical
 * passes is clear enough in the overview).
 */
export function detailStart(t: Timeline): number {
  const starts = t.segments.map((s) => s[1]).sort((a, b) => a - b);
  let best = 0;
  let bestCount = -1;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (j < starts.length && starts[j] < starts[i] + DETAIL_CYCLES) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = starts[i];
    }
  }
  return Math.max(0, Math.min(best - 20, t.cycles - DETAIL_CYCLES));
}

/**
 * The timeline chart; with `window` [from, to) only the segments overlapping it, clipped to it.
 * Bars get a hairline stroke in their own colour so one-cycle bars stay visible when zoomed out.
 */
export function timelineChart(t: Timeline, window?: [number, number]): ChartSpec {
  const states = ["busy", "stalled", ...CYCLE_KINDS.slice(1)];
  const colours = [CYCLE_COLOURS[0], STALLED_COLOUR, ...CYCLE_COLOURS.slice(1)];
  const [from, to] = window ?? [0, Math.max(1, t.cycles)];
  const rows = timelineRows(t)
    .filter((r) => r.end > from && r.start < to)
    .map((r) => ({ ...r, start: Math.max(r.start, from), end: Math.min(r.end, to) }));
  const colour = { field: "state", type: "nominal", title: "state", scale: { domain: states, range: colours } };
  const title = window
    ? `Detail: cycles ${from.toLocaleString("en-US")}–${(to - 1).toLocaleString("en-US")} of ${t.label}`
    : `Timeline of ${t.label}: ${t.cycles.toLocaleString("en-US")} cycles`;
  return chart({
    title,
    width: window ? Math.min(TIMELINE_MAX_WIDTH, Math.max(720, to - from)) : timelineWidth(t.cycles),
    height: { step: 26 },
    data: { values: rows },
    mark: { type: "rect", height: { band: 0.8 }, strokeWidth: 0.6 },
    encoding: {
      y: { field: "lane", type: "nominal", title: null, sort: [...t.lanes], scale: { domain: [...t.lanes] } },
      x: { field: "start", type: "quantitative", title: `cycle (0 = cycle ${t.fromCycle.toLocaleString("en-US")} of the run)`, scale: { domain: [from, to], nice: false } },
      x2: { field: "end" },
      color: { ...colour, legend: { orient: "bottom", columns: 8 } },
      stroke: colour,
      description: { field: "text", type: "nominal" },
    },
  });
}

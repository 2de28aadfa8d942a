/**
 * The animated array view: controls, an empty SVG the page script fills, the embedded PE trace
 * and the script (array-view-script.ts). What it draws is the PE trace: activations entering each
 * row from the left (skewed: row r a cycle after row r-1), partial sums flowing down each column,
 * and the bank tag travelling with each vector (the colour of the PE it is in).
 */
import { ARRAY_VIEW_SCRIPT } from "./array-view-script.js";
import { jsonScript, type Section } from "./html.js";
import type { ArrayView } from "./views.js";

export const ARRAY_VIEW_STYLE = `
#array-view .controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 6px 0; }
#array-view button { font: inherit; padding: 3px 10px; border: 1px solid #b8c0cc; border-radius: 4px; background: #fff; cursor: pointer; }
#array-view button:disabled { opacity: 0.45; cursor: default; }
#av-scrub { flex: 1; min-width: 240px; }
#av-cycle { font-variant-numeric: tabular-nums; min-width: 170px; font-weight: 600; }
#av-units { font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f7f9; border-radius: 4px; padding: 6px 10px; margin: 6px 0; }
#av-units .unit i { display: inline-block; width: 56px; font-style: normal; color: #5b6475; }
#av-units .unit b { display: inline-block; width: 92px; font-weight: 600; }
#av-units .unit.busy i { color: #4c78a8; }
#av-units .unit.stalled i { color: #d62728; }
#av-grid { display: block; max-width: 100%; height: auto; }
#av-grid text { font: 11px ui-monospace, SFMono-Regular, Menlo, monospace; fill: #1d2330; }
#av-grid .av-axis { font: 12px system-ui, sans-serif; fill: #5b6475; }
#av-grid .av-edge { fill: #5b6475; }
#av-grid .av-edge.tag1 { fill: #2f5f93; font-weight: 600; }
#av-grid .av-edge.tag2 { fill: #b35806; font-weight: 600; }
#av-grid .pe-box { fill: #f3f4f6; stroke: #c8ccd4; }
#av-grid .pe-box.tag1 { fill: #dbe7f5; stroke: #4c78a8; stroke-width: 2; }
#av-grid .pe-box.tag2 { fill: #fde5cc; stroke: #f58518; stroke-width: 2; }
#av-grid .bank-bg { fill: #fff; stroke: #d5d9e0; }
#av-grid .bank-bg.bank1.used { fill: #9ec1e6; stroke: #4c78a8; }
#av-grid .bank-bg.bank2.used { fill: #fbc48a; stroke: #f58518; }
#av-grid .w { font-size: 10px; }
#av-grid .psum { font-weight: 600; }
#av-grid .tag { fill: #5b6475; font-size: 10px; }
#av-grid .av-arrow { stroke: #b8c0cc; stroke-width: 1.5; }
.legend-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin: 0 4px 0 10px; }
`;

export function arrayViewSection(v: ArrayView): { section: Section; script: string } {
  const { r0, r1, c0, c1 } = v.region;
  const first = v.cycles[0];
  const last = v.cycles[v.cycles.length - 1];
  const notes = [
    `PEs rows ${r0}–${r1 - 1}, columns ${c0}–${c1 - 1} of the ${v.arrayRows}x${v.arrayCols} ${v.dtype} array, cycles ${first}–${last} (${v.cycles.length} cycles), ` +
      "straight from the simulator's PE trace: what is drawn is what the register model computed. The view opens at the first cycle a vector is in the region.",
    "Each PE shows the weight it last multiplied with from each of its two banks (w0, w1; the bank in use is filled), the activation entering from the left (a), " +
      "and the partial sum it passes down (Σ). A PE's colour is the bank tag of the vector in it (blue bank 0, orange bank 1, grey a bubble): the tags travel " +
      "with the data. Left edge: activations entering each row; top: partial sums entering; bottom: partial sums leaving to the accumulators.",
  ];
  const req = v.requested;
  if (req.r0 !== r0 || req.r1 !== r1 || req.c0 !== c0 || req.c1 !== c1) {
    notes.push(`Asked for rows ${req.r0}–${req.r1 - 1}, columns ${req.c0}–${req.c1 - 1}; shown is what lies in the array and within the limit of ${v.limitPes} PEs.`);
  }
  if (v.truncated) {
    notes.push(`The embedded trace stops after ${v.cycles.length} cycles (limit ${v.limitSamples.toLocaleString("en-US")} PE-cycles); choose a later window with --trace-from and --trace-to.`);
  }
  const controls =
    `<div class="controls"><button id="av-play" type="button">▶ play</button><button id="av-pause" type="button">❚❚ pause</button>` +
    `<button id="av-prev" type="button">◀ step</button><button id="av-next" type="button">step ▶</button>` +
    `<input id="av-scrub" type="range" min="0" max="0" value="0" step="1" aria-label="cycle">` +
    `<label>speed <select id="av-speed"><option value="1">1</option><option value="4" selected>4</option><option value="10">10</option><option value="30">30</option></select> cycles/s</label>` +
    `<span id="av-cycle"></span></div>` +
    `<div class="legend"><span class="legend-swatch" style="background:#4c78a8"></span>bank 0<span class="legend-swatch" style="background:#f58518"></span>bank 1` +
    `<span class="legend-swatch" style="background:#e5e7eb"></span>bubble (no vector) — keys: ←/→ step, space play/pause</div>` +
    `<div id="av-units"></div><svg id="av-grid" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="systolic array"></svg>`;
  return {
    section: { id: "array-view", title: "The array, cycle by cycle", notes, body: controls },
    script: `${jsonScript("array-view-data", v)}\n<script>${ARRAY_VIEW_SCRIPT}</script>`,
  };
}

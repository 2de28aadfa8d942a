/**
 * Training, evaluation, sweep and topology reports opened in chromium: every chart is drawn with one mark per
 * datum of the result the page was made from, images load, nothing is logged as an error and
 * nothing is fetched. Screenshots go to traces/report-screens/.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CYCLE_KINDS } from "../../../src/io/report/specs/common.js";
import { NO_BROWSER, ReportBrowser, announceSkip, SCREENSHOTS, countMarks, type OpenedPage } from "../../helpers/browser.js";
import { FIXTURES, WORKLOAD, ensureBuilt, inPool, makeTemp, removeTemp, runCli } from "../../cli/helpers.js";

let tmp: string;
let browser: ReportBrowser;
/** The result JSON each report was made from, by kind. */
const results: Record<string, any> = {};

async function make(kind: string, args: string[]): Promise<void> {
  const html = join(tmp, `${kind}.html`);
  const r = await runCli([...args, "--report", html, "--json"], { timeoutMs: 240_000 });
  if (r.code !== 0) throw new Error(`${kind}: ${r.stderr}`);
  results[kind] = JSON.parse(r.stdout);
  writeFileSync(join(tmp, `${kind}.json`), r.stdout);
}

async function open(kind: string): Promise<OpenedPage> {
  const opened = await browser.open(join(tmp, `${kind}.html`));
  expect(await opened.page.getAttribute("body", "data-report")).toBe(kind);
  return opened;
}

async function finish(o: OpenedPage, name: string): Promise<void> {
  await o.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(o.errors).toEqual([]);
  expect(o.outside).toEqual([]);
  await o.page.close();
}

/** Non-zero segments of a stacked cycle bar: matrix busy and each stall cause. */
function segments(stats: { matrixBusyCycles: number; stalls: Record<string, number> }): number {
  return CYCLE_KINDS.filter((k) => (k === "busy" ? stats.matrixBusyCycles : stats.stalls[k]) > 0).length;
}

announceSkip("test/io/report/browser-training.test.ts");

describe.skipIf(NO_BROWSER !== null)(`report pages in chromium: training, evaluation, sweep, topology${NO_BROWSER ? ` (${NO_BROWSER})` : ""}`, () => {
  beforeAll(async () => {
    ensureBuilt();
    tmp = makeTemp();
    const [launched] = await Promise.all([
      ReportBrowser.launch(),
      make("train", ["train", WORKLOAD, "--array", "8x8", "--epochs", "2", "--batch", "16", "--train-limit", "96", "--test-limit", "48", "--save", join(tmp, "w.json")]),
      make("sweep", ["sweep", WORKLOAD, "--arrays", "4x4,8x8,16x16", "--steps", "2", "--batch", "16", "--train-limit", "64", "--jobs", "1"]),
    ]);
    browser = launched;
    await Promise.all([
      make("eval", ["eval", WORKLOAD, "--weights", join(tmp, "w.json"), "--array", "8x8", "--test-limit", "40"]),
      make("topology", ["topology", join(FIXTURES, "topologies/tiny-conv.csv"), "--preset", "small", "--dtype", "int8", "--array", "8x8", "--jobs", "1"]),
    ]);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    if (tmp) removeTemp(tmp);
  });

  it("train: learning curves, cycles by cause, timeline, weight images", async () => {
    const r = results.train;
    const o = await open("train");
    const { page } = o;
    expect(r.windows.length).toBe(12);
    for (const id of ["chart-loss-window", "chart-accuracy-window"]) {
      expect(await countMarks(page, id, "line"), id).toBe(1);
      expect(await countMarks(page, id, "symbol"), id).toBe(r.windows.length);
    }
    for (const id of ["chart-loss-epoch", "chart-accuracy-epoch"]) {
      expect(await countMarks(page, id, "line"), id).toBe(2);
      expect(await countMarks(page, id, "symbol"), id).toBe(2 * r.epochs.length);
    }
    const bars = r.windows.reduce((n: number, w: any) => n + segments(w.stats), 0);
    expect(await countMarks(page, "chart-cycles", "rect")).toBe(bars);
    expect(await countMarks(page, "chart-units", "rect")).toBe(5);
    expect(await countMarks(page, "chart-timeline", "rect")).toBe(r.timeline.segments.length);
    expect(r.timeline.cycles).toBe(r.windows[0].stats.cycles);
    // The step's timeline and its detail fit their figures at 1280 px: nothing to scroll sideways.
    for (const id of ["chart-timeline", "chart-timeline-detail"]) {
      const fit = await page.$eval(`#${id}`, (f) => [f.scrollWidth, f.clientWidth]);
      expect(fit[0], `${id}: scroll width vs figure width`).toBeLessThanOrEqual(fit[1]);
    }
    // A bar's hover text names its instruction.
    const firstPc = r.timeline.segments.find((s: number[]) => s[4] >= 0)[4];
    const titles = await page.locator("#chart-timeline title").allTextContents();
    expect(titles.filter((t) => t.includes(r.timeline.texts[firstPc])).length).toBeGreaterThan(0);
    const sizes = await page.$$eval("#weight-images img", (imgs) => imgs.map((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]));
    expect(sizes).toEqual(Array.from({ length: r.firstLayer.count }, () => [28, 28]));
    await finish(o, "train");
  });

  it("eval: accuracy, cycles by cause, timeline of the first batch", async () => {
    const r = results.eval;
    const o = await open("eval");
    expect(await o.page.textContent("#summary")).toContain(`${(100 * r.accuracy).toFixed(2)} %`);
    expect(await countMarks(o.page, "chart-cycles", "rect")).toBe(segments(r.stats));
    expect(await countMarks(o.page, "chart-timeline", "rect")).toBe(r.timeline.segments.length);
    await finish(o, "eval");
  });

  it("sweep: cycles, utilization and stall stack per point, a roofline per machine, the table", async () => {
    const r = results.sweep;
    const o = await open("sweep");
    const { page } = o;
    expect(r.rows.length).toBe(3);
    expect(await countMarks(page, "chart-points-cycles", "rect")).toBe(3);
    expect(await countMarks(page, "chart-points-utilization", "rect")).toBe(3);
    expect(await countMarks(page, "chart-points-stalls", "rect")).toBe(r.rows.reduce((n: number, row: any) => n + segments(row), 0));
    // Three machines: three roofs and a point for each.
    expect(await countMarks(page, "chart-roofline", "line")).toBe(3);
    expect(await countMarks(page, "chart-roofline", "symbol")).toBe(3);
    expect(await page.locator("#points-table tbody tr").count()).toBe(3);
    await finish(o, "sweep");
  });

  it("topology: a bar per layer for cycles and utilization, the stall stack per layer, one roof, the table", async () => {
    const r = results.topology;
    const o = await open("topology");
    const { page } = o;
    expect(r.rows.map((row: any) => row.name)).toEqual(["stem", "7", "wide"]);
    for (const id of ["chart-points-cycles", "chart-points-utilization"]) {
      expect(await countMarks(page, id, "rect"), id).toBe(3);
      // Each bar's hover text names its layer and value, in layer order.
      const titles = await page.locator(`#${id} g.role-mark title`).allTextContents();
      expect(titles.map((t) => t.split(":")[0]), id).toEqual(["stem", "7", "wide"]);
    }
    const utilization = await page.locator("#chart-points-utilization g.role-mark title").allTextContents();
    expect(utilization).toEqual(r.rows.map((row: any) => `${row.name}: ${(100 * row.utilization).toFixed(1)}%`));
    expect(await countMarks(page, "chart-points-stalls", "rect")).toBe(r.rows.reduce((n: number, row: any) => n + segments(row), 0));
    // One machine: one roof, and a point per layer that read weight memory.
    expect(await countMarks(page, "chart-roofline", "line")).toBe(1);
    expect(await countMarks(page, "chart-roofline", "symbol")).toBe(r.rows.filter((row: any) => row.bytes.weightMemoryRead > 0).length);
    expect(await page.locator("#points-table tbody tr").count()).toBe(3);
    expect(await page.textContent("#summary")).toContain(`energy per inference`);
    await finish(o, "topology");
  });

  it("tpusim report makes the same page from the saved result", async () => {
    const kinds = ["train", "eval", "sweep", "topology"];
    const again = (kind: string) => join(tmp, `${kind}-again.html`);
    const runs = await inPool(kinds, 2, (kind) => runCli(["report", join(tmp, `${kind}.json`), "-o", again(kind)]));
    kinds.forEach((kind, i) => {
      expect(runs[i].code, runs[i].stderr).toBe(0);
      expect(runs[i].stdout).toBe(`${kind} report written to ${again(kind)}\n`);
      expect(readFileSync(again(kind), "utf8")).toBe(readFileSync(join(tmp, `${kind}.html`), "utf8"));
    });
  });
});

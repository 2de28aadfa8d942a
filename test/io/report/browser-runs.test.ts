/**
 * Run, matmul, adversarial and fooling reports opened in chromium. The array view is stepped,
 * scrubbed and played, and after each move the values it shows must be the PE trace's for the
 * cycle it names — read from the PE CSV that the ordinary trace sink wrote in the same run, and,
 * for matmul, the partial sums leaving the array must be the product written to C.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNpy, encodeNpy } from "../../../src/data/npy.js";
import { weightsToJson } from "../../../src/data/weights.js";
import { initParameters } from "../../../src/workloads/init.js";
import { loadWorkload } from "../../../src/workloads/spec.js";
import { NO_BROWSER, ReportBrowser, announceSkip, SCREENSHOTS, countMarks, type OpenedPage } from "../../helpers/browser.js";
import { REPO, WORKLOAD, ensureBuilt, makeTemp, removeTemp, runCli } from "../../cli/helpers.js";

let tmp: string;
let browser: ReportBrowser;
const results: Record<string, any> = {};

async function make(name: string, args: string[]): Promise<void> {
  const r = await runCli([...args, "--report", join(tmp, `${name}.html`), "--json"], { timeoutMs: 240_000 });
  if (r.code !== 0) throw new Error(`${name}: ${r.stderr}`);
  results[name] = JSON.parse(r.stdout);
}

async function finish(o: OpenedPage, name: string, selector?: string): Promise<void> {
  if (selector) await o.page.locator(selector).screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  else await o.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(o.errors).toEqual([]);
  expect(o.outside).toEqual([]);
  await o.page.close();
}

/** PE CSV rows by cycle: "row,col" -> [bank, act_in, weight, psum_in, psum_out]. */
function peTrace(file: string): Map<number, Map<string, number[]>> {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  expect(lines[0]).toBe("cycle,row,col,bank,act_in,weight,psum_in,psum_out");
  const out = new Map<number, Map<string, number[]>>();
  for (const line of lines.slice(1)) {
    const [cycle, row, col, ...values] = line.split(",").map(Number);
    if (!out.has(cycle)) out.set(cycle, new Map());
    out.get(cycle)?.set(`${row},${col}`, values);
  }
  return out;
}

/** What the array view shows now: its cycle and every PE's values. */
async function shown(page: Page): Promise<{ cycle: number; pes: Map<string, number[]> }> {
  const cycle = Number(await page.getAttribute("#av-cycle", "data-cycle"));
  const pes = await page.$$eval("#av-grid g.pe", (gs) =>
    gs.map((g) => [
      `${g.getAttribute("data-row")},${g.getAttribute("data-col")}`,
      ["data-bank", "data-act", "data-weight", "data-psum-in", "data-psum-out"].map((a) => Number(g.getAttribute(a))),
    ] as [string, number[]]),
  );
  return { cycle, pes: new Map(pes) };
}

announceSkip("test/io/report/browser-runs.test.ts");

describe.skipIf(NO_BROWSER !== null)(`report pages in chromium: run, matmul, adversarial, fool${NO_BROWSER ? ` (${NO_BROWSER})` : ""}`, () => {
  beforeAll(async () => {
    ensureBuilt();
    tmp = makeTemp();
    const spec = loadWorkload(WORKLOAD);
    writeFileSync(join(tmp, "w.json"), weightsToJson(spec, initParameters(spec)));
    // A is 5x4, B is 4x3: one tile on a 4x4 array, values exact in bf16.
    writeFileSync(join(tmp, "a.npy"), encodeNpy({ rows: 5, cols: 4, data: Float64Array.from({ length: 20 }, (_, i) => ((i * 7) % 11) - 5) }));
    writeFileSync(join(tmp, "b.npy"), encodeNpy({ rows: 4, cols: 3, data: Float64Array.from({ length: 12 }, (_, i) => ((i * 5) % 9) / 4 - 1) }));
    const w = join(tmp, "w.json");
    const [launched] = await Promise.all([
      ReportBrowser.launch(),
      make("run", ["run", join(REPO, "examples/matmul-8x8.s"), "--array", "8x8", "--trace", join(tmp, "run.csv"), "--trace-pe", "0:8,0:8"]),
      make("matmul", ["matmul", join(tmp, "a.npy"), join(tmp, "b.npy"), "-o", join(tmp, "c.npy"), "--array", "4x4", "--mode", "detailed"]),
    ]);
    browser = launched;
    await Promise.all([
      make("adversarial", ["adversarial", WORKLOAD, "--weights", w, "--array", "8x8", "--image", "3", "--epsilon", "0.2"]),
      make("fool", ["fool", WORKLOAD, "--weights", w, "--array", "8x8", "--target", "4", "--steps", "8"]),
    ]);
    await make("attack-sweep", ["adversarial", WORKLOAD, "--weights", w, "--array", "8x8", "--sweep-epsilons", "0.05,0.1,0.3", "--images", "16"]);
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    if (tmp) removeTemp(tmp);
  });

  it("run: the array view steps, scrubs and plays through the PE trace's values", async () => {
    const trace = peTrace(join(tmp, "run.pe.csv"));
    const o = await browser.open(join(tmp, "run.html"));
    const { page } = o;
    const expectTrace = async () => {
      const s = await shown(page);
      expect(s.pes.size).toBe(64);
      expect(s.pes, `cycle ${s.cycle}`).toEqual(trace.get(s.cycle));
      return s.cycle;
    };
    // It opens at the first cycle a vector is in the array.
    const first = [...trace.keys()].find((t) => [...(trace.get(t)?.values() ?? [])].some((v) => v[0] !== 0));
    expect(await expectTrace()).toBe(first);
    for (let i = 0; i < 6; i++) await page.click("#av-next");
    expect(await expectTrace()).toBe((first as number) + 6);
    // The instruction panel names the matrix unit's instruction of this cycle.
    expect(await page.textContent("#av-units")).toContain("pc 2: MMUL");
    await page.locator("#array-view").screenshot({ path: join(SCREENSHOTS, "run-array.png") });
    await page.click("#av-prev");
    expect(await expectTrace()).toBe((first as number) + 5);
    await page.fill("#av-scrub", String(trace.size - 1));
    expect(await expectTrace()).toBe(trace.size - 1);
    await page.fill("#av-scrub", "30");
    expect(await expectTrace()).toBe(30);
    await page.selectOption("#av-speed", "30");
    await page.click("#av-play");
    await page.waitForFunction(() => Number(document.getElementById("av-cycle")?.getAttribute("data-cycle")) >= 34);
    await page.click("#av-pause");
    expect(await page.isDisabled("#av-pause")).toBe(true);
    expect(await expectTrace()).toBeGreaterThanOrEqual(34);
    expect(await countMarks(page, "chart-timeline", "rect")).toBe(results.run.timeline.segments.length);
    await finish(o, "run");
  });

  it("matmul: the partial sums leaving the bottom row are the product written to C", async () => {
    const c = readNpy(join(tmp, "c.npy"));
    const o = await browser.open(join(tmp, "matmul.html"));
    const { page } = o;
    expect(await page.locator("#av-grid g.pe").count()).toBe(16);
    const max = Number(await page.getAttribute("#av-scrub", "max"));
    const leaving: number[][] = [[], [], []];
    for (let k = 0; k <= max; k++) {
      await page.fill("#av-scrub", String(k));
      const s = await shown(page);
      for (let col = 0; col < 3; col++) {
        const v = s.pes.get(`3,${col}`) as number[];
        if (v[0] !== 0) leaving[col].push(v[4]);
      }
    }
    expect(leaving).toEqual([0, 1, 2].map((col) => Array.from({ length: 5 }, (_, row) => c.data[row * 3 + col])));
    await finish(o, "matmul");
  });

  it("adversarial: original, perturbation and result with the chip's verdicts; outputs chart", async () => {
    const r = results.adversarial;
    const o = await browser.open(join(tmp, "adversarial.html"));
    const sizes = await o.page.$$eval("#attack-images img", (imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    expect(sizes).toEqual([28, 28, 28]);
    expect(await o.page.textContent("#verdict")).toContain(`prediction ${r.originalPrediction} → ${r.perturbedPrediction}`);
    expect(await o.page.textContent("#image-result")).toContain(`says ${r.perturbedPrediction}`);
    expect(await countMarks(o.page, "chart-outputs", "rect")).toBe(20);
    await finish(o, "adversarial");
  });

  it("adversarial --sweep-epsilons: success rate and accuracy against epsilon", async () => {
    const o = await browser.open(join(tmp, "attack-sweep.html"));
    expect(await countMarks(o.page, "chart-epsilon", "line")).toBe(2);
    expect(await countMarks(o.page, "chart-epsilon", "symbol")).toBe(6);
    await finish(o, "adversarial-sweep");
  });

  it("fool: noise, change and pattern; outputs and the target's output per step", async () => {
    const r = results.fool;
    const o = await browser.open(join(tmp, "fool.html"));
    expect(await o.page.locator("#attack-images img").count()).toBe(3);
    expect(await countMarks(o.page, "chart-outputs", "rect")).toBe(20);
    expect(await countMarks(o.page, "chart-history", "line")).toBe(1);
    expect(await countMarks(o.page, "chart-history", "symbol")).toBe(r.history.length);
    await finish(o, "fool");
  });
});

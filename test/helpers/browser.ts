/**
 * Report pages in a real browser: Debian's chromium driven by playwright-core (no browser
 * download). Every request other than the page's own file:// and data: URLs is refused and
 * recorded, so a page that needs the network fails its test. Without chromium the browser tests
 * skip with one line saying why.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { REPO } from "../cli/helpers.js";

/** CHROMIUM_PATH, when set, is the only place looked at (set it to a missing path to skip the tests). */
const CANDIDATES = process.env.CHROMIUM_PATH !== undefined ? [process.env.CHROMIUM_PATH] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
export const CHROMIUM = CANDIDATES.find((p) => p !== "" && existsSync(p));
/** Why the browser tests skip, or null when they run. */
export const NO_BROWSER = CHROMIUM === undefined ? `skipped: no chromium at ${CANDIDATES.join(" or ")} (apt-get install chromium, or set CHROMIUM_PATH)` : null;

/** One line on stderr when a browser test file skips, so a plain `npm test` says why. */
export function announceSkip(file: string): void {
  if (NO_BROWSER !== null) process.stderr.write(`${file}: ${NO_BROWSER}\n`);
}

/** Screenshots for a person to look at (traces/ is git-ignored). */
export const SCREENSHOTS = join(REPO, "traces", "report-screens");

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Requests the page tried to make outside its own file. */
  outside: string[];
}

export class ReportBrowser {
  private constructor(
    private readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<ReportBrowser> {
    if (CHROMIUM === undefined) throw new Error(NO_BROWSER ?? "");
    const profile = mkdtempSync(join(tmpdir(), "tpusim-chromium-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
    return new ReportBrowser(context, profile);
  }

  async open(file: string): Promise<OpenedPage> {
    const page = await this.context.newPage();
    const errors: string[] = [];
    const outside: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, errors, outside };
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Marks drawn inside a chart figure, by Vega mark type ("line", "symbol", "rect"). */
export function countMarks(page: Page, figureId: string, type: string): Promise<number> {
  return page.evaluate(
    ([id, t]) => document.querySelectorAll(`#${id} g.mark-${t}.role-mark > path`).length,
    [figureId, type] as const,
  );
}

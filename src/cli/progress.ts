/**
 * Progress on stderr, never with --json (stdout stays one JSON object): a bar on a terminal, and
 * when stderr is a file or a pipe (a batch job's log) a line every few seconds with the work done,
 * the rate and the time left.
 */
import cliProgress from "cli-progress";

export interface ProgressBar {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

const NO_BAR: ProgressBar = { update() {}, setTotal() {}, stop() {} };

/** A bar on a terminal; when stderr is not one, `lines` (if given) turns the same updates into periodic lines. */
export function progressBar(enabled: boolean, total: number, format: string, lines?: { label: string; unit: string }): ProgressBar {
  if (!enabled) return NO_BAR;
  if (!process.stderr.isTTY) {
    if (lines === undefined) return NO_BAR;
    const log = progressLines(true, lines.label, lines.unit);
    let barTotal = total;
    return { update: (v) => log.update(v, barTotal), setTotal: (n) => (barTotal = n), stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  // Drawn from the first update on, so the format's payload tokens never show unfilled ("{loss}").
  let shown = false;
  let barTotal = total;
  return {
    update: (v, payload) => {
      if (shown) bar.update(v, payload);
      else bar.start(barTotal, v, payload);
      shown = true;
    },
    setTotal: (n) => {
      barTotal = n;
      if (shown) bar.setTotal(n);
    },
    stop: () => {
      if (shown) bar.stop();
      shown = false;
    },
  };
}

export interface ProgressLines {
  /** `done` of `total` units so far; `detail` is appended (e.g. "loss 0.41"). Printed at most every interval. */
  update(done: number, total: number, detail?: string): void;
}

const NO_LINES: ProgressLines = { update() {} };

/** Seconds between lines: TPUSIM_PROGRESS_SECONDS, default 5. */
function intervalMs(): number {
  const s = Number(process.env.TPUSIM_PROGRESS_SECONDS);
  return 1000 * (process.env.TPUSIM_PROGRESS_SECONDS !== undefined && Number.isFinite(s) && s >= 0 ? s : 5);
}

/** Periodic lines for logs: only when enabled and stderr is not a terminal (a bar is drawn there instead). */
export function progressLines(enabled: boolean, label: string, unit: string): ProgressLines {
  if (!enabled || process.stderr.isTTY) return NO_LINES;
  const every = intervalMs();
  // The rate is measured from the first update, so loading and compiling do not count as slow work.
  let first: { at: number; done: number } | undefined;
  let last = 0;
  return {
    update(done, total, detail) {
      const now = performance.now();
      if (first === undefined) {
        first = { at: now, done };
        last = now;
        return;
      }
      if (now - last < every && done < total) return;
      last = now;
      const seconds = (now - first.at) / 1000;
      const rate = seconds > 0 ? (done - first.done) / seconds : 0;
      const left = done >= total ? "0s" : rate > 0 ? formatDuration((total - done) / rate) : "unknown";
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : "0.0";
      const extra = detail ? `, ${detail}` : "";
      const shown = Number.isInteger(done) ? String(done) : done.toFixed(1);
      process.stderr.write(`tpusim: ${label}: ${shown}/${total} ${unit} (${pct} %), ${formatRate(rate)} ${unit}/s, about ${left} left${extra}\n`);
    },
  };
}

function formatRate(r: number): string {
  return r >= 100 ? Math.round(r).toLocaleString("en-US") : r.toPrecision(3);
}

/** 75 -> "1m 15s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

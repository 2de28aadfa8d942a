/**
 * Running sweep points for people, shared by `tpusim sweep` and `tpusim merge --finish`: a bar on a
 * terminal, otherwise a line per finished point and a progress line every few seconds; Ctrl-C keeps
 * the points that had finished.
 */
import { StopRequested } from "../../jobs/drive.js";
import { runSweep, type SweepPlan, type SweepProgress, type SweepResult } from "../../jobs/sweep.js";
import { sweepColumns, type SweepRow } from "../../jobs/sweep-point.js";
import type { CsvCell } from "../../io/sweep-csv.js";
import { fmtInt, fmtPct } from "../output.js";
import { progressBar, progressLines } from "../progress.js";
import { stopFlag } from "../stop.js";

export interface SweepRunSettings {
  json: boolean;
  jobs: number;
  trainLimit?: number;
  testLimit?: number;
  maxCycles?: number;
}

/** A finished sweep, or the points that had finished when Ctrl-C stopped it (in point order). */
export type SweepOutcome = { result: SweepResult; interrupted: false } | { rows: SweepRow[]; interrupted: true };

export async function runSweepWithProgress(plan: SweepPlan, s: SweepRunSettings): Promise<SweepOutcome> {
  const barEnabled = !s.json && process.stderr.isTTY === true;
  const bar = progressBar(barEnabled, Math.max(1, plan.jobs.length), "sweep |{bar}| {percentage}% | {done}/{points} points done | running {running}");
  const lines = progressLines(!s.json, "sweep", "points");
  const finished: SweepRow[] = [];
  try {
    const result = await runSweep(plan, {
      jobs: s.jobs,
      trainLimit: s.trainLimit,
      testLimit: s.testLimit,
      maxCycles: s.maxCycles,
      stop: stopFlag,
      onProgress: (p) => {
        const done = p.done + p.running.reduce((sum, r) => sum + r.fraction, 0);
        bar.update(done, barPayload(p));
        lines.update(done, p.points, `running ${barPayload(p).running}`);
      },
      onPoint: (row, done, points) => {
        finished.push(row);
        if (!barEnabled && !s.json) process.stderr.write(`[${done}/${points}] ${describePoint(row)}\n`);
      },
    });
    return { result, interrupted: false };
  } catch (err) {
    if (!(err instanceof StopRequested)) throw err;
    return { rows: finished.sort((a, b) => a.point - b.point), interrupted: true };
  } finally {
    bar.stop();
  }
}

/** A row's CSV cells, in the sweep table's column order. */
export function rowCells(row: SweepRow, varied: readonly string[]): CsvCell[] {
  return sweepColumns(varied).map((c) => c.value(row));
}

function barPayload(p: SweepProgress): Record<string, string | number> {
  const running = p.running.map((r) => `${r.label} ${Math.floor(100 * r.fraction)}%`).join(", ");
  return { done: p.done, points: p.points, running: running || "-" };
}

export function describePoint(r: SweepRow): string {
  const acc = r.testAccuracy === null ? "" : `, test accuracy ${fmtPct(r.testAccuracy)}`;
  const params = Object.entries(r.params).map(([k, v]) => ` ${k}=${v}`).join("");
  const bound = r.boundRatio === null ? "" : ` (per step ${fmtInt(r.stepCycles ?? 0)}, ratio ${r.boundRatio.toFixed(2)} to the bound, ${r.boundBinding})`;
  return `point ${r.point} ${r.rows}x${r.cols}${params}: ${fmtInt(r.cycles)} cycles${bound}, utilization ${fmtPct(r.utilization)}, loss ${r.loss.toFixed(4)}${acc} (${r.wallSeconds.toFixed(1)} s)`;
}

/**
 * Sweep points on worker threads: each worker takes the next point when it finishes one, so long
 * points (small arrays) and short ones share the cores. The training data sits in shared memory and
 * is handed to every worker once. The worker is the compiled sweep-worker.js beside this file. A
 * point is a training run (`tpusim sweep`) or a topology's layers (`tpusim topology`).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { StopRequested, type StopFlag } from "./drive.js";
import { errorFromWire, pointFailed, type PointJob, type SweepData, type SweepRow, type WireError } from "./sweep-point.js";
import type { TopologyPointJob, TopologyRow } from "./topology.js";

/** What a worker runs for one point. */
export type PoolJob = { kind: "train"; job: PointJob } | { kind: "topology"; job: TopologyPointJob };

/** Main thread -> worker. */
export type ToWorker = { type: "run"; slot: number; job: PoolJob } | { type: "done" };

/** Worker -> main thread; `row` is the point's result (a SweepRow, or a topology's layer rows). */
export type FromWorker =
  | { type: "fraction"; slot: number; fraction: number }
  | { type: "row"; slot: number; row: unknown }
  | { type: "error"; slot: number; error: WireError };

export interface PoolHooks<R> {
  stop?: StopFlag;
  onStart: (slot: number) => void;
  onFraction: (slot: number, fraction: number) => void;
  onRow: (slot: number, row: R) => void;
}

/** How often a running pool looks at the stop flag (Ctrl-C). */
const STOP_POLL_MS = 100;

export function workerUrl(): URL {
  return new URL("./sweep-worker.js", import.meta.url);
}

/** Training points (`tpusim sweep`); `data` is the training data every worker shares. */
export function runPointsInWorkers(jobs: readonly PointJob[], data: SweepData, workers: number, hooks: PoolHooks<SweepRow>): Promise<SweepRow[]> {
  return runInWorkers<SweepRow>(jobs.map((job) => ({ kind: "train", job })), data, workers, hooks);
}

/** Topology points (`tpusim topology`): each makes its own layer data. */
export function runTopologyPointsInWorkers(jobs: readonly TopologyPointJob[], workers: number, hooks: PoolHooks<TopologyRow[]>): Promise<TopologyRow[][]> {
  return runInWorkers<TopologyRow[]>(jobs.map((job) => ({ kind: "topology", job })), null, workers, hooks);
}

function runInWorkers<R>(jobs: readonly PoolJob[], data: SweepData | null, workers: number, hooks: PoolHooks<R>): Promise<R[]> {
  const url = workerUrl();
  if (!existsSync(fileURLToPath(url))) {
    // Under a TypeScript runner this module is a .ts file and there is no compiled worker beside it.
    return Promise.reject(new Error(`sweep workers need the compiled ${fileURLToPath(url)} (run \`npx tsc -p .\`), or run with jobs: 1`));
  }
  return new Promise<R[]>((resolve, reject) => {
    const rows: R[] = new Array(jobs.length);
    const pool: Worker[] = [];
    const retired = new Set<Worker>();
    let next = 0;
    let done = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      for (const w of pool) void w.terminate();
      if (err === undefined) resolve(rows);
      else reject(err);
    };
    const timer = setInterval(() => {
      if (hooks.stop?.stopped) finish(new StopRequested());
    }, STOP_POLL_MS);
    const feed = (w: Worker) => {
      if (next >= jobs.length) {
        retired.add(w);
        w.postMessage({ type: "done" } satisfies ToWorker);
        return;
      }
      const slot = next++;
      hooks.onStart(slot);
      w.postMessage({ type: "run", slot, job: jobs[slot] } satisfies ToWorker);
    };
    for (let i = 0; i < workers; i++) {
      const w = new Worker(url, { workerData: data });
      pool.push(w);
      w.on("message", (m: FromWorker) => {
        if (settled) return;
        if (m.type === "fraction") hooks.onFraction(m.slot, m.fraction);
        else if (m.type === "error") finish(pointFailed(errorFromWire(m.error), jobs[m.slot].job.point));
        else {
          rows[m.slot] = m.row as R;
          hooks.onRow(m.slot, m.row as R);
          if (++done === jobs.length) finish();
          else feed(w);
        }
      });
      w.on("error", (err) => finish(err));
      w.on("exit", (code) => {
        if (!settled && !(retired.has(w) && code === 0)) finish(new Error(`a sweep worker exited (code ${code}) before the sweep finished`));
      });
      feed(w);
    }
  });
}

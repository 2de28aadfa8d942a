/** Worker-thread entry of a sweep (sweep-pool.ts): runs the points it is sent (training or topology), one at a time. */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./sweep-pool.js";
import { errorToWire, runPoint, type SweepData } from "./sweep-point.js";
import { runTopologyPoint } from "./topology.js";

const port = parentPort;
if (port === null) throw new Error("sweep-worker.js runs only as a worker thread of a sweep");
const data = workerData as SweepData;

port.on("message", (m: ToWorker) => {
  if (m.type === "done") {
    port.close();
    return;
  }
  const send = (msg: FromWorker) => port.postMessage(msg);
  const onFraction = (fraction: number) => send({ type: "fraction", slot: m.slot, fraction });
  const run: Promise<unknown> = m.job.kind === "train" ? runPoint(m.job.job, data, { onFraction }) : runTopologyPoint(m.job.job, { onFraction });
  run.then(
    (row) => send({ type: "row", slot: m.slot, row }),
    (err: unknown) => send({ type: "error", slot: m.slot, error: errorToWire(err) }),
  );
});

/** Worker-thread entry of a sweep (sweep-pool.ts): runs the points it is sent, one at a time. */
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./sweep-pool.js";
import { errorToWire, runPoint, type SweepData } from "./sweep-point.js";

const port = parentPort;
if (port === null) throw new Error("sweep-worker.js runs only as a worker thread of a sweep");
const data = workerData as SweepData;

port.on("message", (m: ToWorker) => {
  if (m.type === "done") {
    port.close();
    return;
  }
  const send = (msg: FromWorker) => port.postMessage(msg);
  runPoint(m.job, data, { onFraction: (fraction) => send({ type: "fraction", slot: m.slot, fraction }) }).then(
    (row) => send({ type: "row", slot: m.slot, row }),
    (err: unknown) => send({ type: "error", slot: m.slot, error: errorToWire(err) }),
  );
});

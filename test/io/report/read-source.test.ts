/** Reading a saved result back for `tpusim report`: what is accepted, and errors that name the JSON path. */
import { describe, expect, it } from "vitest";
import { parseReportSource } from "../../../src/io/report/read-source.js";
import { errorOf } from "../../helpers/user-error.js";

const machine = { name: "small", rows: 8, cols: 8, dtype: "bf16", clockMHz: 700, weightBytesPerCycle: 16, hostBytesPerCycle: 16, peakMacsPerCycle: 64 };
const stats = { cycles: 10, stalls: {}, unitBusyCycles: {}, bytes: {} };
const run = { command: "run", program: "p.s", mode: "detailed", hardware: machine, stats, timeline: null, arrayView: null };
const layer = {
  point: 0, rows: 8, cols: 8, params: {}, layer: 0, name: "conv1", kind: "conv", m: 4, k: 9, n: 2, cycles: 50, macs: 72, utilization: 0.02, tops: 0.001,
  matrixBusyCycles: 10, stalls: {}, bytes: { weightMemoryRead: 18 }, energy: { totalJ: 1e-6, topsPerW: 0.1 }, peakMacsPerCycle: 64, weightBytesPerCycle: 16, clockMHz: 700,
};
const total = { point: 0, rows: 8, cols: 8, params: {}, layers: 1, cycles: 50, macs: 72, utilization: 0.02, energy: { totalJ: 1e-6, topsPerW: 0.1, averagePowerW: 14 } };
const topology = { command: "topology", topology: "t.csv", format: "conv", mode: "fast", total: 1, vary: [], rows: [layer], totals: [total] };

describe("report sources", () => {
  it("accepts a run result and tells a single attack from an epsilon sweep", () => {
    expect(parseReportSource(JSON.stringify(run), "r.json").command).toBe("run");
    const sweep = { command: "adversarial", workload: "w", hardware: machine, rows: [], cleanAccuracy: 1 };
    expect(parseReportSource(JSON.stringify(sweep), "a.json")).toMatchObject({ rows: [] });
    expect(parseReportSource(JSON.stringify(topology), "t.json").command).toBe("topology");
  });

  it.each([
    ["not JSON", "{", /^r\.json: not JSON \(.*\); give the output of a tpusim command run with --json$/],
    ["not an object", "[1]", /^r\.json, \$: expected one JSON object/],
    ["no command (a workload spec)", JSON.stringify({ name: "mnist", layers: [] }), /^r\.json, \$\.command: no "command" field; reports are made from the --json results of train, eval, run, matmul, sweep, topology, adversarial, fool$/],
    ["a command without reports", JSON.stringify({ command: "merge" }), /\$\.command: "command" is "merge"/],
    ["a missing field", JSON.stringify({ ...run, timeline: undefined }), /^r\.json, \$\.timeline: expected object or null, it is missing/],
    ["a nested field of the wrong type", JSON.stringify({ ...run, hardware: { ...machine, rows: "8" } }), /\$\.hardware\.rows: expected number, found string/],
    ["a topology row without energy (an older tpusim)", JSON.stringify({ ...topology, rows: [{ ...layer, energy: undefined }] }), /^r\.json, \$\.rows\[0\]\.energy\.totalJ: expected number, it is missing/],
    ["a topology result without per-point totals", JSON.stringify({ ...topology, totals: undefined }), /\$\.totals: expected array, it is missing/],
    ["a sweep row without roofs (an older tpusim)", JSON.stringify({ command: "sweep", workload: "w", vary: [], total: 1, rows: [{ point: 0 }] }), /\$\.rows\[0\]\.rows: expected number/],
  ])("%s", (_name, text, message) => {
    expect(errorOf(() => parseReportSource(text, "r.json")).message).toMatch(message);
  });
});

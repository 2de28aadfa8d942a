/** Reading a saved result back for `tpusim report`: what is accepted, and errors that name the JSON path. */
import { describe, expect, it } from "vitest";
import { parseReportSource } from "../../../src/io/report/read-source.js";
import { errorOf } from "../../helpers/user-error.js";

const machine = { name: "small", rows: 8, cols: 8, dtype: "bf16", clockMHz: 700, weightBytesPerCycle: 16, hostBytesPerCycle: 16, peakMacsPerCycle: 64 };
const stats = { cycles: 10, stalls: {}, unitBusyCycles: {}, bytes: {} };
const run = { command: "run", program: "p.s", mode: "detailed", hardware: machine, stats, timeline: null, arrayView: null };

describe("report sources", () => {
  it("accepts a run result and tells a single attack from an epsilon sweep", () => {
    expect(parseReportSource(JSON.stringify(run), "r.json").command).toBe("run");
    const sweep = { command: "adversarial", workload: "w", hardware: machine, rows: [], cleanAccuracy: 1 };
    expect(parseReportSource(JSON.stringify(sweep), "a.json")).toMatchObject({ rows: [] });
  });

  it.each([
    ["not JSON", "{", /^r\.json: not JSON \(.*\); give the output of a tpusim command run with --json$/],
    ["not an object", "[1]", /^r\.json, \$: expected one JSON object/],
    ["no command (a workload spec)", JSON.stringify({ name: "mnist", layers: [] }), /^r\.json, \$\.command: no "command" field; reports are made from the --json results of train, eval, run, matmul, sweep, adversarial, fool$/],
    ["a command without reports", JSON.stringify({ command: "merge" }), /\$\.command: "command" is "merge"/],
    ["a missing field", JSON.stringify({ ...run, timeline: undefined }), /^r\.json, \$\.timeline: expected object or null, it is missing/],
    ["a nested field of the wrong type", JSON.stringify({ ...run, hardware: { ...machine, rows: "8" } }), /\$\.hardware\.rows: expected number, found string/],
    ["a sweep row without roofs (an older tpusim)", JSON.stringify({ command: "sweep", workload: "w", vary: [], total: 1, rows: [{ point: 0 }] }), /\$\.rows\[0\]\.rows: expected number/],
  ])("%s", (_name, text, message) => {
    expect(errorOf(() => parseReportSource(text, "r.json")).message).toMatch(message);
  });
});

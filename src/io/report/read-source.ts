/**
 * Reading a saved `--json` result back for `tpusim report`: the file must be one JSON object from a
 * command that makes reports, with the fields its page needs. Errors name the file and JSON path.
 */
import { readFileSync } from "node:fs";
import { UserInputError } from "../../errors.js";
import { REPORT_COMMANDS, type ReportSource } from "./sources.js";

type Kind = "number" | "string" | "boolean" | "array" | "object" | "number|null" | "object|null";

const MACHINE: Record<string, Kind> = { "hardware": "object", "hardware.rows": "number", "hardware.cols": "number", "hardware.clockMHz": "number", "hardware.dtype": "string" };
const STATS: Record<string, Kind> = { "stats": "object", "stats.cycles": "number", "stats.stalls": "object", "stats.unitBusyCycles": "object", "stats.bytes": "object" };

/** Fields each kind of result must have (dotted paths), beyond `command`. */
const REQUIRED: Record<string, Record<string, Kind>> = {
  train: { workload: "string", ...MACHINE, ...STATS, epochs: "array", windows: "array", stepWindow: "number", steps: "number", timeline: "object|null", firstLayer: "object|null" },
  eval: { workload: "string", ...MACHINE, ...STATS, accuracy: "number", images: "number", timeline: "object|null" },
  run: { ...MACHINE, ...STATS, mode: "string", timeline: "object|null", arrayView: "object|null" },
  matmul: { ...MACHINE, ...STATS, mode: "string", m: "number", k: "number", n: "number", timeline: "object|null", arrayView: "object|null" },
  sweep: { workload: "string", rows: "array", vary: "array", total: "number" },
  topology: { topology: "string", format: "string", mode: "string", rows: "array", vary: "array", total: "number", totals: "array" },
  points: { title: "string", axis: "string", points: "array" },
  "adversarial-single": { workload: "string", ...MACHINE, originalPixels: "array", perturbedPixels: "array", originalOutputs: "array", perturbedOutputs: "array", epsilon: "number" },
  "adversarial-sweep": { workload: "string", ...MACHINE, rows: "array", cleanAccuracy: "number" },
  fool: { workload: "string", ...MACHINE, noisePixels: "array", patternPixels: "array", outputs: "array", noiseOutputs: "array", history: "array" },
};

/** Per sweep row, the fields the points page reads (older results lack the roofs). */
const SWEEP_ROW: Record<string, Kind> = { point: "number", rows: "number", cols: "number", cycles: "number", macs: "number", utilization: "number", tops: "number", stalls: "object", weightMemoryReadBytes: "number", peakMacsPerCycle: "number", weightBytesPerCycle: "number", clockMHz: "number" };

/** Per topology row and per point total, the fields the topology page reads. */
const TOPOLOGY_ROW: Record<string, Kind> = {
  point: "number", rows: "number", cols: "number", params: "object", layer: "number", name: "string", kind: "string", m: "number", k: "number", n: "number",
  cycles: "number", macs: "number", utilization: "number", tops: "number", matrixBusyCycles: "number", stalls: "object", "bytes.weightMemoryRead": "number",
  "energy.totalJ": "number", "energy.topsPerW": "number", peakMacsPerCycle: "number", weightBytesPerCycle: "number", clockMHz: "number",
};
const TOPOLOGY_TOTAL: Record<string, Kind> = {
  point: "number", rows: "number", cols: "number", params: "object", layers: "number", cycles: "number", macs: "number", utilization: "number",
  "energy.totalJ": "number", "energy.topsPerW": "number", "energy.averagePowerW": "number",
};

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function check(obj: Record<string, unknown>, fields: Record<string, Kind>, file: string, prefix: string): void {
  for (const [path, kind] of Object.entries(fields)) {
    const value = path.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
    if (!kind.split("|").includes(kindOf(value))) {
      const found = value === undefined ? "it is missing" : `found ${kindOf(value)}`;
      throw new UserInputError(`expected ${kind.replace("|", " or ")}, ${found}; was the file written by a current tpusim with --json?`, { file, jsonPath: `${prefix}.${path}` });
    }
  }
}

export function parseReportSource(text: string, file: string): ReportSource {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserInputError(`not JSON (${(err as Error).message}); give the output of a tpusim command run with --json`, { file });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UserInputError("expected one JSON object, the output of a tpusim command run with --json", { file, jsonPath: "$" });
  }
  const obj = value as Record<string, unknown>;
  const command = obj.command;
  if (typeof command !== "string" || !(REPORT_COMMANDS as readonly string[]).includes(command)) {
    const what = command === undefined ? "no \"command\" field" : `"command" is ${JSON.stringify(command)}`;
    throw new UserInputError(`${what}; reports are made from the --json results of ${REPORT_COMMANDS.filter((c) => c !== "points").join(", ")}`, { file, jsonPath: "$.command" });
  }
  const key = command === "adversarial" ? (Array.isArray(obj.rows) ? "adversarial-sweep" : "adversarial-single") : command;
  check(obj, REQUIRED[key], file, "$");
  if (command === "sweep") (obj.rows as unknown[]).forEach((row, i) => check(row as Record<string, unknown>, SWEEP_ROW, file, `$.rows[${i}]`));
  if (command === "topology") {
    (obj.rows as unknown[]).forEach((row, i) => check(row as Record<string, unknown>, TOPOLOGY_ROW, file, `$.rows[${i}]`));
    (obj.totals as unknown[]).forEach((t, i) => check(t as Record<string, unknown>, TOPOLOGY_TOTAL, file, `$.totals[${i}]`));
  }
  return obj as unknown as ReportSource;
}

export function readReportSource(file: string): ReportSource {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserInputError(code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a result file" : `cannot read: ${(err as Error).message}`, { file });
  }
  return parseReportSource(text, file);
}

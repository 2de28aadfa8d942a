/**
 * sim/trace.ts: readTraceCounters, the field-by-field reader the sinks use, gives the columns of
 * TRACE_COUNTERS (the one column list) in its order; a counter added to one and not the other fails here.
 */
import { describe, expect, it } from "vitest";
import { TRACE_COUNTERS, makeTraceRow, readTraceCounters, type TraceRow } from "../../src/sim/trace.js";

describe("readTraceCounters", () => {
  it("reads exactly TRACE_COUNTERS' fields, in order, at the offset given", () => {
    const row = makeTraceRow() as TraceRow & Record<string, unknown>;
    // A distinct value in every numeric field, so a swapped or missing column shows.
    let v = 101;
    for (const key of Object.keys(row)) if (typeof row[key] === "number") row[key] = v++;
    const out = new Float64Array(3 + TRACE_COUNTERS.length).fill(-1);
    readTraceCounters(row, out, 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([-1, -1, -1]);
    expect(Array.from(out.subarray(3))).toEqual(TRACE_COUNTERS.map((c) => row[c.field]));
    // Every numeric field after head_pc is a counter column.
    const numeric = Object.keys(row).filter((k) => typeof row[k] === "number" && !["cycle", "stall", "headPc"].includes(k));
    expect(TRACE_COUNTERS.map((c) => c.field as string).sort()).toEqual(numeric.sort());
  });
});

/**
 * The report's capture sink against independent records of the same runs: the controller's own
 * statistics (counted at issue and per charged cycle, not from trace rows), a plain recording sink,
 * and the exact matrix product.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../../src/config/hw-config.js";
import { CaptureSink } from "../../../src/io/report/capture-sink.js";
import { TimelineRecorder, TIMELINE_LANES, TIMELINE_STATES } from "../../../src/io/report/timeline-recorder.js";
import { unpackArray, type ArrayView } from "../../../src/io/report/views.js";
import { readProgramFile } from "../../../src/jobs/program-file.js";
import { Simulator, type SimMode } from "../../../src/sim/controller.js";
import { STALL_CAUSES, TRACE_UNITS, makeTraceRow } from "../../../src/sim/trace.js";
import { RecordingSink } from "../../helpers/programs.js";
import { referenceMatmulBf16 } from "../../helpers/reference-matmul.js";

const REPO = join(import.meta.dirname, "../../..");
const EXAMPLE = readProgramFile(join(REPO, "examples/matmul-8x8.s"));
const HW = buildHwConfig("small", { rows: 8, cols: 8 });

function run(mode: SimMode, capture: CaptureSink): Simulator {
  const sim = new Simulator(HW, { mode });
  sim.load(EXAMPLE);
  if (!sim.run({ sink: capture, maxCycles: 100_000 })) throw new Error("did not halt");
  return sim;
}

describe("timeline recorder", () => {
  it("turns per-cycle rows into runs per unit and a stall-cause lane (hand-made rows)", () => {
    const rec = new TimelineRecorder({ from: 100, maxCycles: 50, maxSegments: 100 });
    const row = makeTraceRow();
    const dma = TRACE_UNITS.indexOf("dma");
    const matrix = TRACE_UNITS.indexOf("matrix");
    // cycles 100-102: DMA pc 0 busy, matrix stalled on pc 1 (host_transfer); 103-104: matrix busy pc 1, DMA idle.
    for (let t = 100; t <= 104; t++) {
      row.cycle = t;
      row.pc.fill(-1);
      row.state.fill(0);
      if (t <= 102) {
        row.pc[dma] = 0;
        row.state[dma] = 1;
        row.pc[matrix] = 1;
        row.state[matrix] = 2;
        row.stall = STALL_CAUSES.indexOf("host_transfer");
      } else {
        row.pc[matrix] = 1;
        row.state[matrix] = 1;
        row.stall = 0;
      }
      rec.cycle(row, 1);
    }
    rec.instruction(0, "pc 0: RHM", 100, 102);
    rec.instruction(1, "pc 1: MMUL", 103, 110);
    const t = rec.result("test", 105);
    const lane = (name: string) => TIMELINE_LANES.indexOf(name);
    const state = (name: string) => TIMELINE_STATES.indexOf(name);
    expect(t.segments).toEqual([
      [lane("dma"), 0, 2, state("busy"), 0],
      [lane("matrix"), 0, 2, state("stalled"), 1],
      [lane("matrix stall"), 0, 2, state("host_transfer"), -1],
      [lane("matrix"), 3, 4, state("busy"), 1],
    ]);
    expect(t).toMatchObject({ fromCycle: 100, cycles: 5, truncated: false, texts: { 0: "pc 0: RHM", 1: "pc 1: MMUL" } });
    // The run went on past what was recorded: the timeline says it was cut short.
    expect(new TimelineRecorder({ from: 0, maxCycles: 5, maxSegments: 100 }).result("x", 9).truncated).toBe(true);
  });

  for (const mode of ["fast", "detailed"] as const) {
    it(`${mode} mode: busy and stall cycles add up to the controller's own counts`, () => {
      const capture = new CaptureSink({ timeline: { from: 0 } });
      const sim = run(mode, capture);
      const t = capture.timeline("run", sim.now);
      if (t === null) throw new Error("no timeline");
      expect(t.cycles).toBe(sim.stats.cycles);
      expect(t.truncated).toBe(false);
      const total = (lane: string, state: string) =>
        t.segments.filter((s) => t.lanes[s[0]] === lane && t.states[s[3]] === state).reduce((n, s) => n + s[2] - s[1] + 1, 0);
      for (const unit of ["dma", "weights", "activation", "vector"] as const) {
        expect(total(unit, "busy"), unit).toBe(sim.stats.unitBusyCycles[unit]);
      }
      for (const cause of STALL_CAUSES.slice(1)) {
        expect(total("matrix stall", cause), cause).toBe(sim.stats.stalls[cause as keyof typeof sim.stats.stalls]);
      }
      // The program stalls (weight load, shift, ...): the test is not vacuous.
      expect(Object.values(sim.stats.stalls).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      // Every pc on a bar has its text, as the instruction sink reported it.
      const rec = new RecordingSink();
      const again = new Simulator(HW, { mode });
      again.load(EXAMPLE);
      again.run({ sink: rec });
      for (const [, , , , pc] of t.segments.filter((s) => s[4] >= 0)) {
        expect(t.texts[pc]).toBe(rec.instructions.find((i) => i.pc === pc)?.text);
      }
    });
  }

  it("is the same in fast and detailed mode", () => {
    const a = new CaptureSink({ timeline: { from: 0 } });
    const b = new CaptureSink({ timeline: { from: 0 } });
    const sa = run("fast", a);
    const sb = run("detailed", b);
    expect(a.timeline("run", sa.now)).toEqual(b.timeline("run", sb.now));
  });
});

function decode(v: ArrayView) {
  return {
    bank: Array.from(unpackArray(v.bank)),
    actIn: Array.from(unpackArray(v.actIn)),
    weight: Array.from(unpackArray(v.weight)),
    psumIn: Array.from(unpackArray(v.psumIn)),
    psumOut: Array.from(unpackArray(v.psumOut)),
  };
}

describe("array recorder", () => {
  const region = { r0: 0, r1: 8, c0: 0, c1: 8 };
  const array = { arrayRows: 8, arrayCols: 8, dtype: "bf16", region, from: 0, to: Number.POSITIVE_INFINITY };

  it("holds exactly the PE rows a plain recording sink gets", () => {
    const forward = new RecordingSink(0, Number.POSITIVE_INFINITY, region);
    const capture = new CaptureSink({ array, forward });
    const sim = run("detailed", capture);
    const view = capture.arrayView(sim.now);
    if (view === null) throw new Error("no view");
    expect(view.cycles).toEqual(Array.from({ length: sim.now }, (_, t) => t));
    expect(view.truncated).toBe(false);
    const d = decode(view);
    expect(forward.pes).toHaveLength(64 * sim.now);
    forward.pes.forEach((p, i) => {
      const k = p.cycle * 64 + p.row * 8 + p.col;
      expect(i).toBe(k);
      expect([d.bank[k], d.actIn[k], d.weight[k], d.psumIn[k], d.psumOut[k]]).toEqual([p.bank, p.actIn, p.weight, p.psumIn, p.psumOut]);
    });
  });

  it("shows the product: the bottom row passes down C = A · B column by column", () => {
    const capture = new CaptureSink({ array });
    const sim = run("detailed", capture);
    const view = capture.arrayView(sim.now) as ArrayView;
    const d = decode(view);
    const host = EXAMPLE.data.find((s) => s.memory === "host")?.values as Float32Array;
    const weights = EXAMPLE.data.find((s) => s.memory === "weights")?.values as Float32Array;
    const c = referenceMatmulBf16(host.subarray(0, 64), 8, 8, weights.subarray(0, 64), 8);
    for (let col = 0; col < 8; col++) {
      const leaving = view.cycles.flatMap((_, k) => (d.bank[k * 64 + 7 * 8 + col] !== 0 ? [d.psumOut[k * 64 + 7 * 8 + col]] : []));
      expect(leaving, `column ${col}`).toEqual(Array.from({ length: 8 }, (_, row) => c[row * 8 + col]));
    }
  });

  it("keeps to its limits and says what it left out", () => {
    const capture = new CaptureSink({ array: { ...array, region: { r0: 2, r1: 40, c0: 0, c1: 3 }, maxPes: 16, maxSamples: 12 * 10 } });
    const sim = run("detailed", capture);
    const view = capture.arrayView(sim.now) as ArrayView;
    // 38 rows asked for: at most 4 (sqrt of 16) from row 2, and the array ends at row 8.
    expect(view.region).toEqual({ r0: 2, r1: 6, c0: 0, c1: 3 });
    expect(view.requested).toEqual({ r0: 2, r1: 40, c0: 0, c1: 3 });
    expect(view.cycles).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(view.truncated).toBe(true);
    expect(unpackArray(view.bank)).toHaveLength(10 * 12);
  });

  it("passes the other sink only the cycles of its own window", () => {
    const forward = new RecordingSink(10, 20);
    const capture = new CaptureSink({ timeline: { from: 0 }, forward });
    run("fast", capture);
    expect(forward.rows.map((r) => r.cycle)).toEqual(Array.from({ length: 11 }, (_, i) => 10 + i));
  });
});

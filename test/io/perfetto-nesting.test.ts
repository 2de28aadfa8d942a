/**
 * Issue 19, "Traces that add up" (Perfetto part): in the Perfetto JSON, slices on one track nest or do
 * not overlap; a unit whose instructions overlap (pipelined MMUL passes) gets more tracks ("matrix 2").
 * Checked on real traces of the simulator with the nesting rule of Perfetto's trace processor
 * (test/helpers/trace-nesting.ts; the processor's Python package cannot be installed here: PyPI is
 * unreachable).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { compileTrainingStep } from "../../src/compiler/index.js";
import { PerfettoSink } from "../../src/io/perfetto-sink.js";
import { readProgramFile } from "../../src/jobs/program-file.js";
import { runProgram } from "../../src/jobs/run-program.js";
import type { Program } from "../../src/isa/program.js";
import type { SimMode } from "../../src/sim/controller.js";
import { parseWorkload } from "../../src/workloads/spec.js";
import { nestingViolations, type Slice } from "../helpers/trace-nesting.js";

const dir = mkdtempSync(join(tmpdir(), "tpusim-nesting-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Event extends Slice {
  cat?: string;
  args?: Record<string, unknown>;
}

async function perfetto(name: string, program: Program, rows: number, cols: number, mode: SimMode): Promise<Event[]> {
  const path = join(dir, `${name}-${mode}.json`);
  const sink = new PerfettoSink(path);
  const hw = buildHwConfig("small", { rows, cols });
  await runProgram({ program, hw, mode, sink, maxCycles: 10_000_000 });
  await sink.close();
  return JSON.parse(readFileSync(path, "utf8")).traceEvents;
}

/** The same slices with every unit on a single track, as the sink wrote them before issue 19. */
const oneTrackPerUnit = (events: Event[]): Event[] => events.map((e) => (e.ph === "X" ? { ...e, tid: 100 + ["dma", "weights", "matrix", "activation", "vector"].indexOf(e.cat ?? "") } : e));

/** Track names by thread id. */
const trackNames = (events: Event[]) => new Map(events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, String(e.args?.name)]));

describe("the nesting checker", () => {
  const x = (ts: number, dur: number, tid = 1): Slice => ({ name: "s", ph: "X", ts, dur, pid: 1, tid });
  it("accepts nested and disjoint slices, including ones sharing an edge", () => {
    expect(nestingViolations([x(0, 10), x(2, 3), x(5, 5), x(10, 4), x(10, 1)])).toEqual([]);
  });
  it("finds a partial overlap, and only on one track", () => {
    expect(nestingViolations([x(0, 10), x(5, 10)])).toHaveLength(1);
    expect(nestingViolations([x(0, 10), x(5, 10, 2)])).toEqual([]);
    expect(nestingViolations([x(0, 10), x(1, 2), x(2, 10)])).toHaveLength(1);
  });
});

describe("Perfetto traces of real runs: slices on a track nest or are disjoint", () => {
  const workload = parseWorkload(readFileSync("workloads/mnist-784-16-16-10.json", "utf8"));
  const cases: [string, () => Program, number, number][] = [
    ["examples/double-buffer.s", () => readProgramFile("examples/double-buffer.s"), 4, 4],
    ["examples/matmul-8x8.s", () => readProgramFile("examples/matmul-8x8.s"), 8, 8],
    ["a training step of 784-16-16-10 on 8x8", () => compileTrainingStep({ ...workload, batch: 16 }, buildHwConfig("small")).program, 8, 8],
  ];
  for (const [name, program, rows, cols] of cases) {
    for (const mode of ["fast", "detailed"] as const) {
      it(`${name} (${mode})`, async () => {
        const events = await perfetto(name.replace(/\W+/g, "-"), program(), rows, cols, mode);
        const slices = events.filter((e) => e.ph === "X");
        expect(slices.length).toBeGreaterThan(3);
        expect(nestingViolations(events)).toEqual([]);
        // Every slice stays on a track of its own unit.
        const names = trackNames(events);
        for (const s of slices) expect(names.get(s.tid)?.split(" ")[0]).toBe(s.cat);
      });
    }
  }

  it("the overlap is real: on one track per unit the pipelined passes would overlap, so the matrix unit has a second track", async () => {
    const step = compileTrainingStep({ ...workload, batch: 16 }, buildHwConfig("small")).program;
    const events = await perfetto("overlap", step, 8, 8, "fast");
    const collapsed = nestingViolations(oneTrackPerUnit(events));
    expect(collapsed.length).toBeGreaterThan(0);
    expect(collapsed.every((v) => v.inner.tid === 102)).toBe(true);
    expect([...trackNames(events).values()]).toContain("matrix 2");
    const sort = events.filter((e) => e.name === "thread_sort_index").map((e) => [trackNames(events).get(e.tid), e.args?.sort_index]);
    expect(sort).toContainEqual(["matrix", 3000]);
    expect(sort).toContainEqual(["matrix 2", 3001]);
  });
});

/**
 * Sweeps (src/jobs/sweep.ts), run in this thread (`jobs: 1`): flag parsing, the point order, the
 * numbers of a point against a single training run of the same machine, and sharding.
 */
import { describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist.js";
import { UserInputError } from "../../src/errors.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { inShard, parseArrayList, parseShard, parseVary, planSweep, runSweep, sweepPoints, type SweepInput, type SweepRow } from "../../src/jobs/sweep.js";
import { train, type TrainResult } from "../../src/jobs/train.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16 };
const trainSet = loadMnist("train", { limit: 160 });
const testSet = loadMnist("test", { limit: 40 });

function input(over: Partial<SweepInput>): SweepInput {
  return { spec, hardware: {}, arrays: [[4, 4]], vary: [], shard: null, mode: "fast", epochs: 1, steps: null, ...over };
}

/** The UserInputError `f` throws: its field and message. */
function inputError(f: () => unknown): { field: string | undefined; message: string } {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UserInputError);
    const e = err as UserInputError;
    expect(e.message).not.toMatch(/\n/);
    return { field: e.where.field, message: e.message };
  }
  throw new Error("expected a UserInputError");
}

describe("sweep flags", () => {
  it("--arrays: square and rectangular sizes in the order given", () => {
    expect(parseArrayList("4x4, 8x32,256X256")).toEqual([[4, 4], [8, 32], [256, 256]]);
  });

  it.each(["0x4", "abc", "4x", "4x4,,8x8", "4x4,4x4", "5000x4"])("--arrays %s is an error naming the flag", (text) => {
    expect(inputError(() => parseArrayList(text)).field).toBe("--arrays");
  });

  it("--vary: aliases, full names and values", () => {
    expect(parseVary("ub=1048576|4194304,fifo=2|4,clockMHz=940")).toEqual([
      { param: "unifiedBufferBytes", label: "ub", values: [1048576, 4194304] },
      { param: "weightFifoTiles", label: "fifo", values: [2, 4] },
      { param: "clockMHz", label: "clockMHz", values: [940] },
    ]);
    expect(parseVary("bw=64,host=8,acc=512").map((v) => v.param)).toEqual(["weightBytesPerCycle", "hostBytesPerCycle", "accumulatorRows"]);
  });

  it.each([
    ["speed=2", /unknown parameter "speed"/],
    ["rows=4", /unknown parameter "rows"/],
    ["dtype=1", /unknown parameter "dtype"/],
    ["ub=big", /"big" is not a number/],
    ["fifo=2|", /"" is not a number/],
    ["fifo", /expected name=v1\|v2/],
    ["fifo=2,weightFifoTiles=4", /varied twice/],
    ["fifo=2|2", /value twice/],
  ])("--vary %s is an error naming the flag", (text, pattern) => {
    const e = inputError(() => parseVary(text));
    expect(e.field).toBe("--vary");
    expect(e.message).toMatch(pattern);
  });

  it("--shard i/n is 1-based; bad slices name the flag", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/3", "4/3", "x", "1/0", "1/", "-1/3"]) expect(inputError(() => parseShard(bad)).field).toBe("--shard");
  });

  it("a varied value the machine rejects names --vary", () => {
    const e = inputError(() => planSweep(input({ vary: parseVary("fifo=2|0") })));
    expect(e.field).toBe("--vary");
    expect(e.message).toMatch(/fifo=0: weightFifoTiles must be an integer >= 1/);
  });
});

describe("sweep points", () => {
  it("are the cartesian product, arrays outermost and the last varied parameter fastest", () => {
    const points = sweepPoints([[4, 4], [8, 32]], parseVary("fifo=2|4,bw=16|32|64"));
    expect(points).toHaveLength(12);
    expect(points.map((p) => p.index)).toEqual([...Array(12).keys()]);
    expect(points[0]).toEqual({ index: 0, rows: 4, cols: 4, params: { weightFifoTiles: 2, weightBytesPerCycle: 16 }, label: "4x4 fifo=2 bw=16" });
    expect(points[5].label).toBe("4x4 fifo=4 bw=64");
    expect(points[6].label).toBe("8x32 fifo=2 bw=16");
  });

  it("shards partition the points by index modulo n", () => {
    const all = sweepPoints([[4, 4], [8, 8], [16, 16]], parseVary("fifo=1|2|3"));
    const slices = [1, 2, 3, 4].map((index) => all.filter((p) => inShard(p.index, { index, count: 4 })).map((p) => p.index));
    expect(slices[1]).toEqual([1, 5]);
    expect(slices.flat().sort((a, b) => a - b)).toEqual(all.map((p) => p.index));
  });
});

/** Every number a sweep records, from a single run's result. */
function expectedRow(r: TrainResult, point: number, params: Record<string, number>): Omit<SweepRow, "wallSeconds"> {
  const s = r.stats;
  const last = r.epochs[r.epochs.length - 1];
  return {
    point,
    rows: r.hardware.rows,
    cols: r.hardware.cols,
    params,
    cycles: s.cycles,
    stepCycles: s.cycles / r.steps,
    boundCycles: r.perStep?.bound.cycles ?? null,
    boundRatio: r.perStep === null ? null : Math.round((s.cycles / r.steps / r.perStep.bound.cycles) * 10000) / 10000,
    boundBinding: r.perStep?.bound.binding ?? null,
    seconds: s.seconds,
    clockMHz: s.clockMHz,
    macs: s.macs,
    utilization: s.utilization,
    tops: s.tops,
    matrixBusyCycles: s.matrixBusyCycles,
    stalls: s.stalls,
    weightMemoryReadBytes: s.bytes.weightMemoryRead,
    unifiedBufferReadBytes: s.bytes.unifiedBufferRead,
    unifiedBufferWrittenBytes: s.bytes.unifiedBufferWritten,
    energy: s.energy,
    steps: r.steps,
    loss: last.loss,
    testAccuracy: last.testAccuracy,
    peakMacsPerCycle: r.hardware.rows * r.hardware.cols,
    weightBytesPerCycle: r.hardware.weightBytesPerCycle,
  };
}

function withoutWall(row: SweepRow): Omit<SweepRow, "wallSeconds"> {
  const { wallSeconds, ...rest } = row;
  expect(wallSeconds).toBeGreaterThan(0);
  return rest;
}

describe("a sweep's numbers are those of single runs", () => {
  it("epochs with the test set: every recorded number of two points", async () => {
    const plan = planSweep(input({ arrays: [[4, 4], [8, 32]], vary: parseVary("bw=16|256"), epochs: 2 }));
    const result = await runSweep(plan, { jobs: 1, train: trainSet, test: testSet });
    expect(result.rows.map((r) => r.point)).toEqual([0, 1, 2, 3]);
    for (const [point, array, bw] of [[1, "4x4", 256], [2, "8x32", 16]] as const) {
      const hw = resolveHardware({ array, set: [`weightBytesPerCycle=${bw}`] }, spec.hardware);
      const single = await train({ spec, hw, mode: "fast", epochs: 2, train: trainSet, test: testSet });
      expect(single.stats.macs).toBeGreaterThan(0);
      expect(single.epochs[1].testAccuracy).not.toBeNull();
      expect(withoutWall(result.rows[point])).toEqual(expectedRow(single, point, { weightBytesPerCycle: bw }));
    }
    // The machines differ, so the comparison above could not pass by comparing equal rows.
    expect(result.rows[1].cycles).not.toBe(result.rows[2].cycles);
  });

  it("--steps: N batches, no test set, detailed mode", async () => {
    const plan = planSweep(input({ arrays: [[3, 5], [16, 8]], steps: 3, mode: "detailed" }));
    const result = await runSweep(plan, { jobs: 1, train: trainSet });
    for (const [point, array] of [[0, "3x5"], [1, "16x8"]] as const) {
      const hw = resolveHardware({ array }, spec.hardware);
      const single = await train({ spec, hw, mode: "fast", epochs: 1, maxSteps: 3, evaluate: false, train: trainSet });
      expect(single.steps).toBe(3);
      expect(withoutWall(result.rows[point])).toEqual(expectedRow(single, point, {}));
      expect(result.rows[point].testAccuracy).toBeNull();
    }
  });

  it("--steps beyond one epoch runs on into the next", async () => {
    const small = loadMnist("train", { limit: 48 });
    const result = await runSweep(planSweep(input({ steps: 7 })), { jobs: 1, train: small });
    expect(result.rows[0].steps).toBe(7);
  });

  it("a failing point names the point", async () => {
    const plan = planSweep(input({ arrays: [[4, 4], [8, 8]], hardware: { set: ["unifiedBufferBytes=1024"] }, steps: 1 }));
    await expect(runSweep(plan, { jobs: 1, train: trainSet })).rejects.toThrow(/sweep point 0: 4x4/);
  });
});

describe("sharding", () => {
  it("the shards together are the full sweep", async () => {
    const base = input({ arrays: [[4, 4], [8, 8], [2, 16]], vary: parseVary("fifo=1|3"), steps: 2 });
    const full = await runSweep(planSweep(base), { jobs: 1, train: trainSet });
    expect(full.rows).toHaveLength(6);
    const parts = [];
    for (let index = 1; index <= 4; index++) {
      const r = await runSweep(planSweep({ ...base, shard: { index, count: 4 } }), { jobs: 1, train: trainSet });
      expect(r.total).toBe(6);
      parts.push(...r.rows);
    }
    parts.sort((a, b) => a.point - b.point);
    expect(parts.map(withoutWall)).toEqual(full.rows.map(withoutWall));
  });
});

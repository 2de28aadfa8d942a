/**
 * Sweeps on real worker threads. Workers load compiled JavaScript, so this test builds dist
 * (`npx tsc -p .`, shared with the CLI tests) and runs the compiled sweep module; its rows must equal
 * those of the in-thread run of the TypeScript sources.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist } from "../../src/data/mnist.js";
import * as sourceSweep from "../../src/jobs/sweep.js";
import type { SweepInput, SweepRow } from "../../src/jobs/sweep.js";
import { loadWorkload } from "../../src/workloads/spec.js";
import { REPO, ensureBuilt } from "../cli/helpers.js";

type SweepModule = typeof sourceSweep;
let compiled: SweepModule;

beforeAll(async () => {
  ensureBuilt();
  compiled = (await import(pathToFileURL(join(REPO, "dist/src/jobs/sweep.js")).href)) as SweepModule;
}, 180_000);

const spec = { ...loadWorkload("workloads/mnist-784-16-16-10.json"), batch: 16 };
const trainSet = loadMnist("train", { limit: 96 });
const testSet = loadMnist("test", { limit: 32 });
const input: SweepInput = {
  spec,
  hardware: {},
  arrays: [[4, 4], [8, 8], [16, 32], [1, 7]],
  vary: sourceSweep.parseVary("fifo=2|4"),
  shard: null,
  mode: "fast",
  epochs: 1,
  steps: null,
};

const withoutWall = (rows: SweepRow[]) => rows.map(({ wallSeconds: _wall, ...rest }) => rest);

describe("sweep on worker threads", () => {
  it("gives the rows of the in-thread run, in sweep order", async () => {
    const inline = await sourceSweep.runSweep(sourceSweep.planSweep(input), { jobs: 1, train: trainSet, test: testSet });
    const fractions: number[] = [];
    const seen: number[] = [];
    const threaded = await compiled.runSweep(compiled.planSweep(input), {
      jobs: 2,
      train: trainSet,
      test: testSet,
      onProgress: (p) => fractions.push(p.running.length),
      onPoint: (row) => seen.push(row.point),
    });
    expect(threaded.rows).toHaveLength(8);
    expect(threaded.rows.map((r) => r.point)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(withoutWall(threaded.rows)).toEqual(withoutWall(inline.rows));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Two points ran at the same time at some moment.
    expect(Math.max(...fractions)).toBe(2);
  });

  it("a failing point in a worker becomes the same typed error, naming the point", async () => {
    const plan = compiled.planSweep({ ...input, hardware: { set: ["unifiedBufferBytes=1024"] }, steps: 1 });
    const err = await compiled.runSweep(plan, { jobs: 2, train: trainSet }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe("UserInputError");
    expect(err?.message).toMatch(/\(sweep point [0-7]: \d+x\d+ fifo=\d\)$/);
  });

  it("the stop flag stops the workers", async () => {
    const stop = { stopped: false };
    const run = compiled.runSweep(compiled.planSweep({ ...input, arrays: [[1, 1], [2, 1], [1, 2]] }), {
      jobs: 2,
      train: trainSet,
      test: testSet,
      stop,
      onProgress: () => (stop.stopped = true),
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.constructor.name).toBe("StopRequested");
  });

  it("the TypeScript sources say workers need the build", async () => {
    await expect(sourceSweep.runSweep(sourceSweep.planSweep(input), { jobs: 2, train: trainSet, test: testSet })).rejects.toThrow(/npx tsc -p \./);
  });
});

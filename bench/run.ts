/**
 * `npm run bench`: the speed figures of docs/PERFORMANCE.md. Never run by the tests.
 *   node dist/bench/run.js [--only pe,epoch,sweep,trace] [--json]
 */
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { buildHwConfig } from "../src/config/hw-config.js";
import { compileMatmul } from "../src/compiler/matmul.js";
import { loadMnist } from "../src/data/mnist.js";
import { createTraceSink } from "../src/io/trace-sinks.js";
import { driveToHalt } from "../src/jobs/drive.js";
import { resolveHardware } from "../src/jobs/hardware.js";
import { train } from "../src/jobs/train.js";
import { Simulator } from "../src/sim/controller.js";
import { loadWorkload } from "../src/workloads/spec.js";
import { parseArrayList, planSweep, runSweep } from "../src/jobs/sweep.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyArg = args.indexOf("--only");
const only = onlyArg >= 0 ? args[onlyArg + 1].split(",") : ["pe", "epoch", "sweep", "trace"];
const results: Record<string, unknown> = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version };
const log = (s: string) => {
  if (!json) console.log(s);
};

/** Detailed mode: a long pass stream through one tile; transfers made instant so the array streams. */
function peUpdates(size: number, vectors: number): { peUpdatesPerSecond: number; cycles: number; seconds: number } {
  const hw = buildHwConfig("tpu-v2", { rows: size, cols: size, hostBytesPerCycle: 1e9, weightBytesPerCycle: 1e9, accumulatorRows: 2 * vectors });
  const a = new Float32Array(vectors * size).map((_, i) => ((i * 37) % 17) / 8 - 1);
  const b = new Float32Array(size * size).map((_, i) => ((i * 11) % 13) / 8 - 0.75);
  const layout = compileMatmul(a, vectors, size, b, size, hw);
  const sim = new Simulator(hw, { mode: "detailed" });
  sim.load(layout.program);
  const t0 = performance.now();
  sim.run();
  const seconds = (performance.now() - t0) / 1000;
  return { peUpdatesPerSecond: (sim.stats.cycles * size * size) / seconds, cycles: sim.stats.cycles, seconds };
}

async function epoch(array: string): Promise<{ seconds: number; loss: number; cycles: number }> {
  const spec = loadWorkload("workloads/mnist-784-16-16-10.json");
  const hw = resolveHardware({ array }, spec.hardware);
  const data = loadMnist("train");
  const t0 = performance.now();
  const r = await train({ spec, hw, mode: "fast", epochs: 1, train: data, evaluate: false });
  return { seconds: (performance.now() - t0) / 1000, loss: r.epochs[0].loss, cycles: r.stats.cycles };
}

async function traceThroughput(): Promise<{ rows: number; seconds: number; rowsPerSecond: number }> {
  const hw = buildHwConfig("tpu-v2", { rows: 8, cols: 8 });
  const m = 700_000; // about a million cycles
  const layout = compileMatmul(new Float32Array(m * 8).fill(0.5), m, 8, new Float32Array(64).fill(0.25), 8, hw);
  const path = join(tmpdir(), `tpusim-bench-${process.pid}.csv`);
  const sink = createTraceSink({ path });
  const sim = new Simulator(hw, { mode: "fast" });
  sim.load(layout.program);
  const t0 = performance.now();
  await driveToHalt(sim, { sink });
  await sink.close();
  const seconds = (performance.now() - t0) / 1000;
  rmSync(path, { force: true });
  return { rows: sim.stats.cycles, seconds, rowsPerSecond: sim.stats.cycles / seconds };
}

async function main(): Promise<void> {
  log(`tpusim benchmarks on ${results.cpu}, ${results.cores} cores, Node ${results.node}`);
  if (only.includes("pe")) {
    const pe: Record<string, unknown> = {};
    for (const [size, vectors] of [[16, 400_000], [128, 12_000], [256, 4_000]] as const) {
      const r = peUpdates(size, vectors);
      pe[`${size}x${size}`] = r;
      log(`detailed mode ${size}x${size}: ${(r.peUpdatesPerSecond / 1e6).toFixed(0)} M PE-updates/s (${r.cycles} cycles in ${r.seconds.toFixed(2)} s)`);
    }
    results.detailedPeUpdates = pe;
  }
  if (only.includes("epoch")) {
    const ep: Record<string, unknown> = {};
    for (const array of ["16x16", "256x256"]) {
      const r = await epoch(array);
      ep[array] = r;
      log(`fast mode, one MNIST 784-16-16-10 epoch (60,000 images, batch 32) on ${array}: ${r.seconds.toFixed(2)} s (${r.cycles} simulated cycles)`);
    }
    results.fastEpoch = ep;
  }
  if (only.includes("sweep")) {
    const spec = loadWorkload("workloads/mnist-784-16-16-10.json");
    const plan = planSweep({
      spec,
      hardware: {},
      arrays: parseArrayList("4x4,8x8,16x16,32x32,64x64,128x128,256x256"),
      vary: [],
      shard: null,
      mode: "fast",
      epochs: 1,
      steps: null,
    });
    const t0 = performance.now();
    const r = await runSweep(plan, { jobs: availableParallelism() });
    const seconds = (performance.now() - t0) / 1000;
    results.sweep = { seconds, points: r.rows.length };
    log(`seven-size MNIST sweep, one epoch each, ${availableParallelism()} workers: ${seconds.toFixed(1)} s`);
  }
  if (only.includes("trace")) {
    const r = await traceThroughput();
    results.trace = r;
    log(`per-cycle CSV trace: ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${(r.rowsPerSecond / 1e3).toFixed(0)} k rows/s`);
  }
  if (json) console.log(JSON.stringify(results));
}

await main();

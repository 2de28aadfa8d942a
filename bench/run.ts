/**
 * `npm run bench`: the speed figures of docs/PERFORMANCE.md. Never run by the tests.
 *   node dist/bench/run.js [--only pe,epoch,sweep,trace,trace-epoch,kernels,gemm,topology,bound,verilator] [--json]
 * `--only bound` (not in the default list: cycles, not speed) prints docs/BOUND.md's table.
 * `verilator` (only when named) builds bench/verilator/ with Verilator; skipped when it is not installed.
 */
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { buildHwConfig } from "../src/config/hw-config.js";
import { compileMatmul } from "../src/compiler/matmul.js";
import { loadMnist } from "../src/data/mnist.js";
import { CsvTraceSink } from "../src/io/csv-trace-sink.js";
import { createTraceSink } from "../src/io/trace-sinks.js";
import type { TraceRow, TraceSink } from "../src/sim/trace.js";
import { driveToHalt } from "../src/jobs/drive.js";
import { resolveHardware } from "../src/jobs/hardware.js";
import { train } from "../src/jobs/train.js";
import { Simulator } from "../src/sim/controller.js";
import { loadWorkload } from "../src/workloads/spec.js";
import { parseArrayList, planSweep, runSweep } from "../src/jobs/sweep.js";
import { npyHeaderBytes, parseNpy } from "../src/data/npy.js";
import { gemmRowsReference } from "../src/golden/layer-product.js";
import { matmulFiles } from "../src/jobs/matmul.js";
import { runTopologyPoint } from "../src/jobs/topology.js";
import { BankNonzeros, fastPassFloat, fastPassInt } from "../src/sim/fast.js";
import { loadTopology } from "../src/workloads/topology.js";
import { Random } from "../src/numerics/random.js";
import { roundBf16 } from "../src/numerics/bf16.js";
import { boundMarkdown, boundTable } from "./bound.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyArg = args.indexOf("--only");
// verilator is asked for by name: its builds take minutes (64x64: about 7 CPU minutes).
const only = onlyArg >= 0 ? args[onlyArg + 1].split(",") : ["pe", "epoch", "sweep", "trace", "trace-epoch", "kernels", "gemm", "topology"];
const results: Record<string, unknown> = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", node: process.version };
const log = (s: string) => {
  if (!json) console.log(s);
};

/**
 * Detailed mode: a long pass of vectors already in the unified buffer through one tile (transfers
 * made instant so the array streams). A first full run (host DMA in, pass, results out) loads the
 * buffer and warms up; each timed run is the weight load, the pass and HALT, so the figure is the
 * array's and not the host copies of the whole matrix (one simulated cycle at this link width).
 * Best of `runs`.
 */
function peUpdates(size: number, dtype: "int8" | "bf16", runs = 3): { peUpdatesPerSecond: number; peUpdatesPerCpuSecond: number; cycles: number; seconds: number } {
  const vectors = Math.max(4_000, Math.round(3e7 / (size * size)));
  const hw = buildHwConfig("tpu-v2", { rows: size, cols: size, dtype, hostBytesPerCycle: 1e9, weightBytesPerCycle: 1e9, accumulatorRows: vectors });
  const a = new Float32Array(vectors * size).map((_, i) => ((i * 37) % 17) / 8 - 1);
  const b = new Float32Array(size * size).map((_, i) => ((i * 11) % 13) / 8 - 0.75);
  const layout = compileMatmul(a, vectors, size, b, size, hw);
  const sim = new Simulator(hw, { mode: "detailed" });
  sim.load(layout.program);
  sim.run();
  const passOnly = sim.prepare({ instructions: layout.program.instructions.filter((i) => i.op === "RDW" || i.op === "MMUL" || i.op === "HALT"), data: [] });
  let best = { peUpdatesPerSecond: 0, peUpdatesPerCpuSecond: 0, cycles: 0, seconds: 0 };
  for (let r = 0; r < runs; r++) {
    const c0 = sim.now;
    sim.start(passOnly);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    sim.run();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSince(cpu0);
    const cycles = sim.now - c0;
    const rate = (cycles * size * size) / seconds;
    if (rate > best.peUpdatesPerSecond) best = { peUpdatesPerSecond: rate, peUpdatesPerCpuSecond: (cycles * size * size) / cpu, cycles, seconds };
  }
  return best;
}

async function epoch(array: string): Promise<{ seconds: number; loss: number; cycles: number }> {
  const spec = loadWorkload("workloads/mnist-784-16-16-10.json");
  const hw = resolveHardware({ array }, spec.hardware);
  const data = loadMnist("train");
  const t0 = performance.now();
  const r = await train({ spec, hw, mode: "fast", epochs: 1, train: data, evaluate: false });
  return { seconds: (performance.now() - t0) / 1000, loss: r.epochs[0].loss, cycles: r.stats.cycles };
}

/**
 * A sink that takes every run of rows and writes nothing: the simulator's own cost of a traced
 * cycle. Keeps copies of the first runs (up to `keep` rows) for the writer's replay.
 */
class CountingSink implements TraceSink {
  readonly from = 0;
  readonly to = Number.POSITIVE_INFINITY;
  readonly every = 1;
  readonly wantsPe = false;
  readonly peRegion = { r0: 0, r1: 0, c0: 0, c1: 0 };
  readonly needsFlush = false;
  rows = 0;
  runs = 0;
  keptRows = 0;
  kept: { row: TraceRow; count: number }[] = [];
  constructor(readonly keep: number) {}
  cycle(row: Readonly<TraceRow>, count: number): void {
    this.rows += count;
    this.runs++;
    if (this.keptRows >= this.keep) return;
    const n = Math.min(count, this.keep - this.keptRows);
    this.kept.push({ row: { ...row, pc: row.pc.slice(), state: row.state.slice() }, count: n });
    this.keptRows += n;
  }
  pe(): void {}
  instruction(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

interface TracePart {
  rows: number;
  /** Calls the sink got (a run of repeated rows is one call). */
  runs?: number;
  /** CSV: rows json2csv formatted (every run's first row) and rows written as that line renumbered. */
  formatted?: number;
  renumbered?: number;
  seconds: number;
  cpuSeconds: number;
  rowsPerSecond: number;
  rowsPerCpuSecond: number;
}

function part(rows: number, seconds: number, cpu: number): TracePart {
  return { rows, seconds, cpuSeconds: cpu, rowsPerSecond: rows / seconds, rowsPerCpuSecond: rows / cpu };
}

/**
 * The per-cycle trace of an 8x8 fast-mode GEMM of about a million cycles, and what each part costs:
 * the simulator producing the rows (a sink that writes nothing; fast mode hands over runs of
 * repeated rows), the CSV writer alone (runs recorded from that run replayed into the CSV sink as
 * the simulator hands them, and the same rows one call per row: records, json2csv, the file), and
 * the whole run into CSV, VCD and Perfetto files.
 */
async function traceThroughput(): Promise<Record<string, TracePart>> {
  const hw = buildHwConfig("tpu-v2", { rows: 8, cols: 8 });
  const m = 700_000; // about a million cycles
  const layout = compileMatmul(new Float32Array(m * 8).fill(0.5), m, 8, new Float32Array(64).fill(0.25), 8, hw);
  const dir = mkdtempSync(join(tmpdir(), "tpusim-bench-"));
  const out: Record<string, TracePart> = {};
  try {
    const counting = new CountingSink(300_000);
    let sim = new Simulator(hw, { mode: "fast" });
    sim.load(layout.program);
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    await driveToHalt(sim, { sink: counting });
    out.simulatorOnly = { ...part(counting.rows, (performance.now() - t0) / 1000, cpuSince(c0)), runs: counting.runs };
    let replay = new CsvTraceSink(join(dir, "replay.csv"));
    c0 = process.cpuUsage();
    t0 = performance.now();
    for (const { row, count } of counting.kept) {
      replay.cycle(row, count);
      if (replay.needsFlush) await replay.flush();
    }
    await replay.close();
    out.csvWriterOnly = { ...part(counting.keptRows, (performance.now() - t0) / 1000, cpuSince(c0)), runs: counting.kept.length };
    replay = new CsvTraceSink(join(dir, "replay-rows.csv"));
    const one = { ...counting.kept[0].row };
    c0 = process.cpuUsage();
    t0 = performance.now();
    let rows = 0;
    for (const { row, count } of counting.kept) {
      Object.assign(one, row);
      for (let i = 0; i < count; i++, rows++) {
        one.cycle = row.cycle + i;
        replay.cycle(one, 1);
        if ((rows & 4095) === 4095 && replay.needsFlush) await replay.flush();
      }
    }
    await replay.close();
    out.csvWriterOnlyRowByRow = part(rows, (performance.now() - t0) / 1000, cpuSince(c0));
    counting.kept = [];
    for (const ext of ["csv", "vcd", "perfetto.json"]) {
      const sink = createTraceSink({ path: join(dir, `run.${ext}`) });
      sim = new Simulator(hw, { mode: "fast" });
      sim.load(layout.program);
      c0 = process.cpuUsage();
      t0 = performance.now();
      await driveToHalt(sim, { sink });
      await sink.close();
      out[ext] = { ...part(sim.stats.cycles, (performance.now() - t0) / 1000, cpuSince(c0)), ...(sink instanceof CsvTraceSink ? sink.rowCounts : {}) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * One MNIST 784-16-16-10 training epoch on 128x128 (fast mode, no evaluation) with a per-cycle CSV
 * trace into a temp file: the whole job (simulation, json2csv, the file), and how its rows reached
 * the file (formatted by json2csv, or a run's first line renumbered). Peak RSS is the process's.
 */
async function traceEpoch(): Promise<TracePart & { peakRssMB: number }> {
  const spec = loadWorkload("workloads/mnist-784-16-16-10.json");
  const hw = resolveHardware({ array: "128x128" }, spec.hardware);
  const data = loadMnist("train");
  const dir = mkdtempSync(join(tmpdir(), "tpusim-bench-"));
  try {
    const sink = new CsvTraceSink(join(dir, "epoch.csv"));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await train({ spec, hw, mode: "fast", epochs: 1, train: data, evaluate: false, sink });
    await sink.close();
    const { formatted, renumbered } = sink.rowCounts;
    return { ...part(formatted + renumbered, (performance.now() - t0) / 1000, cpuSince(c0)), formatted, renumbered, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Verilator on the equivalent RTL (bench/verilator/): build time and PE updates per second of a
 * full stream at 8x8, 16x16, 32x32, 64x64 and 128x128. Skipped when `verilator` is not installed.
 */
function verilatorSpeed(): Record<string, unknown> | null {
  if (spawnSync("verilator", ["--version"]).status !== 0) return null;
  const out: Record<string, unknown> = { version: spawnSync("verilator", ["--version"]).stdout.toString().trim() };
  for (const [n, cycles] of [[8, 1_000_000], [16, 300_000], [32, 100_000], [64, 20_000], [128, 5_000]] as const) {
    const dir = join(tmpdir(), `tpusim-verilator-${n}`);
    const t0 = performance.now();
    const build = spawnSync("sh", ["bench/verilator/build.sh", String(n), dir], { encoding: "utf8" });
    const buildSeconds = (performance.now() - t0) / 1000;
    if (build.status !== 0) {
      out[`${n}x${n}`] = { error: `build failed, see ${dir}/build.log` };
      continue;
    }
    let best: Record<string, number> | null = null;
    for (let r = 0; r < 3; r++) {
      const run = spawnSync(join(dir, "Vmac_array"), [String(cycles)], { encoding: "utf8" });
      const j = JSON.parse(run.stdout) as Record<string, number>;
      if (best === null || j.peUpdatesPerSecond > best.peUpdatesPerSecond) best = j;
    }
    out[`${n}x${n}`] = { buildSeconds, ...best };
  }
  return out;
}

/** Fast mode's whole-pass kernels alone: 2048 vectors through a full 128 x 128 tile, k-tile after k-tile. */
function kernelSpeed(dtype: "int8" | "bf16"): { gmacPerSecond: number; gmacPerCpuSecond: number; macs: number; seconds: number } {
  const R = 128;
  const C = 128;
  const vectors = 2048;
  const random = new Random(7);
  const value = () => (dtype === "int8" ? random.below(256) - 128 : roundBf16(2 * random.uniform() - 1));
  const ub = Float32Array.from({ length: vectors * 7 * R }, value);
  const weights = new Float32Array(3 * R * C);
  for (let i = R * C; i < 3 * R * C; i++) weights[i] = value();
  const banks = new BankNonzeros(R, C);
  banks.build(0, weights, R * C, R, C);
  banks.build(1, weights, 2 * R * C, R, C);
  const acc = dtype === "int8" ? new Int32Array(vectors * C) : new Float32Array(vectors * C);
  let macs = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let round = 0; round < 12; round++) {
    for (let t = 0; t < 7; t++) {
      const op = { ub: t * R, ustride: 7 * R, vectors, cols: R, acc: 0, accumulate: t > 0 };
      if (dtype === "int8") fastPassInt(ub, acc as Int32Array, R, C, C, banks, t % 2, op, new Float64Array(C));
      else fastPassFloat(ub, acc as Float32Array, R, C, C, banks, t % 2, op, new Float32Array(C));
      macs += vectors * R * C;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { gmacPerSecond: macs / seconds / 1e9, gmacPerCpuSecond: macs / cpuSince(c0) / 1e9, macs, seconds };
}

/** Random int8 .npy file of rows x cols, written in slices (no float64 copy of it). */
function randomInt8Npy(path: string, rows: number, cols: number, seed: number): void {
  const random = new Random(seed);
  const header = npyHeaderBytes("<i4", rows, cols);
  const text = new TextDecoder("latin1").decode(header).replace("<i4", "|i1");
  const data = new Uint8Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random.below(256);
  writeFileSync(path, Buffer.concat([Buffer.from(text, "latin1"), data]));
}

/** The GEMM: 60000 x 784 · 784 x 256 int8 on 128 x 128, files in and out, then 600 rows checked exactly. */
/** CPU seconds (user + system) of this process since `from`: on a shared machine, steadier than wall time. */
function traceLine(v: TracePart): string {
  const runs = v.runs === undefined ? "" : ` (${v.runs} runs)`;
  const how = v.formatted === undefined ? "" : `, ${v.formatted} formatted by json2csv, ${v.renumbered} renumbered`;
  return `${v.rows} rows${runs}${how} in ${v.seconds.toFixed(2)} s = ${(v.rowsPerSecond / 1e3).toFixed(0)} k rows/s (${(v.rowsPerCpuSecond / 1e3).toFixed(0)} k per CPU second)`;
}

function cpuSince(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
}

async function bigGemm(): Promise<{ seconds: number; cpuSeconds: number; cycles: number; macs: number; checkedRows: number; exact: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), "tpusim-bench-gemm-"));
  try {
    const [m, k, n] = [60000, 784, 256];
    randomInt8Npy(join(dir, "a.npy"), m, k, 1);
    randomInt8Npy(join(dir, "b.npy"), k, n, 2);
    const hw = resolveHardware({ array: "128x128", dtype: "int8" });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await matmulFiles({ aPath: join(dir, "a.npy"), bPath: join(dir, "b.npy"), outPath: join(dir, "c.npy"), hw, mode: "fast" });
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = cpuSince(c0);
    const a = parseNpy(new Uint8Array(readFileSync(join(dir, "a.npy"))), "a.npy");
    const b = Float32Array.from(parseNpy(new Uint8Array(readFileSync(join(dir, "b.npy"))), "b.npy").data);
    const c = parseNpy(new Uint8Array(readFileSync(join(dir, "c.npy"))), "c.npy");
    let exact = true;
    const checkedRows = 600;
    for (let i = 0; i < checkedRows; i++) {
      const row = Math.floor((i * m) / checkedRows);
      const want = gemmRowsReference(true, Float32Array.from(a.data.subarray(row * k, (row + 1) * k)), b, k, n, 0, 1);
      for (let j = 0; j < n; j++) if (want[j] !== c.data[row * n + j]) exact = false;
    }
    return { seconds, cpuSeconds, cycles: r.stats.cycles, macs: r.stats.macs, checkedRows, exact };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every layer of SCALE-Sim's Resnet18 topology on 128 x 128, each output checked exactly. */
async function resnet18(dtype: "int8" | "bf16"): Promise<{ seconds: number; cpuSeconds: number; cycles: number; macs: number; layers: number }> {
  const hw = resolveHardware({ array: "128x128", dtype });
  const topology = loadTopology("test/fixtures/topologies/Resnet18.csv");
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rows = await runTopologyPoint({ point: { index: 0, rows: 128, cols: 128, params: {}, label: "128x128" }, hw, topology, mode: "fast", seed: 1, maxCycles: undefined });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, cpuSeconds: cpuSince(c0), cycles: rows.reduce((x, r) => x + r.cycles, 0), macs: rows.reduce((x, r) => x + r.macs, 0), layers: rows.length };
}

async function main(): Promise<void> {
  log(`tpusim benchmarks on ${results.cpu}, ${results.cores} cores, Node ${results.node}`);
  if (only.includes("pe")) {
    const pe: Record<string, unknown> = {};
    for (const dtype of ["int8", "bf16"] as const) {
      for (const size of [8, 16, 32, 64, 128, 256]) {
        const r = peUpdates(size, dtype);
        pe[`${size}x${size} ${dtype}`] = r;
        log(`detailed mode ${size}x${size} ${dtype}: ${(r.peUpdatesPerSecond / 1e6).toFixed(0)} M PE-updates/s, ${(r.peUpdatesPerCpuSecond / 1e6).toFixed(0)} M per CPU second (${r.cycles} cycles in ${r.seconds.toFixed(3)} s, best of 3)`);
      }
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
    for (const [k, v] of Object.entries(r)) {
      log(`per-cycle trace, ${k}: ${traceLine(v)}`);
    }
  }
  if (only.includes("trace-epoch")) {
    const r = await traceEpoch();
    results.traceEpoch = r;
    log(`MNIST epoch at 128x128 with a per-cycle CSV trace: ${traceLine(r)}, peak RSS ${r.peakRssMB.toFixed(0)} MB`);
  }
  if (only.includes("verilator")) {
    const r = verilatorSpeed();
    results.verilator = r ?? "skipped: verilator is not installed";
    if (r === null) log("verilator: skipped (not installed)");
    else for (const [k, v] of Object.entries(r)) log(`verilator ${k}: ${JSON.stringify(v)}`);
  }
  if (only.includes("kernels")) {
    const kernels: Record<string, unknown> = {};
    for (const dtype of ["int8", "bf16"] as const) {
      const r = kernelSpeed(dtype);
      kernels[dtype] = r;
      log(`fast-mode pass kernel, ${dtype}, 128x128 tile, 2048 vectors: ${r.gmacPerSecond.toFixed(2)} GMAC/s (${r.gmacPerCpuSecond.toFixed(2)} per CPU second)`);
    }
    results.kernels = kernels;
  }
  if (only.includes("gemm")) {
    const r = await bigGemm();
    results.gemm = r;
    log(`60000x784 · 784x256 int8 GEMM on 128x128, .npy in and out: ${r.seconds.toFixed(2)} s, ${r.cpuSeconds.toFixed(2)} CPU s (${r.cycles} cycles, ${(r.macs / r.seconds / 1e9).toFixed(2)} GMAC/s), ${r.checkedRows} rows checked: ${r.exact ? "exact" : "MISMATCH"}`);
  }
  if (only.includes("topology")) {
    const topo: Record<string, unknown> = {};
    for (const dtype of ["int8", "bf16"] as const) {
      const r = await resnet18(dtype);
      topo[dtype] = r;
      log(`Resnet18.csv on 128x128, ${dtype}, ${r.layers} layers, every output checked: ${r.seconds.toFixed(2)} s, ${r.cpuSeconds.toFixed(2)} CPU s (${r.cycles} cycles)`);
    }
    results.topology = topo;
  }
  if (only.includes("bound")) {
    const at = args.indexOf("--arrays");
    const arrays = at >= 0 ? args[at + 1].split(",") : ["8x8", "16x16", "128x128", "256x256"];
    log("| workload or GEMM (M x K x N) | program | array | cycles | lower bound | ratio | binding term |");
    log("|---|---|---|---:|---:|---:|---|");
    results.bound = await boundTable(arrays, (r) => log(boundMarkdown(r)));
  }
  if (json) console.log(JSON.stringify(results));
}

await main();

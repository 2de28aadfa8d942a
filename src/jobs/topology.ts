/**
 * `tpusim topology`: every layer of a SCALE-Sim topology file run on the chip as a matrix product
 * (gemm-run.ts) with seeded random int8 or bf16 data, each output row checked against an exact
 * reference (golden/layer-product.ts), and the figures a sweep compares recorded per layer.
 *
 * Convolutions run as an im2col GEMM: the host lays out each block of the patch matrix (row = output
 * pixel, column k = (ky * Fw + kx) * channels + c) as the chip needs it, which is what the strided
 * RHM gathers of mnist-cnn-small move over the host link, byte for byte. GEMM layers follow
 * SCALE-Sim's mapping: an M x K input times K x N filters.
 */
import type { HwConfig } from "../config/hw-config.js";
import { energyReport, type EnergyReport } from "../energy/report.js";
import { RuntimeFault, UserInputError } from "../errors.js";
import { convRowsReference, gemmRowsReference } from "../golden/layer-product.js";
import { roundBf16 } from "../numerics/bf16.js";
import { Random } from "../numerics/random.js";
import type { SimMode } from "../sim/controller.js";
import type { BytesMoved, OpsCounted, StallReason } from "../sim/stats.js";
import type { Topology, TopologyLayer } from "../workloads/topology.js";
import type { StopFlag } from "./drive.js";
import { gemmBoundJson, runGemm } from "./gemm-run.js";
import type { SweepPoint } from "./sweep-point.js";

export interface TopologyPointJob {
  point: SweepPoint;
  hw: HwConfig;
  topology: Topology;
  mode: SimMode;
  seed: number;
  maxCycles: number | undefined;
}

/** Bytes per cycle each link and memory carried over the layer: what it must sustain. */
export interface Bandwidth {
  hostLink: number;
  weightMemory: number;
  unifiedBuffer: number;
  accumulators: number;
}

export interface TopologyRow {
  point: number;
  rows: number;
  cols: number;
  params: Record<string, number>;
  layer: number;
  name: string;
  kind: "conv" | "gemm";
  m: number;
  k: number;
  n: number;
  cycles: number;
  /** The layer's product: its lower bound, binding term and cycles / bound (docs/BOUND.md); null if too long to hold. */
  boundCycles: number | null;
  boundRatio: number | null;
  boundBinding: string | null;
  seconds: number;
  clockMHz: number;
  macs: number;
  utilization: number;
  tops: number;
  matrixBusyCycles: number;
  stalls: Record<StallReason, number>;
  bytes: BytesMoved;
  ops: OpsCounted;
  bandwidth: Bandwidth;
  /** The layer's energy (docs/ENERGY.md); the unit of work is one inference of the layer. */
  energy: EnergyReport;
  /** The machine's roofs (report rooflines): MACs per cycle and weight-memory bytes per cycle. */
  peakMacsPerCycle: number;
  weightBytesPerCycle: number;
  /** Every output equals the reference (a run with a difference fails instead). */
  exact: boolean;
  wallSeconds: number;
}

/** A topology has no batch: each layer runs once, so its energy per inference is its energy. */
export const LAYER_INFERENCE = Object.freeze({ unit: "inference", count: 1 });

export interface TopologyHooks {
  stop?: StopFlag;
  /** Fraction of the point's MACs done. */
  onFraction?: (fraction: number) => void;
}

/** Seeded operands of one layer: int8 integers, or bf16 values in [-1, 1). */
function randomValues(count: number, random: Random, int8: boolean): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = int8 ? random.below(256) - 128 : roundBf16(2 * random.uniform() - 1);
  return out;
}

export async function runTopologyPoint(job: TopologyPointJob, hooks: TopologyHooks = {}): Promise<TopologyRow[]> {
  const totalMacs = job.topology.layers.reduce((s, l) => s + l.m * l.k * l.n, 0);
  let macsBefore = 0;
  const rows: TopologyRow[] = [];
  for (const layer of job.topology.layers) {
    const onRows = (done: number) => hooks.onFraction?.((macsBefore + done * layer.k * layer.n) / totalMacs);
    rows.push(
      await runLayer(job, layer, onRows, hooks.stop).catch((err: unknown) => {
        // A layer this machine cannot hold (say, weights beyond its weight memory): name the line.
        if (err instanceof UserInputError) throw new UserInputError(`layer ${layer.name}: ${err.detail}`, { file: job.topology.file, line: layer.line });
        throw err;
      }),
    );
    macsBefore += layer.m * layer.k * layer.n;
  }
  return rows;
}

async function runLayer(job: TopologyPointJob, layer: TopologyLayer, onRowsDone: (rows: number) => void, stop?: StopFlag): Promise<TopologyRow> {
  const started = performance.now();
  const { hw } = job;
  const int8 = hw.dtype === "int8";
  const { m, k, n, conv } = layer;
  const random = new Random(job.seed * 7919 + layer.index);
  // A conv layer keeps its input feature map (H x W x channels); a GEMM layer its A.
  const input = conv ? randomValues(conv.ifmapHeight * conv.ifmapWidth * conv.channels, random, int8) : randomValues(m * k, random, int8);
  const b = randomValues(k * n, random, int8);
  const readA = conv
    ? (r0: number, count: number, host: Float64Array, at: number) => {
        for (let i = 0; i < count; i++) {
          const oy = Math.floor((r0 + i) / conv.outputWidth);
          const ox = (r0 + i) % conv.outputWidth;
          let o = at + i * k;
          for (let ky = 0; ky < conv.filterHeight; ky++) {
            const src = ((oy * conv.stride + ky) * conv.ifmapWidth + ox * conv.stride) * conv.channels;
            const run = conv.filterWidth * conv.channels;
            for (let j = 0; j < run; j++) host[o + j] = input[src + j];
            o += run;
          }
        }
      }
    : (r0: number, count: number, host: Float64Array, at: number) => {
        for (let i = 0; i < count * k; i++) host[at + i] = input[r0 * k + i];
      };
  const check = (r0: number, count: number, host: Float64Array, at: number, c0: number, cols: number) => {
    const want = conv ? convRowsReference(int8, conv, input, b, n, r0, count) : gemmRowsReference(int8, input, b, k, n, r0, count);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < cols; j++) {
        const got = host[at + i * cols + j];
        const ref = want[i * n + c0 + j];
        if (!Object.is(got, ref)) {
          throw new RuntimeFault(
            `layer ${layer.name} (line ${layer.line}): output row ${r0 + i}, column ${c0 + j} is ${got} on the chip but ${ref} in the reference`,
            0, "matrix", "",
          );
        }
      }
    }
    onRowsDone(r0 + count);
  };
  const r = await runGemm({ hw, mode: job.mode, m, k, n, readA, b, onRows: check, maxCycles: job.maxCycles, stop });
  const s = r.stats;
  const per = (bytes: number) => (s.cycles > 0 ? bytes / s.cycles : 0);
  const bound = gemmBoundJson(hw, m, k, n, s.cycles);
  return {
    point: job.point.index,
    rows: hw.rows,
    cols: hw.cols,
    params: { ...job.point.params },
    layer: layer.index,
    name: layer.name,
    kind: layer.kind,
    m,
    k,
    n,
    cycles: s.cycles,
    boundCycles: bound.bound?.cycles ?? null,
    boundRatio: bound.ratio,
    boundBinding: bound.bound?.binding ?? null,
    seconds: s.seconds,
    clockMHz: hw.clockMHz,
    macs: s.macs,
    utilization: s.utilization,
    tops: s.tops,
    matrixBusyCycles: s.matrixBusyCycles,
    stalls: { ...s.stalls },
    bytes: { ...s.bytes },
    ops: { ...s.ops },
    bandwidth: {
      hostLink: per(s.bytes.hostRead + s.bytes.hostWritten),
      weightMemory: per(s.bytes.weightMemoryRead + s.bytes.weightMemoryWritten),
      unifiedBuffer: per(s.bytes.unifiedBufferRead + s.bytes.unifiedBufferWritten),
      accumulators: per(s.bytes.accumulatorRead + s.bytes.accumulatorWritten),
    },
    energy: energyReport(s, hw, LAYER_INFERENCE),
    peakMacsPerCycle: hw.peakMacsPerCycle,
    weightBytesPerCycle: hw.weightBytesPerCycle,
    exact: true,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * One comparison helper in the style of tinygrad's helper_test_op: C = A·B compiled for an R x C
 * grid, run in detailed mode and in fast mode, and required to equal the independent reference bit
 * for bit (fp32 patterns, so -0 differs from +0; int32 exactly), with detailed == fast for cycles,
 * the whole statistics object and every memory.
 */
import { expect } from "vitest";
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { Simulator, type SimMode } from "../../src/sim/controller.js";
import { Rng, f32Bits, randomBf16, randomInt8, referenceMatmulBf16, referenceMatmulInt32 } from "./reference-matmul.js";

export interface MatmulCase {
  m: number;
  k: number;
  n: number;
  rows: number;
  cols: number;
  dtype: DType;
  seed?: number;
  /** Explicit operands (row-major); random when omitted. */
  a?: ArrayLike<number>;
  b?: ArrayLike<number>;
  /** Further hardware overrides (accumulatorRows, weightFifoTiles, bandwidths...). */
  hw?: Record<string, unknown>;
}

export interface MatmulOutcome {
  hw: HwConfig;
  c: Float64Array;
  reference: Float32Array | Int32Array;
  sims: Record<SimMode, Simulator>;
}

function operand(rng: Rng, length: number, dtype: DType): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = dtype === "int8" ? randomInt8(rng) : randomBf16(rng);
  return out;
}

/** Positions where two result vectors differ, for a readable failure message. */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>, n: number, same: (x: number, y: number) => boolean): string[] {
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (!same(got[i], want[i])) bad.push(`C[${Math.floor(i / n)}][${i % n}] = ${Object.is(got[i], -0) ? "-0" : got[i]}, want ${Object.is(want[i], -0) ? "-0" : want[i]}`);
  }
  return bad;
}

export function expectMatmul(c: MatmulCase): MatmulOutcome {
  const { m, k, n, dtype } = c;
  const hw = buildHwConfig("small", { rows: c.rows, cols: c.cols, dtype, ...c.hw });
  const rng = new Rng(c.seed ?? 1);
  const a = c.a ? Float32Array.from(c.a) : operand(rng, m * k, dtype);
  const b = c.b ? Float32Array.from(c.b) : operand(rng, k * n, dtype);
  const reference = dtype === "int8" ? referenceMatmulInt32(a, m, k, b, n) : referenceMatmulBf16(a, m, k, b, n);
  const layout = compileMatmul(a, m, k, b, n, hw);

  const sims = {} as Record<SimMode, Simulator>;
  for (const mode of ["detailed", "fast"] as const) {
    const sim = new Simulator(hw, { mode });
    sim.load(layout.program);
    expect(sim.run(), `${mode} run halts`).toBe(true);
    sims[mode] = sim;
  }
  const { detailed, fast } = sims;
  // Guard against a vacuous pass: every product of the matmul went through the array.
  expect(detailed.stats.macs).toBe(m * k * n);
  expect(detailed.stats.cycles).toBeGreaterThan(0);

  const result = (sim: Simulator): Float64Array => sim.dp.host.slice(layout.hostC, layout.hostC + m * n);
  const same = dtype === "int8"
    ? (x: number, y: number) => Number.isInteger(x) && x === y
    : (x: number, y: number) => f32Bits(x) === f32Bits(y) && Math.fround(x) === x;
  for (const sim of [detailed, fast]) {
    const got = result(sim);
    expect(mismatches(got, reference, n, same), `${sim.mode} result vs reference`).toEqual([]);
  }

  expect(fast.stats.cycles).toBe(detailed.stats.cycles);
  expect(fast.now).toBe(detailed.now);
  expect(fast.stats).toEqual(detailed.stats);
  expectSameBits(fast.dp.acc.data, detailed.dp.acc.data, "accumulators, fast vs detailed");
  expectSameBits(fast.dp.ub, detailed.dp.ub, "unified buffer, fast vs detailed");
  expectSameBits(fast.dp.host, detailed.dp.host, "host memory, fast vs detailed");
  expect(detailed.stats.matrixBusyCycles + Object.values(detailed.stats.stalls).reduce((x, y) => x + y, 0)).toBe(detailed.stats.cycles);
  return { hw, c: result(detailed), reference, sims };
}

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array | Int8Array;

function bytes(x: Typed): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** Index of the first element whose bits differ, -1 when identical (lengths must match). */
export function firstBitDifference(a: Typed, b: Typed): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = bytes(a);
  const y = bytes(b);
  if (x.equals(y)) return -1;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

export function expectSameBits(got: Typed, want: Typed, what: string): void {
  const i = firstBitDifference(got, want);
  const detail = i < 0 ? "identical" : `differ at [${i}]: ${got[i]} vs ${want[i]} (lengths ${got.length}, ${want.length})`;
  expect(detail, what).toBe("identical");
}

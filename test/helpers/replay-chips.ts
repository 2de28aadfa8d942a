/**
 * Chips and programs for the replay tests (sim/replay.ts): seeded machines, seeded matmuls, runs that
 * report a fault instead of throwing, and a whole-machine comparison (cycle, statistics, memories).
 */
import { expect } from "vitest";
import { buildHwConfig, type DType, type HwConfig } from "../../src/config/hw-config.js";
import { compileMatmul } from "../../src/compiler/matmul.js";
import { RuntimeFault } from "../../src/errors.js";
import type { Program } from "../../src/isa/program.js";
import { Simulator, type PreparedProgram } from "../../src/sim/controller.js";
import { expectSameBits } from "./expect-matmul.js";
import { Rng, randomBf16, randomInt8 } from "./reference-matmul.js";

/** A machine with seeded port counts, link widths, latencies and FIFO depth. */
export function randomHw(seed: number, dtype: DType, overrides: Record<string, number> = {}): HwConfig {
  const rng = new Rng(seed);
  const cols = rng.int(2, 6);
  return buildHwConfig("small", {
    rows: rng.int(2, 6),
    cols,
    dtype,
    vectorLanes: Math.min(cols, rng.int(1, 8)),
    weightFifoTiles: rng.int(1, 4),
    weightBytesPerCycle: rng.pick([1, 3, 8, 16, 64]),
    hostBytesPerCycle: rng.pick([1, 4, 16, 32, 3]),
    unifiedBufferReadPorts: rng.pick([1, 2, 3]),
    unifiedBufferWritePorts: rng.pick([1, 2]),
    accumulatorReadPorts: rng.pick([1, 2]),
    activationLatency: rng.int(0, 3),
    vectorLatency: rng.int(0, 3),
    ...overrides,
  });
}

/**
 * C = A B of the given shape with seeded values. `bad`: B's last column is 2^127 from row R on, so
 * the accumulating passes of the last column tile overflow to infinity (after the other tiles'
 * accumulating passes have added into the accumulators).
 */
export function matmul(hw: HwConfig, m: number, k: number, n: number, seed: number, bad = false): Program {
  const rng = new Rng(seed);
  const value = () => (hw.dtype === "int8" ? randomInt8(rng) : randomBf16(rng));
  const a = Float32Array.from({ length: m * k }, value);
  const b = Float32Array.from({ length: k * n }, value);
  if (bad) for (let r = hw.rows; r < k; r++) b[r * n + n - 1] = 2 ** 127;
  return compileMatmul(a, m, k, b, n, hw).program;
}

/** Put a program's data segments into a started chip (the same program with other data). */
export function putData(sim: Simulator, data: Program): void {
  for (const seg of data.data) (seg.memory === "host" ? sim.dp.host : sim.dp.wm).set(seg.values, seg.address);
}

export type Outcome = { halted: boolean; fault: string | null };

export function runOn(sim: Simulator, p: PreparedProgram, data: Program): Outcome {
  sim.start(p);
  putData(sim, data);
  try {
    return { halted: sim.run(), fault: null };
  } catch (e) {
    if (!(e instanceof RuntimeFault)) throw e;
    return { halted: false, fault: `${e.message} @${e.cycle}` };
  }
}

export function expectSameMachine(got: Simulator, want: Simulator, what: string): void {
  expect(got.stats, `${what}: statistics`).toEqual(want.stats);
  expect(got.now, `${what}: cycle`).toBe(want.now);
  expectSameBits(got.dp.ub, want.dp.ub, `${what}: unified buffer`);
  expectSameBits(got.dp.acc.data, want.dp.acc.data, `${what}: accumulators`);
  expectSameBits(got.dp.wm, want.dp.wm, `${what}: weight memory`);
  expectSameBits(got.dp.host, want.dp.host, `${what}: host memory`);
}

export function threeChips(hw: HwConfig) {
  return {
    replay: new Simulator(hw, { mode: "fast" }),
    plain: new Simulator(hw, { mode: "fast", replay: false }),
    detailed: new Simulator(hw, { mode: "detailed" }),
  };
}

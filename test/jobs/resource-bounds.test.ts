/**
 * Shared resources really are shared (issue "Every unit on the clock"; docs/ARCHITECTURE.md "Shared
 * resources"): over a training step of each shipped MLP on tpu-v1 (bf16), tpu-v2 and small, no link
 * or port group moves more than its capacity per cycle allows: cycles >= bytes / bytes per cycle for
 * the host link and the weight-memory channel, and >= bytes / (ports * row width * element bytes +
 * the DMA's own port) for the unified-buffer and accumulator port groups. The TPU v1 paper's MLPs
 * (2000-wide layers, random data) train in batches of 16 here, and not on small: their 5 M and 20 M
 * weights need more weight memory than its 16 MiB holds (6 bytes per weight).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { HwConfig } from "../../src/config/hw-config.js";
import { loadDataset } from "../../src/data/dataset.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { train } from "../../src/jobs/train.js";
import type { RunStats } from "../../src/sim/stats.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const MLPS = readdirSync("workloads")
  .filter((f) => f.endsWith(".json"))
  .filter((f) => !(JSON.parse(readFileSync(`workloads/${f}`, "utf8")) as { layers: { type?: string }[] }).layers.some((l) => l.type === "conv"))
  .sort();
const MACHINES: [string, { preset: string; dtype?: string }][] = [
  ["tpu-v1 (bf16)", { preset: "tpu-v1", dtype: "bf16" }],
  ["tpu-v2", { preset: "tpu-v2" }],
  ["small", { preset: "small" }],
];
const isLarge = (file: string) => file.startsWith("tpu-v1-");

async function trainingStep(file: string, flags: { preset: string; dtype?: string }, steps = 1) {
  const shipped = loadWorkload(`workloads/${file}`);
  const spec = isLarge(file) ? { ...shipped, batch: 16, samples: 16 * steps } : shipped;
  const hw = resolveHardware({ dtype: "bf16", ...flags }, spec.hardware);
  const r = await train({ spec, hw, mode: "fast", epochs: 1, maxSteps: steps, evaluate: false, train: loadDataset(spec, "train", { limit: 64 }) });
  expect(r.steps).toBe(steps);
  return { hw, s: r.stats };
}

/** Each resource: bytes it carried and its capacity per cycle in bytes. */
function resources(hw: HwConfig, s: RunStats): [string, number, number][] {
  const row = Math.max(hw.rows, hw.cols, hw.vectorLanes);
  const H = hw.hostBytesPerCycle;
  return [
    ["host link", s.bytes.hostRead + s.bytes.hostWritten, H],
    ["weight-memory channel", s.bytes.weightMemoryRead + s.bytes.weightMemoryWritten, hw.weightBytesPerCycle],
    ["unified-buffer read ports (+ the DMA's port)", s.bytes.unifiedBufferRead, hw.unifiedBufferReadPorts * row * hw.elementBytes + H],
    ["unified-buffer write ports (+ the DMA's port)", s.bytes.unifiedBufferWritten, hw.unifiedBufferWritePorts * row * hw.elementBytes + H],
    ["accumulator read ports (+ the DMA's port)", s.bytes.accumulatorRead, hw.accumulatorReadPorts * row * 4 + H],
    ["accumulator write port", s.bytes.accumulatorWritten, hw.cols * 4],
  ];
}

describe("cycles >= bytes moved over each shared resource / its capacity", () => {
  expect(MLPS.length).toBeGreaterThanOrEqual(4);
  for (const file of MLPS) {
    for (const [name, flags] of MACHINES) {
      if (isLarge(file) && name === "small") continue;
      it(`${file} on ${name}`, async () => {
        const { hw, s } = await trainingStep(file, flags);
        for (const [what, bytes, capacity] of resources(hw, s)) {
          expect(bytes, what).toBeGreaterThan(0);
          expect(s.cycles, `${what}: ${bytes} bytes at ${capacity} per cycle`).toBeGreaterThanOrEqual(Math.ceil(bytes / capacity));
        }
      });
    }
  }

  it("the issue's example, two steps of mnist-784-256-256-10 on tpu-v1 (bf16), take at least weight bytes / 48 cycles", async () => {
    const { hw, s } = await trainingStep("mnist-784-256-256-10.json", { preset: "tpu-v1", dtype: "bf16" }, 2);
    const bytes = s.bytes.weightMemoryRead + s.bytes.weightMemoryWritten;
    expect(hw.weightBytesPerCycle).toBe(48);
    expect(s.cycles).toBeGreaterThanOrEqual(bytes / 48);
    // The channel is the bottleneck of this step: it is busy for most of the run.
    expect(bytes / 48 / s.cycles).toBeGreaterThan(0.5);
  });
});

/**
 * The overlap rule (docs/ARCHITECTURE.md "Controller": a source and the destination of one
 * instruction in one memory are the same block or share no address) holds for everything the
 * compiler emits: every shipped workload's training step, inference and input-gradient programs on
 * several grids and both data types, checked here on the instruction fields (written out
 * independently of the simulator's check); and one training step of each runs without the fault.
 * The compiler's in-place VEC adds (destination = source a) and its gathering copies (source rows
 * that overlap each other, never the destination) are allowed by the rule; partial overlaps are not.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileInference, compileInputGradient, compileTrainingStep } from "../../src/compiler/index.js";
import { loadDataset } from "../../src/data/dataset.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { train } from "../../src/jobs/train.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const WORKLOADS = readdirSync("workloads").filter((f) => f.endsWith(".json")).sort();
const GRIDS = ["4x4", "7x5", "16x16", "128x128"];
/** The TPU v1 paper's MLPs (2000-wide layers) would take minutes on tiny grids: a ragged one and tpu-v1's sizes. */
const LARGE_GRIDS = ["100x60", "128x128", "256x256"];
const isLarge = (file: string) => file.startsWith("tpu-v1-");

/** [first, last] element of a rows x cols block at `addr` with `stride`. */
function extent(addr: number, stride: number, rows: number, cols: number): [number, number] {
  return [addr, addr + (rows - 1) * stride + cols - 1];
}

/** Problems with one VEC: a source that overlaps the destination without being the same block. */
function overlapProblems(ins: Instruction, pc: number): string[] {
  if (ins.op !== "VEC") return [];
  const f = ins.f;
  const dst = extent(f.dst, f.dstride, f.rows, f.cols);
  const sources = f.fn === 3 ? ["a"] : ["a", "b"]; // fn 3 = copy: one source
  return sources.flatMap((name) => {
    const src = extent(f[name], f[`${name}stride`], f.rows, f.cols);
    const overlap = src[0] <= dst[1] && dst[0] <= src[1];
    const same = f[name] === f.dst && (f[`${name}stride`] === f.dstride || f.rows === 1);
    return overlap && !same ? [`pc ${pc}: VEC ${name}=${f[name]} stride ${f[`${name}stride`]} vs dst=${f.dst} stride ${f.dstride}`] : [];
  });
}

describe("the compiler never emits a partly overlapping VEC", () => {
  for (const file of WORKLOADS) {
    const grids = isLarge(file) ? LARGE_GRIDS : GRIDS;
    it(`${file}: training step, inference and input gradient on ${grids.join(", ")}, bf16 and int8`, () => {
      const spec = loadWorkload(`workloads/${file}`);
      // Convolutions (anywhere in the network) have neither input gradients nor int8 inference (the compiler refuses both).
      const conv = spec.layers.some((l) => l.conv !== undefined);
      let vecs = 0;
      for (const array of grids) {
        for (const dtype of conv ? ["bf16"] : ["bf16", "int8"]) {
          const hw = resolveHardware({ array, dtype }, spec.hardware);
          const programs =
            dtype === "int8"
              ? [compileInference(spec, hw)]
              : [compileTrainingStep(spec, hw), compileInference(spec, hw), ...(conv ? [] : [compileInputGradient(spec, hw)])];
          for (const p of programs) {
            const problems = p.program.instructions.flatMap((ins, pc) => overlapProblems(ins, pc));
            expect(problems, `${file} ${array} ${dtype}`).toEqual([]);
            vecs += p.program.instructions.filter((i) => i.op === "VEC").length;
          }
        }
      }
      expect(vecs).toBeGreaterThan(0);
    });
  }

  it("a bf16 training step of every workload runs without an overlap fault (7x5; the TPU v1 MLPs on 100x60)", async () => {
    for (const file of WORKLOADS) {
      const spec = { ...loadWorkload(`workloads/${file}`), batch: 4, samples: 4 };
      const hw = resolveHardware({ array: isLarge(file) ? "100x60" : "7x5", dtype: "bf16" }, spec.hardware);
      const r = await train({ spec, hw, mode: "fast", epochs: 1, maxSteps: 1, evaluate: false, train: loadDataset(spec, "train", { limit: 4 }) });
      expect(r.steps, file).toBe(1);
    }
  }, 120_000);

  it("micro-batched training steps (a unified buffer for a few samples) emit no partial overlap and run without the fault", async () => {
    // Unified buffers for a few samples of each (one sample of mnist-cnn-two needs 21,660 elements).
    let inPlace = 0;
    let gathers = 0;
    for (const [file, bytes] of [["mnist-784-16-16-10.json", 12 * 1024], ["mnist-cnn-two.json", 128 * 1024]] as const) {
      const spec = { ...loadWorkload(`workloads/${file}`), batch: 12 };
      const hw = resolveHardware({ array: "7x5", dtype: "bf16", set: [`unifiedBufferBytes=${bytes}`] }, spec.hardware);
      const c = compileTrainingStep(spec, hw);
      expect(c.microBatch, file).toBeLessThan(spec.batch);
      expect(c.program.instructions.flatMap((ins, pc) => overlapProblems(ins, pc)), file).toEqual([]);
      for (const ins of c.program.instructions) {
        if (ins.op !== "VEC") continue;
        if (ins.f.fn !== 3 && ins.f.a === ins.f.dst) inPlace++;
        if (ins.f.fn === 3 && ins.f.rows > 1 && ins.f.astride < ins.f.cols) gathers++;
      }
      const r = await train({ spec, hw, mode: "fast", epochs: 1, maxSteps: 1, evaluate: false, train: loadDataset(spec, "train", { limit: 12 }) });
      expect(r.steps, file).toBe(1);
    }
    // Not vacuous: the allowed cases occur (the second convolution's in-place adds and patch gathers).
    expect(inPlace).toBeGreaterThan(0);
    expect(gathers).toBeGreaterThan(0);
  }, 60_000);
});

/**
 * The overlap rule (docs/ARCHITECTURE.md "Controller": a source and the destination of one
 * instruction in one memory are the same block or share no address) holds for everything the
 * compiler emits: every shipped workload's training step, inference and input-gradient programs on
 * several grids and both data types, checked here on the instruction fields (written out
 * independently of the simulator's check); and one training step of each runs without the fault.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileInference, compileInputGradient, compileTrainingStep } from "../../src/compiler/index.js";
import { loadMnist } from "../../src/data/mnist.js";
import type { Instruction } from "../../src/isa/opcodes.js";
import { resolveHardware } from "../../src/jobs/hardware.js";
import { train } from "../../src/jobs/train.js";
import { loadWorkload } from "../../src/workloads/spec.js";

const WORKLOADS = readdirSync("workloads").filter((f) => f.endsWith(".json")).sort();
const GRIDS = ["4x4", "7x5", "16x16", "128x128"];

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
    it(`${file}: training step, inference and input gradient on ${GRIDS.join(", ")}, bf16 and int8`, () => {
      const spec = loadWorkload(`workloads/${file}`);
      // Convolutions have neither input gradients nor int8 inference (the compiler refuses both).
      const conv = spec.layers[0].conv !== undefined;
      let vecs = 0;
      for (const array of GRIDS) {
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

  it("a training step of every workload runs on 7x5 without an overlap fault", async () => {
    const images = loadMnist("train", { limit: 32 });
    for (const file of WORKLOADS) {
      const spec = { ...loadWorkload(`workloads/${file}`), batch: 4 };
      const r = await train({ spec, hw: resolveHardware({ array: "7x5" }, spec.hardware), mode: "fast", epochs: 1, maxSteps: 1, evaluate: false, train: images });
      expect(r.steps, file).toBe(1);
    }
  });
});

/**
 * A program's host memory, checked before the simulator allocates it (docs/LIMITS.md "Programs"):
 * host memory grows to the highest address any instruction or data segment touches, 8 bytes per
 * element, and a 32-bit address field could otherwise ask for 32 GiB.
 */
import { MAX_MEMORY_HOST_BYTES, formatBytes, overBy } from "../config/limits.js";
import { footprint } from "../compiler/footprint.js";
import { UserInputError } from "../errors.js";
import type { Program } from "../isa/program.js";

/** Host memory elements the program needs (the simulator sizes host memory to this). */
export function programHostElements(program: Program): number {
  return hostExtent(program).end;
}

export function checkProgramHostMemory(program: Program, file?: string): void {
  const { end, by } = hostExtent(program);
  const bytes = end * 8;
  if (bytes > MAX_MEMORY_HOST_BYTES) {
    throw new UserInputError(
      `${by} reaches host address ${end - 1}, so host memory would take ${formatBytes(bytes)} in the simulator (8 bytes per element), ` +
        `${overBy(bytes, MAX_MEMORY_HOST_BYTES)} the limit of ${formatBytes(MAX_MEMORY_HOST_BYTES)} (docs/LIMITS.md)`,
      { file },
    );
  }
}

function hostExtent(program: Program): { end: number; by: string } {
  let end = 0;
  let by = "";
  for (const [pc, ins] of program.instructions.entries()) {
    for (const a of footprint(ins)) {
      if (a.space === "host" && a.end > end) {
        end = a.end;
        by = `instruction ${pc} (${ins.op})`;
      }
    }
  }
  for (const [i, d] of program.data.entries()) {
    if (d.memory === "host" && d.address + d.values.length > end) {
      end = d.address + d.values.length;
      by = `data segment ${i + 1}`;
    }
  }
  return { end, by };
}

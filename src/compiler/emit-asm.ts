/**
 * Transformations: CompiledProgram -> assembly text (the last step, not an IR pass).
 *   Input:  a compiled program with commented instructions and its memory layout.
 *   Output: a header naming the workload, grid and memory map; then the instructions in blocks, one
 *           per run of the same layer and pass (`; layer 1 forward`; hoisted tile loads stay in the
 *           block they were hoisted into), each instruction followed by
 *           its comment (`; layer 1 forward: Z = X1 · M1^T, k-tile 2/7, n-tile 1/1`); then the host
 *           data segments. assemble() turns the text back into the same program.
 */
import { formatF32, formatInstruction } from "../isa/disassembler.js";
import type { CompiledProgram } from "./ir.js";

const VALUES_PER_LINE = 8;
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ");

export function emitAssembly(c: CompiledProgram): string {
  const { spec, hw } = c;
  const layers = spec.layers
    .map((l) => (l.conv ? `conv ${l.conv.kernel}x${l.conv.kernel}x${l.conv.channels} stride ${l.conv.stride} padding ${l.conv.padding} ${l.activation}` : `${l.units} ${l.activation}`))
    .join(", ");
  const lines = [
    `; tpusim ${c.kind} for workload "${oneLine(spec.name)}": ${spec.inputs} inputs, layers ${layers}, batch ${c.batch}`,
    `; grid ${hw.rows}x${hw.cols} (R x C), ${hw.dtype}, weight FIFO ${hw.weightFifoTiles} tiles, ` +
      `${c.program.instructions.length} instructions`,
    `; memory map (element addresses, rows x cols, row-major):`,
  ];
  for (const space of ["ub", "host"] as const) {
    const name = space === "ub" ? "unified buffer" : "host memory";
    for (const b of c.buffers.filter((x) => x.space === space)) {
      lines.push(`;   ${name.padEnd(14)} ${String(b.address).padStart(8)}  ${b.name.padEnd(6)} ${b.rows}x${b.cols}  ${oneLine(b.what)}`);
    }
  }
  c.weights.forEach((w, l) => {
    const what = w.transposed ? `layer ${l} parameters stored transposed (M${l}^T), bias in row ${w.rows - 1}` : `layer ${l} parameters, bias in column ${w.cols - 1}`;
    lines.push(`;   ${"weight memory".padEnd(14)} ${String(w.address).padStart(8)}  ${`M${l}`.padEnd(6)} ${w.rows}x${w.cols}  ${what}`);
  });
  lines.push(
    `;   used: unified buffer ${c.memory.unifiedBufferElements}/${hw.unifiedBufferElements} elements, ` +
      `accumulators ${c.memory.accumulatorRows}/${hw.accumulatorRows} rows, ` +
      `weight memory ${c.memory.weightMemoryElements}/${hw.weightMemoryElements} elements, host ${c.host.elements} elements`,
  );
  let block: string | undefined;
  for (const ins of c.program.instructions) {
    const comment = ins.comment === undefined ? "" : oneLine(ins.comment);
    // A block is one layer's pass ("layer 1 forward", "layer 0 sgd", "loss"): the comment's head.
    // Prefetched tile loads stay inside the block they were hoisted into; their own comment says
    // which pass they feed.
    const prefetch = ins.op === "RDW" || ins.op === "RDWU";
    const head = prefetch ? (block ?? "weight tiles prefetched before the first pass") : comment.split(":")[0];
    if (head !== block) lines.push("", `; ${head}`);
    block = head;
    lines.push(`    ${formatInstruction(ins)}${comment ? `  ; ${comment}` : ""}`);
  }
  for (const s of c.program.data) {
    lines.push("", `; preloaded ${s.memory} data`, `.${s.memory} ${s.address}`);
    for (let i = 0; i < s.values.length; i += VALUES_PER_LINE) {
      lines.push(`    .f32 ${Array.from(s.values.subarray(i, i + VALUES_PER_LINE), formatF32).join(", ")}`);
    }
  }
  return lines.join("\n") + "\n";
}

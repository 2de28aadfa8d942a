/**
 * Invariant checks between passes (index.ts runs them under `{ check: true }`). verify() checks what
 * the IR holds so far:
 *   graph     buffers have unique names, every view lies inside its buffer and space, matmul operand
 *             and epilogue shapes agree, transfers/vector ops/transposes have matching shapes
 *   tiling    k-tiles cover K with rows <= R, n-tiles cover N with cols <= C, every (k, n) pass occurs
 *             once in k order with `accumulate` exactly after the first (on every pass of a later part
 *             of an accumulation group), every n-tile drains once after its last pass (only in the
 *             last part of a group), and no accumulator slot is shared by two live n-tiles
 *   placement buffers, weight matrices and accumulator regions inside their memories, disjoint; an
 *             accumulation group's rows are its own
 *   code      every instruction (verify-program.ts: field widths, grid limits, bounds)
 *   program   the whole list (FIFO protocol, switch before use, HALT at the end)
 * A failure is a compiler bug: VerifyError lists every problem found.
 */
import { TpusimError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import { addressLimit } from "./footprint.js";
import { bufferElements, findWeights, matmulShape } from "./ir.js";
import type { CompiledProgram, CompilerIr, MatmulOp, TransferOp, VectorOp, View } from "./ir.js";
import { checkInstruction, checkProgram } from "./verify-program.js";

export class VerifyError extends TpusimError {
  override readonly name = "VerifyError";
  constructor(readonly problems: readonly string[]) {
    super(`compiler invariant violated: ${problems.join("; ")}`);
  }
}

export function verify(ir: CompilerIr, hw: HwConfig): void {
  const problems = [...checkGraph(ir), ...checkTiling(ir, hw), ...checkPlacement(ir, hw)];
  const host = ir.layout?.hostElements ?? Infinity;
  for (const op of ir.ops) for (const ins of op.code ?? []) problems.push(...checkInstruction(ins, hw, host));
  if (ir.program) problems.push(...checkProgram(ir.program, hw, host));
  if (problems.length > 0) throw new VerifyError(problems);
}

/** The checks of a finished program, on the compiler's public result. */
export function verifyCompiled(c: CompiledProgram): void {
  const problems = checkProgram(c.program.instructions, c.hw, c.host.elements);
  for (const s of c.program.data) {
    const size = s.memory === "host" ? c.host.elements : c.hw.weightMemoryElements;
    if (s.address + s.values.length > size) problems.push(`data segment at ${s.memory} ${s.address} overruns its memory (size ${size})`);
  }
  if (problems.length > 0) throw new VerifyError(problems);
}

function checkGraph(ir: CompilerIr): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const b of ir.buffers) {
    if (names.has(b.name)) problems.push(`buffer ${b.name} is declared twice`);
    names.add(b.name);
  }
  const view = (v: View, space: "ub" | "host", what: string, segmented = false) => {
    const b = ir.buffers.find((x) => x.name === v.buffer);
    if (!b) return problems.push(`${what}: unknown buffer ${v.buffer}`);
    if (b.space !== space) problems.push(`${what}: buffer ${b.name} is in ${b.space}, expected ${space}`);
    if (v.segment !== undefined && !segmented) problems.push(`${what}: a segmented view of ${b.name} where one strided block is needed`);
    if (!viewInside(v, b.rows, b.cols)) {
      const shape = v.pitch === undefined ? "" : `, pitch ${v.pitch}${v.segment === undefined ? "" : `, segment ${v.segment}`}`;
      problems.push(`${what}: view ${v.rows}x${v.cols} at (${v.row}, ${v.col})${shape} outside ${b.name} (${b.rows}x${b.cols})`);
    }
  };
  const same = (a: View, b: View, what: string) => {
    if (a.rows !== b.rows || a.cols !== b.cols) problems.push(`${what}: shapes ${a.rows}x${a.cols} and ${b.rows}x${b.cols} differ`);
  };
  const transfer = (op: TransferOp) => {
    view(op.host, "host", op.note);
    view(op.ub, "ub", op.note);
    same(op.host, op.ub, op.note);
  };
  const vector = (op: VectorOp) => {
    for (const v of [op.dst, op.a, op.b]) view(v, "ub", op.note);
    same(op.dst, op.a, op.note);
    same(op.dst, op.b, op.note);
  };
  for (const op of ir.ops) {
    if (op.kind === "transfer") {
      transfer(op);
    } else if (op.kind === "vector") {
      vector(op);
    } else if (op.kind === "softmax") {
      view(op.src, "ub", op.note);
      view(op.dst, "ub", op.note);
      same(op.src, op.dst, op.note);
    } else if (op.kind === "transpose") {
      view(op.src, "ub", op.note);
      view(op.dst, "ub", op.note);
      if (op.src.rows !== op.dst.cols || op.src.cols !== op.dst.rows) problems.push(`${op.note}: destination is not the transposed shape`);
    } else if (op.kind === "matmul") {
      problems.push(...checkMatmulShape(ir, op, view));
      if (op.blockInputs && op.blockInputs.length !== Math.ceil(op.input.rows / (op.rowBlock ?? op.input.rows))) {
        problems.push(`${op.note}: ${op.blockInputs.length} lists of block inputs for its row blocks`);
      }
      for (const t of op.stripInputs ?? []) {
        transfer(t);
        if (t.direction !== "host-to-ub" || t.ub.buffer !== op.input.buffer) problems.push(`${t.note}: a strip input must fill ${op.input.buffer}`);
      }
      if (op.stripInputs && op.tiling && (op.stripInputs.length !== op.tiling.kTiles.length || op.stripInputs.some((t, j) => t.ub.col !== op.tiling!.kTiles[j].start || t.ub.cols !== op.tiling!.kTiles[j].size))) {
        problems.push(`${op.note}: its strip inputs are not its k-tiles`);
      }
      for (const t of op.blockInputs?.flat() ?? []) {
        if (t.kind === "vector") vector(t);
        else transfer(t);
        const filled = t.kind === "vector" ? t.dst.buffer : t.direction === "host-to-ub" ? t.ub.buffer : undefined;
        if (filled !== op.input.buffer) problems.push(`${t.note}: a block input must fill ${op.input.buffer}`);
      }
    }
  }
  return problems;
}

/**
 * Every element of the view lies inside a rows x cols buffer: per dimension for a plain view; for a
 * pitched view by flat extent; for a segmented one each segment inside its buffer row.
 */
function viewInside(v: View, rows: number, cols: number): boolean {
  if (v.row < 0 || v.col < 0 || v.rows < 1 || v.cols < 1 || (v.pitch !== undefined && v.pitch < 0)) return false;
  if (v.pitch === undefined && v.segment === undefined) return v.row + v.rows <= rows && v.col + v.cols <= cols;
  const pitch = v.pitch ?? cols;
  if (v.segment === undefined) return v.row * cols + v.col + (v.rows - 1) * pitch + v.cols <= rows * cols;
  if (v.segment < 1) return false;
  const segments = Math.ceil(v.rows / v.segment);
  const span = (Math.min(v.segment, v.rows) - 1) * pitch + v.cols;
  return v.row + segments <= rows && v.col + span <= cols;
}

function checkMatmulShape(ir: CompilerIr, op: MatmulOp, view: (v: View, s: "ub" | "host", w: string, segmented?: boolean) => unknown): string[] {
  const problems: string[] = [];
  const { m, k, n } = matmulShape(op);
  view(op.input, "ub", op.note);
  const s = op.stationary;
  const sk = s.memory === "weights" && s.transpose ? s.view.cols : s.view.rows;
  if (sk !== k) problems.push(`${op.note}: input has ${k} columns but the stationary operand ${sk} rows`);
  const inWeights = (v: { layer: number; row: number; col: number; rows: number; cols: number }) => {
    const w = findWeights(ir, v.layer);
    if (v.row + v.rows > w.rows || v.col + v.cols > w.cols) problems.push(`${op.note}: window outside M${v.layer}`);
  };
  if (s.memory === "ub") view(s.view, "ub", op.note);
  else inWeights(s.view);
  const e = op.epilogue;
  const out = e.kind === "activate" ? e.dst : e.target;
  if (e.kind === "activate") view(e.dst, "ub", op.note, true);
  else inWeights(e.target);
  const out2 = e.kind === "activate" ? e.dst : undefined;
  if (out2?.segment !== undefined && (op.rowBlock === undefined || out2.segment % op.rowBlock !== 0)) {
    problems.push(`${op.note}: a segmented destination needs row blocks that divide its segments`);
  }
  if (out.rows !== m || out.cols !== n) problems.push(`${op.note}: result is ${m}x${n} but the epilogue writes ${out.rows}x${out.cols}`);
  return problems;
}

function checkTiling(ir: CompilerIr, hw: HwConfig): string[] {
  const problems: string[] = [];
  for (const op of ir.ops) {
    if (op.kind !== "matmul" || !op.tiling) continue;
    const t = op.tiling;
    const { k, n } = matmulShape(op);
    const cover = (spans: readonly { start: number; size: number }[], total: number, max: number, what: string) => {
      let at = 0;
      for (const s of spans) {
        if (s.start !== at || s.size < 1 || s.size > max) problems.push(`${op.note}: ${what} ${s.start}+${s.size} breaks the cover of ${total} by <= ${max}`);
        at = s.start + s.size;
      }
      if (at !== total) problems.push(`${op.note}: ${what}s cover ${at} of ${total}`);
    };
    cover(t.kTiles, k, hw.rows, "k-tile");
    cover(t.nTiles, n, hw.cols, "n-tile");
    cover(t.mTiles, matmulShape(op).m, Math.min(t.slotRows, hw.accumulatorRows), "m-tile");
    if (op.rowBlock !== undefined && t.mTiles.some((s) => s.start % op.rowBlock! !== 0)) problems.push(`${op.note}: an m-tile splits a row block`);
    // Every (m, n) output tile: its passes in k order, then one drain, on a slot no other live tile holds.
    const pairs = t.mTiles.length * t.nTiles.length;
    const pair = (s: { m: number; n: number }) => s.m * t.nTiles.length + s.n;
    const label = (p: number) => {
      const m = Math.floor(p / t.nTiles.length);
      return t.mTiles.length === 1 ? `n-tile ${p % t.nTiles.length}` : `tile (m ${m}, n ${p % t.nTiles.length})`;
    };
    const nextK = new Array<number>(pairs).fill(0);
    const drained = new Array<boolean>(pairs).fill(false);
    // A part of an accumulation group after the first adds onto the sums; only the last drains.
    const continues = op.accumulation !== undefined && !op.accumulation.first;
    const drains = op.accumulation === undefined || op.accumulation.last;
    const owner = new Map<number, number>();
    let previous: { k: number; n: number } | undefined;
    for (const s of t.steps) {
      const p = pair(s);
      const name = label(p);
      if (s.slot < 0 || s.slot >= t.slots) problems.push(`${op.note}: slot ${s.slot} outside ${t.slots} slots`);
      if (s.kind === "pass") {
        const holder = owner.get(s.slot);
        if (holder !== undefined && holder !== p) problems.push(`${op.note}: ${name} reuses slot ${s.slot} while ${label(holder)} is live`);
        owner.set(s.slot, p);
        if (s.k !== nextK[p] || drained[p]) problems.push(`${op.note}: pass (k ${s.k}) of ${name} out of order`);
        if (s.accumulate !== (s.k > 0 || continues)) problems.push(`${op.note}: pass (k ${s.k}) of ${name} has accumulate=${s.accumulate}`);
        if (!s.load && !(previous && previous.k === s.k && previous.n === s.n)) problems.push(`${op.note}: pass (k ${s.k}) of ${name} reuses a tile it did not load`);
        nextK[p] = s.k + 1;
        previous = s;
      } else {
        if (!drains) problems.push(`${op.note}: ${name} drains before the last part of its accumulation group`);
        if (nextK[p] !== t.kTiles.length || drained[p]) problems.push(`${op.note}: ${name} drained before all its passes or twice`);
        if (owner.get(s.slot) !== p) problems.push(`${op.note}: ${name} drains slot ${s.slot} it does not own`);
        drained[p] = true;
        owner.delete(s.slot);
      }
    }
    if (drains && drained.some((d) => !d)) problems.push(`${op.note}: some output tiles are never drained`);
  }
  return problems;
}

function checkPlacement(ir: CompilerIr, hw: HwConfig): string[] {
  const problems: string[] = [];
  const host = ir.layout?.hostElements ?? Infinity;
  const ranges = { ub: [] as [number, number, string][], host: [] as [number, number, string][], weights: [] as [number, number, string][] };
  for (const b of ir.buffers) if (b.address !== undefined) ranges[b.space].push([b.address, b.address + bufferElements(b), b.name]);
  for (const w of ir.weights) if (w.address !== undefined) ranges.weights.push([w.address, w.address + w.rows * w.cols, `M${w.layer}`]);
  const size = { ub: Math.min(hw.unifiedBufferElements, addressLimit("ub")), host, weights: hw.weightMemoryElements };
  for (const space of ["ub", "host", "weights"] as const) {
    const list = ranges[space].sort((a, b) => a[0] - b[0]);
    list.forEach(([start, end, name], i) => {
      if (start < 0 || end > size[space]) problems.push(`${name} [${start}, ${end}) lies outside ${space} (size ${size[space]})`);
      if (i > 0 && start < list[i - 1][1]) problems.push(`${name} overlaps ${list[i - 1][2]} in ${space}`);
    });
  }
  const groupRows: [number, number, string][] = [];
  const placed = ir.ops.filter((op): op is MatmulOp => op.kind === "matmul" && op.accBase !== undefined && op.tiling !== undefined);
  for (const op of placed) {
    const end = op.accBase! + op.tiling!.slots * op.tiling!.slotRows;
    if (op.accBase! < 0 || end > hw.accumulatorRows) problems.push(`${op.note}: accumulator rows [${op.accBase}, ${end}) outside ${hw.accumulatorRows}`);
    if (op.accumulation) groupRows.push([op.accBase!, end, op.accumulation.group]);
  }
  // A group's sums live from its first part to its last: no other matmul may use those rows.
  for (const op of placed) {
    const end = op.accBase! + op.tiling!.slots * op.tiling!.slotRows;
    for (const [start, stop, group] of groupRows) {
      const mine = op.accumulation?.group === group;
      if (mine ? op.accBase !== start : op.accBase! < stop && start < end) problems.push(`${op.note}: accumulator rows overlap those of the ${group}`);
    }
  }
  return problems;
}

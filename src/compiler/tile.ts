/**
 * Transformations: matmul ops -> matmul ops with a `tiling` for the R x C array.
 *   Input:  matmuls stated as M vectors x K contraction x N outputs (ir.ts).
 *   Output: the same ops plus kTiles (K split by R: tile rows, MMUL cols), nTiles (N split by C: tile
 *           cols), mTiles (the M vectors: one span, blocks when they do not fit the accumulators or
 *           one MMUL, or the row blocks of an op with `rowBlock`, or with `vectorBlocks` blocks of
 *           at least 2(R+C) vectors, one wave each), and the
 *           ordered steps: passes (k-tile, n-tile, m-tile, accumulator slot, accumulate flag, whether
 *           to load the tile) and drains (the epilogue of one (m, n) tile). Edge tiles carry their
 *           true size; the hardware pads the rest of the grid with zeros.
 *
 * Order: n-tiles are processed in groups whose accumulator regions (M rows each) fit at once; inside a
 * group the loop is k outer, n inner, so consecutive accumulating passes target different accumulator
 * rows whenever the group holds more than one n-tile (ARCHITECTURE.md, the accumulator rule), and
 * every output's chain runs k = 0..K-1 in order (the sequential sum the numerics require). When the
 * n-tiles need more than one group, the groups alternate between two halves of the slots so the
 * next group's passes need not wait for the previous group's drain. In a group's last k round each
 * drain follows the pass `lag` n-tiles after its own (drainLag), so ACT or VSGD drains the finished
 * n-tiles while the array computes the rest (a VSGD right after its gradient pass, not after all of
 * them). A pass loads its tile (RDW or
 * RDWU, then MMUL switch) unless the pass before it used the same (k, n) tile, which only blocks
 * of vectors do (pipelinedSteps).
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import { matmulShape, split } from "./ir.js";
import type { CompilerIr, MatmulOp, TileStep, Tiling } from "./ir.js";

/** MMUL `rows` is a 16-bit field: at most this many vectors per pass. */
const MAX_VECTORS = 0xffff;

export function tileMatmuls(ir: CompilerIr, hw: HwConfig): CompilerIr {
  // Accumulation groups keep their rows across every other matmul of the program: set them aside
  // first; the other matmuls share what is left.
  const groups = new Map<string, number>();
  for (const op of ir.ops) {
    if (op.kind !== "matmul" || !op.accumulation) continue;
    const t = groupedTiling(op, hw, true, true);
    groups.set(op.accumulation.group, t.slots * t.slotRows);
  }
  const reserved = [...groups.values()].reduce((a, b) => a + b, 0);
  if (reserved >= hw.accumulatorRows) {
    throw new UserInputError(
      `the batch runs in micro-batches, so the gradients of all layers stay in the accumulators between them: ` +
        `that needs ${reserved} accumulator rows and more for the passes, but the accumulators hold ${hw.accumulatorRows} rows; ` +
        `use more accumulator rows or a batch that fits the unified buffer at once`,
      { field: "accumulatorRows" },
    );
  }
  const avail = hw.accumulatorRows - reserved;
  return {
    ...ir,
    ops: ir.ops.map((op) => {
      if (op.kind !== "matmul") return op;
      const a = op.accumulation;
      return { ...op, tiling: a ? groupedTiling(op, hw, a.first, a.last) : tileOne(op, hw, avail, reserved) };
    }),
  };
}

/**
 * `avail` accumulator rows are free for this matmul. The M vectors form one m-tile when they fit
 * (and one MMUL can stream them); otherwise blocks small enough that two waves of every n-tile fit,
 * so one block drains while the next computes. A row block (a convolution's positions of one sample)
 * must fit whole.
 */
function tileOne(op: MatmulOp, hw: HwConfig, avail: number, reserved: number): Tiling {
  const { m, k, n } = matmulShape(op);
  const kTiles = split(k, hw.rows);
  const nTiles = split(n, hw.cols);
  const limit = Math.min(avail, MAX_VECTORS);
  let block = m <= limit ? m : blockSize(m, nTiles.length, limit);
  if (op.rowBlock !== undefined) {
    block = op.rowBlock;
    const what = `layer ${op.layer} has ${block} output positions per image, so its pass`;
    if (block > avail) {
      const held = reserved > 0 ? `${avail} rows are left beside the ${reserved} that hold the gradients` : `the accumulators hold ${hw.accumulatorRows} rows`;
      throw new UserInputError(`${what} needs ${block} accumulator rows per tile pass (${op.note}) but ${held}; use more accumulator rows`, {
        field: "accumulatorRows",
      });
    }
    if (block > MAX_VECTORS) throw new UserInputError(`${what} needs ${block} vectors per pass, more than an MMUL moves (${MAX_VECTORS})`, { field: "layers" });
  }
  let perWave = 0;
  if (op.vectorBlocks && op.rowBlock === undefined) {
    const blocked = vectorBlock(m, hw);
    if (blocked < block && Math.floor(avail / blocked) >= 2 * nTiles.length) {
      block = blocked;
      perWave = 1;
    }
  }
  const mTiles = split(m, block);
  const fit = Math.floor(avail / block);
  const { slots, steps } =
    mTiles.length > 1 && fit >= 2 * nTiles.length
      ? pipelinedSteps(kTiles.length, nTiles.length, mTiles.length, perWave || Math.floor(fit / (2 * nTiles.length)))
      : sequentialSteps(kTiles.length, nTiles.length, mTiles.length, fit, drainLag(hw, block));
  return { kTiles, nTiles, mTiles, slots, slotRows: block, steps: markLoads(steps) };
}

/**
 * Blocks for `vectorBlocks` (a transposed gradient): about an eighth of the vectors, so the last
 * block's drain (the VSGD left after the passes) is short, but at least 2(R + C) vectors, so each
 * pass is long next to its tile's shift and pipeline fill (one wave per block: every block reloads
 * its k-tiles). Equal sizes.
 */
export function vectorBlock(m: number, hw: HwConfig): number {
  const largest = Math.max(2 * (hw.rows + hw.cols), Math.ceil(m / 8));
  return Math.ceil(m / Math.ceil(m / largest));
}

/** Equal blocks of at most limit / (2 * n-tiles) vectors (at most `limit` when that is below 1). */
function blockSize(m: number, nCount: number, limit: number): number {
  const largest = Math.floor(limit / (2 * nCount)) || limit;
  return Math.ceil(m / Math.ceil(m / largest));
}

/**
 * One part of a summed product (accumulation groups): every output tile keeps its own slot for the
 * whole group, m-tile by m-tile, k outer and n inner; `first` starts the sums, otherwise every pass
 * accumulates onto the previous part's; only the `last` part drains.
 */
function groupedTiling(op: MatmulOp, hw: HwConfig, first: boolean, last: boolean): Tiling {
  const { m, k, n } = matmulShape(op);
  const kTiles = split(k, hw.rows);
  const nTiles = split(n, hw.cols);
  const mTiles = split(m, Math.min(m, MAX_VECTORS));
  const steps: Unloaded[] = [];
  const slot = (mi: number, ni: number) => mi * nTiles.length + ni;
  mTiles.forEach((_, mi) => {
    kTiles.forEach((_, ki) => {
      nTiles.forEach((_, ni) => steps.push({ kind: "pass", k: ki, n: ni, m: mi, slot: slot(mi, ni), accumulate: ki > 0 || !first }));
    });
  });
  if (last) mTiles.forEach((_, mi) => nTiles.forEach((_, ni) => steps.push({ kind: "drain", n: ni, m: mi, slot: slot(mi, ni) })));
  return { kTiles, nTiles, mTiles, slots: mTiles.length * nTiles.length, slotRows: mTiles[0].size, steps: markLoads(steps) };
}

type Unloaded = Omit<Extract<TileStep, { kind: "pass" }>, "load"> | Extract<TileStep, { kind: "drain" }>;

/**
 * Passes between a last pass and its drain: the drain of n-tile j follows the last pass of n-tile
 * j + lag, issued lag * spacing cycles after pass j at the earliest, when pass j (B + R + C - 1
 * cycles to its last result) has completed. Earlier, the drain at the head of in-order issue would
 * hold back the passes behind it. Passes that each switch tiles are at least max(B, (B+R+C)/2)
 * apart (ARCHITECTURE.md, weight shift: two banks, a tile's shift waits C - 1 cycles after the last
 * vector of the pass two back and takes R).
 */
function drainLag(hw: HwConfig, vectors: number): number {
  const spacing = Math.max(vectors, Math.floor((vectors + hw.rows + hw.cols) / 2));
  return 1 + Math.ceil((hw.rows + hw.cols - 1) / spacing);
}

/**
 * Each m-tile in turn: its n-tiles in groups that fit the accumulators, as described above. In the
 * last k round the drains are interleaved with the passes, each `lag` passes behind its own, so the
 * activation or vector unit drains (ACT, VSGD) while the array computes the group's other n-tiles.
 */
function sequentialSteps(kCount: number, nCount: number, mCount: number, fit: number, lag: number): { slots: number; steps: Unloaded[] } {
  const oneGroup = nCount <= fit;
  const slots = oneGroup ? nCount : fit >= 2 ? 2 * Math.floor(fit / 2) : 1;
  const group = oneGroup ? nCount : Math.max(1, Math.floor(fit / 2));
  const steps: Unloaded[] = [];
  for (let m = 0; m < mCount; m++) {
    for (let first = 0; first < nCount; first += group) {
      const last = Math.min(nCount, first + group);
      const drains: Unloaded[] = [];
      for (let k = 0; k < kCount; k++) {
        for (let n = first; n < last; n++) {
          steps.push({ kind: "pass", k, n, m, slot: n % slots, accumulate: k > 0 });
          if (k !== kCount - 1) continue;
          drains.push({ kind: "drain", n, m, slot: n % slots });
          if (drains.length > lag) steps.push(drains.shift()!);
        }
      }
      steps.push(...drains);
    }
  }
  return { slots, steps };
}

/**
 * Row blocks in waves of `perWave` m-tiles that alternate between two halves of the slots. Inside a
 * wave the loop is k, then n, then m, so consecutive passes share a stationary tile (loaded once)
 * and target different accumulator rows; the previous wave's drains are interleaved one by one with
 * this wave's last passes, so the activation unit drains one block while the array computes the next
 * (the controller issues in order: a drain placed after all the passes would hold back the next wave).
 */
function pipelinedSteps(kCount: number, nCount: number, mCount: number, perWave: number): { slots: number; steps: Unloaded[] } {
  const wavePairs = perWave * nCount;
  const steps: Unloaded[] = [];
  let pending: Unloaded[] = [];
  let slots = 0;
  for (let first = 0, w = 0; first < mCount; first += perWave, w++) {
    const last = Math.min(mCount, first + perWave);
    const slot = (m: number, n: number) => (w % 2) * wavePairs + (m - first) * nCount + n;
    const drains: Unloaded[] = [];
    for (let k = 0; k < kCount; k++) {
      for (let n = 0; n < nCount; n++) {
        for (let m = first; m < last; m++) {
          steps.push({ kind: "pass", k, n, m, slot: slot(m, n), accumulate: k > 0 });
          slots = Math.max(slots, slot(m, n) + 1);
          if (k !== kCount - 1) continue;
          drains.push({ kind: "drain", n, m, slot: slot(m, n) });
          const previous = pending.shift();
          if (previous) steps.push(previous);
        }
      }
    }
    steps.push(...pending);
    pending = drains;
  }
  steps.push(...pending);
  return { slots, steps };
}

/** A pass loads its tile unless the pass before it used the same (k, n) tile. */
function markLoads(steps: readonly Unloaded[]): TileStep[] {
  let previous: { k: number; n: number } | undefined;
  return steps.map((s) => {
    if (s.kind === "drain") return s;
    const load = !(previous && previous.k === s.k && previous.n === s.n);
    previous = s;
    return { ...s, load };
  });
}

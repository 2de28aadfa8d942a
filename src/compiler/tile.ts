/**
 * Transformations: matmul ops -> matmul ops with a `tiling` for the R x C array.
 *   Input:  matmuls stated as M vectors x K contraction x N outputs (ir.ts).
 *   Output: the same ops plus kTiles (K split by R: tile rows, MMUL cols), nTiles (N split by C: tile
 *           cols), and the ordered steps: passes (k-tile, n-tile, accumulator slot, accumulate flag)
 *           and drains (the epilogue of one n-tile). Edge tiles carry their true size; the hardware
 *           pads the rest of the grid with zeros.
 *
 * Order: n-tiles are processed in groups whose accumulator regions (M rows each) fit at once; inside a
 * group the loop is k outer, n inner, so consecutive accumulating passes target different accumulator
 * rows whenever the group holds more than one n-tile (ARCHITECTURE.md, the accumulator rule), and
 * every output's chain runs k = 0..K-1 in order (the sequential sum the numerics require). When the
 * n-tiles need more than one group, the groups alternate between two halves of the slots so the
 * next group's passes need not wait for the previous group's drain.
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import { matmulShape, split } from "./ir.js";
import type { CompilerIr, MatmulOp, TileStep, Tiling } from "./ir.js";

/** MMUL `rows` is a 16-bit field: at most this many vectors per pass. */
const MAX_VECTORS = 0xffff;

export function tileMatmuls(ir: CompilerIr, hw: HwConfig): CompilerIr {
  return { ...ir, ops: ir.ops.map((op) => (op.kind === "matmul" ? { ...op, tiling: tileOne(op, hw, ir.batch) } : op)) };
}

function tileOne(op: MatmulOp, hw: HwConfig, batch: number): Tiling {
  const { m, k, n } = matmulShape(op);
  const what = op.role === "gradient" ? `layer ${op.layer} has ${m} units, so its gradient` : `batch ${batch}`;
  if (m > hw.accumulatorRows) {
    throw new UserInputError(
      `${what} needs ${m} accumulator rows per tile pass (${op.note}) but the accumulators hold ${hw.accumulatorRows} rows; ` +
        (op.role === "gradient" ? "use more accumulator rows" : `reduce the batch to at most ${hw.accumulatorRows}`),
      { field: op.role === "gradient" ? "accumulatorRows" : "batch" },
    );
  }
  if (m > MAX_VECTORS) {
    throw new UserInputError(`${what} needs ${m} vectors per pass, more than an MMUL moves (${MAX_VECTORS})`, {
      field: op.role === "gradient" ? "layers" : "batch",
    });
  }
  const kTiles = split(k, hw.rows);
  const nTiles = split(n, hw.cols);
  const fit = Math.floor(hw.accumulatorRows / m);
  const oneGroup = nTiles.length <= fit;
  const slots = oneGroup ? nTiles.length : fit >= 2 ? 2 * Math.floor(fit / 2) : 1;
  const group = oneGroup ? nTiles.length : Math.max(1, Math.floor(fit / 2));
  const steps: TileStep[] = [];
  for (let first = 0; first < nTiles.length; first += group) {
    const last = Math.min(nTiles.length, first + group);
    for (let kk = 0; kk < kTiles.length; kk++) {
      for (let nn = first; nn < last; nn++) steps.push({ kind: "pass", k: kk, n: nn, slot: nn % slots, accumulate: kk > 0 });
    }
    for (let nn = first; nn < last; nn++) steps.push({ kind: "drain", n: nn, slot: nn % slots });
  }
  return { kTiles, nTiles, slots, steps };
}

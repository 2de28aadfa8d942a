/**
 * Transformations: WorkloadSpec -> per layer, whether the training step computes the weight gradient
 * transposed (runs before the graph, like micro-batch.ts; the IR does not exist yet).
 *   Input:  the workload, the machine, the requested form (`auto`, or `plain` / `transposed` to force
 *           it where it is possible, for measurements and tests).
 *   Output: one flag per layer: true = G_l^T = X_l^T · delta_l with delta_l stationary (RDWU of
 *           delta_l tiles, the batch as the contraction) and X_l^T's K_l+1 rows streamed, into M_l
 *           stored transposed ((K_l+1) x N_l, so VSGD updates it as is; the forward pass then loads
 *           it plainly and the error pass transposed); false = G_l = delta_l^T · X_l with X_l
 *           stationary, N_l vectors per tile.
 *
 * Possible for a dense layer of a training step whose batch fits the unified buffer at once (no
 * micro-batches: the gradient is then one pass sequence over the batch; graph.ts, micro-batch.ts);
 * for layer 0 only when X_0 is not in k-tile strips (a prefetching step), since X_0^T would take one
 * VTR per strip (at 16x16, 50 VTRs of 52 cycles in front of the loss: measured 6,639 cycles against
 * 4,833 plain for 784-16-16-10's self-loading step).
 * Both forms sum the same B products per weight in batch order (the stationary tile's rows are the
 * batch in both), so the numbers are the same.
 *
 * The estimate (`auto`), from the unstalled durations of docs/ARCHITECTURE.md, for one step:
 *   matrix  every product's issue cycles, each tile at the shift rule's spacing
 *           max(v, ceil((v + R + C - 2) / 2)) for v vectors per pass (docs/BOUND.md);
 *   vector  the vector unit's work: the loss and delta VECs, every VTR
 *           (rows*ceil(cols/lanes) + Lv + cols*ceil(rows/lanes)) and every VSGD
 *           (ceil(weights*(8+eb) / min(W, lanes*(8+eb))), bound-work.ts).
 * Transposing layer l changes the matrix side by its product's issue cycles transposed (one wave
 * per block of X_l^T's rows, tile.ts vectorBlock) minus plain, plus the VSGD left after its last
 * pass (the last block's, transposed; the last column tile's, plain: on a big array the transposed
 * form's few long blocks leave a long update behind), and the vector side by VTR(X_l) -
 * VTR(delta_l). Layers are taken greedily, largest gain first, while the step's larger total,
 * max(matrix, vector), goes down by more than 2(R + C) cycles (below that the estimate cannot tell
 * where the VTR and the VSGDs fall on the dependence chain). Never the output layer: its product
 * comes last, where the plain form's column tiles drain one by one behind their passes and the
 * transposed form's blocks leave more behind (measured on the shipped MLPs at 16x16: 12 to 50
 * cycles slower, or at best 26 faster). Measured (docs/BOUND.md): 784-16-16-10's layer 0 at 16x16 (100
 * passes of 16 vectors, 2,300 issue cycles, against 16 of 99) pays, and is taken; the same layer
 * at 128x128 (7 passes of 16 vectors against 2 of 393 and a 246-cycle VSGD after them) does not,
 * and is not; nor, on a vector-bound step (784-256-256-10 at 128x128), does the extra VTR.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { layerGeometry } from "./graph-layers.js";
import { vectorBlock } from "./tile.js";

/** `auto`: the estimate; `plain`, `transposed`: every layer where possible; a list: per layer. */
export type GradientForm = "auto" | "plain" | "transposed" | readonly boolean[];


/**
 * Per layer: compute the gradient transposed. `layer0`: layer 0 may be (X_0 is not in k-tile
 * strips); `fits(forms)`: the batch still fits the unified buffer at once.
 */
export function chooseGradientForms(
  spec: WorkloadSpec,
  hw: HwConfig,
  form: GradientForm,
  layer0: boolean,
  fits: (forms: readonly boolean[]) => boolean,
): boolean[] {
  const geo = layerGeometry(spec);
  const none = geo.map(() => false);
  const possible = geo.map((g, l) => !g.conv && (l > 0 || layer0));
  if (form === "plain" || !possible.some((p) => p)) return none;
  if (!fits(none)) return none; // the batch already runs in micro-batches
  const chosen =
    form === "transposed"
      ? possible
      : form === "auto"
        ? estimate(spec, hw, possible.map((p, l) => p && l < geo.length - 1))
        : possible.map((p, l) => p && (form[l] ?? false));
  return chosen.some((t) => t) && fits(chosen) ? chosen : none;
}

/** Issue cycles of a product of `tiles` tiles with `vectors` vectors per pass (the shift rule's spacing). */
function passCycles(hw: HwConfig, tiles: number, vectors: number): number {
  return tiles * Math.max(vectors, Math.ceil((vectors + hw.rows + hw.cols - 2) / 2));
}

/** Unstalled cycles of a VTR of a rows x cols block. */
function vtrCycles(hw: HwConfig, rows: number, cols: number): number {
  return rows * Math.ceil(cols / hw.vectorLanes) + hw.vectorLatency + cols * Math.ceil(rows / hw.vectorLanes);
}

/** The greedy choice described above; exported for its test. */
export function estimate(spec: WorkloadSpec, hw: HwConfig, possible: readonly boolean[]): boolean[] {
  const geo = layerGeometry(spec);
  const b = spec.batch;
  const R = hw.rows;
  const C = hw.cols;
  const lanes = hw.vectorLanes;
  const tiles = (k: number, n: number) => Math.ceil(k / R) * Math.ceil(n / C);
  const vec = (rows: number, cols: number) => rows * Math.ceil(cols / lanes) + hw.vectorLatency;
  const perWeight = 8 + hw.elementBytes;
  /** Unstalled cycles of a VSGD of w weights (bound-work.ts). */
  const vsgd = (w: number) => Math.ceil((w * perWeight) / Math.min(hw.weightBytesPerCycle, lanes * perWeight));
  /** Columns of the last of the size-wide tiles of n. */
  const lastTile = (n: number, size: number) => n - (Math.ceil(n / size) - 1) * size;
  let matrix = 0;
  let vector = 0;
  geo.forEach((g, l) => {
    const positions = b * g.positions;
    matrix += passCycles(hw, tiles(g.K + 1, g.rowsOfM), positions); // forward
    if (l > 0) {
      matrix += passCycles(hw, tiles(g.rowsOfM, g.K), positions); // error product
      vector += vec(b, g.inputs); // delta of the layer below
    }
    matrix += passCycles(hw, tiles(positions, g.K + 1), g.rowsOfM); // plain gradient
    vector += vtrCycles(hw, positions, g.rowsOfM); // VTR of delta_l
    vector += vsgd(g.rowsOfM * (g.K + 1));
  });
  vector += 2 * vec(b, geo[geo.length - 1].N); // the loss
  const gains = geo
    .map((g, l) => {
      if (!possible[l]) return { l, dm: 0, dv: 0 };
      // Transposed: one wave per block of X_l^T's rows (tile.ts vectorBlock), every k-tile reloaded.
      const block = Math.min(g.K + 1, vectorBlock(g.K + 1, hw));
      const blocks = Math.ceil((g.K + 1) / block);
      const lastBlock = g.K + 1 - (blocks - 1) * block;
      const passes = (blocks - 1) * passCycles(hw, tiles(b, g.rowsOfM), block) + passCycles(hw, tiles(b, g.rowsOfM), lastBlock);
      const transposed = passes + vsgd(lastBlock * lastTile(g.rowsOfM, C));
      const plain = passCycles(hw, tiles(b, g.K + 1), g.rowsOfM) + vsgd(g.rowsOfM * lastTile(g.K + 1, C));
      const dm = transposed - plain;
      const dv = vtrCycles(hw, b, g.K + 1) - vtrCycles(hw, b, g.rowsOfM);
      return { l, dm, dv };
    })
    .filter((x) => x.dm < 0)
    .sort((x, y) => x.dm - y.dm);
  // Below this the estimate cannot tell (it leaves out where the VTR and the VSGDs fall on the
  // dependence chain): such a layer stays plain.
  const margin = 2 * (R + C);
  const chosen = geo.map(() => false);
  for (const { l, dm, dv } of gains) {
    const before = Math.max(matrix, vector);
    const after = Math.max(matrix + dm, vector + dv);
    if (after < before - margin) {
      chosen[l] = true;
      matrix += dm;
      vector += dv;
    }
  }
  return chosen;
}

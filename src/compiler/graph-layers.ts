/**
 * Shared by graph.ts and graph-backward.ts (not a pass itself): the shape of each layer's product
 * and views of a micro-batch's rows.
 */
import type { ConvSpec, WorkloadSpec } from "../workloads/types.js";
import { convPositions, patchLength } from "./graph-conv.js";
import type { BufferDecl, View } from "./ir.js";

/** One layer's product: rows of X_l times M_l^T. */
export interface LayerGeometry {
  readonly conv?: ConvSpec;
  /** Inputs per row of X_l (a convolution's patch length), without the constant lane. */
  readonly K: number;
  /** Outputs per sample (a convolution's P*C). */
  readonly N: number;
  /** Rows of M_l: units, or a convolution's channels. */
  readonly rowsOfM: number;
  /** Rows of X_l per sample: a convolution's output positions, else 1. */
  readonly positions: number;
  /** Values per sample the layer reads (a convolution's H*W*Cin). */
  readonly inputs: number;
}

export function layerGeometry(spec: WorkloadSpec): LayerGeometry[] {
  return spec.layers.map((layer, l) => {
    const inputs = l === 0 ? spec.inputs : spec.layers[l - 1].units;
    const c = layer.conv;
    if (!c) return { K: inputs, N: layer.units, rowsOfM: layer.units, positions: 1, inputs };
    return { conv: c, K: patchLength(c), N: layer.units, rowsOfM: c.channels, positions: convPositions(c), inputs };
  });
}

/** Views of the first `rows` rows of a buffer (all columns, or `n` columns from `col`). */
export const rowsOf = (b: BufferDecl, rows: number, col = 0, n = b.cols - col): View => ({ buffer: b.name, row: 0, col, rows, cols: n });

/** What graph-backward needs of the forward buffers. */
export interface ForwardBuffers {
  readonly X: readonly BufferDecl[];
  readonly I: readonly (BufferDecl | undefined)[];
  readonly Y?: BufferDecl;
}

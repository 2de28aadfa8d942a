/**
 * Shared by the runtime and the tests (not a pass): a layer's parameters M_l (N_l x (K_l+1),
 * row-major, bias in the last column: the layout every job, file and golden model uses) to and from
 * the layout the compiled program stores them in (ir.ts StoredWeights: as is, or M_l^T when the
 * layer's gradient is computed transposed, gradient-form.ts).
 */
import type { StoredWeights } from "./ir.js";

/** The stored image of M_l (logical N_l x (K_l+1) values). */
export function toStoredWeights(w: StoredWeights, params: Float32Array): Float32Array {
  if (params.length !== w.rows * w.cols) throw new Error(`internal: ${params.length} parameters for a ${w.rows}x${w.cols} weight block`);
  return w.transposed ? transposeOf(params, w.cols, w.rows) : params;
}

/** M_l (logical N_l x (K_l+1)) from its stored image. */
export function fromStoredWeights(w: StoredWeights, stored: Float32Array): Float32Array {
  return w.transposed ? transposeOf(stored, w.rows, w.cols) : stored;
}

/** The transpose of a rows x cols row-major matrix. */
function transposeOf(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

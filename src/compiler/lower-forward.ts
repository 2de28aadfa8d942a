/**
 * Transformations: forward matmuls -> instructions.
 *   Input:  tiled, placed matmuls with role "forward" (Z = X_l · M_l^T, ACT epilogue into X_{l+1}).
 *   Output: per pass an `RDW transpose` tile (tile[r][c] = M_l[n0+c][k0+r]) and an `MMUL switch`
 *           streaming the batch rows of X_l (accumulate on every k-tile after the first); per n-tile
 *           an ACT (the layer's function and scales) into X_{l+1}. A matmul in row blocks (a
 *           convolution) reuses its tile across blocks (MMUL without switch), drains each block
 *           with its own ACT through the segmented destination, and carries its blocks' input
 *           inputs (the im2col gathers: RHMs from host memory, or VEC copies inside the unified
 *           buffer for a later layer) placed one block ahead of the passes. A dense first layer
 *           carries its input's k-tile strips (RHMs into the column-blocked X_0), likewise placed
 *           one k-tile ahead of the passes.
 */
import type { HwConfig } from "../config/hw-config.js";
import { lowerMatmul, lowerOps } from "./lower-common.js";
import { transferInstruction } from "./lower-transfer.js";
import { lowerVector } from "./lower-vector.js";
import type { CompilerIr, MatmulOp, Op } from "./ir.js";

const isForward = (op: Op): op is MatmulOp => op.kind === "matmul" && op.role === "forward";

export function lowerForward(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isForward, (op) => {
    const inputs = op.blockInputs;
    const strips = op.stripInputs;
    return lowerMatmul(
      ir,
      op,
      inputs && ((m) => inputs[m].map((t) => (t.kind === "transfer" ? transferInstruction(ir, t) : lowerVector(ir, t)))),
      strips && ((k) => [transferInstruction(ir, strips[k])]),
    );
  });
}

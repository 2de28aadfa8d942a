/**
 * Transformations: gradient matmuls -> instructions.
 *   Input:  gradient matmuls G_l = deltaT_l · X_l with a VSGD epilogue on M_l, or transposed
 *           (gradient-form.ts) G_l^T = XT_l · delta_l with a VSGD epilogue on M_l stored transposed.
 *   Output: per pass an `RDWU` stationary tile of X_l (tile[r][c] = X_l[b0+r][k0+c], contraction over
 *           the batch in chunks of R) and an `MMUL switch` streaming the N_l rows of deltaT_l
 *           (accumulate after the first b-tile); per column tile a VSGD (M_l -= lr · G).
 *           Transposed: tiles of delta_l (tile[r][c] = delta_l[b0+r][n0+c]) and MMULs streaming a
 *           block of XT_l's rows; per block and column tile of N_l a VSGD (M_l^T -= lr · G^T).
 */
import type { HwConfig } from "../config/hw-config.js";
import { lowerMatmul, lowerOps } from "./lower-common.js";
import type { CompilerIr, MatmulOp, Op } from "./ir.js";

const isGradient = (op: Op): op is MatmulOp => op.kind === "matmul" && op.role === "gradient";

export function lowerSgd(ir: CompilerIr, _hw: HwConfig): CompilerIr {
  return lowerOps(ir, isGradient, (op) => lowerMatmul(ir, op));
}

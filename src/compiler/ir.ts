/**
 * The compiler's intermediate form. One `CompilerIr` flows through every pass (index.ts); each pass
 * fills in one more layer of detail and returns a new object:
 *
 *   graph      buffers (symbolic, unplaced), weight matrices, layer-level ops
 *   tile       + `tiling` on every matmul (tile passes for the R x C grid, accumulator slots)
 *   allocate   + addresses of buffers, weight matrices and accumulator regions, `layout`
 *   lower-*    + `code` (instructions) on every op
 *   schedule   + `program`: the flat, reordered instruction list
 *
 * A matrix product is stated once, in the array's terms: `input` rows are the vectors streamed by MMUL
 * (M of them, each K long: the contraction), `stationary` is the logical K x N operand held in the
 * array, and the epilogue drains the M x N result from the accumulators (ACT into the unified buffer
 * or VSGD into weight memory).
 */
import type { HwConfig } from "../config/hw-config.js";
import type { ActivationFunction, Instruction, VectorFunction } from "../isa/opcodes.js";
import type { Program } from "../isa/program.js";
import type { WorkloadSpec } from "../workloads/types.js";

/**
 * train-step: forward, loss gradient, backward, SGD. inference: forward only. input-gradient:
 * forward, loss gradient and the backward pass carried down to layer 0 (E_0 = dL/dX_0, the gradient
 * of the loss with respect to the input image), with no weight update.
 */
export type ProgramKind = "train-step" | "inference" | "input-gradient";

/** Quantisation parameters of one layer for int8 inference. */
export interface Int8LayerParams {
  /** ACT inscale: accumulator (int32) -> real value. */
  inScale: number;
  /** ACT outscale: real activation -> int8 code of the next layer's input. */
  outScale: number;
  /** Value of this layer's constant input lane (column K_l of X_l) instead of 1. */
  biasLane: number;
}

/** A dense row-major matrix in the unified buffer or host memory; stride = cols. */
export interface BufferDecl {
  readonly name: string;
  readonly space: "ub" | "host";
  readonly rows: number;
  readonly cols: number;
  readonly what: string;
  /**
   * Column-blocked layout (the first layer's input X_0): the buffer is stored as ceil(cols / W)
   * blocks of rows x W elements, one after the other, element (r, c) at
   * floor(c / W) * rows * W + r * W + c % W. A k-tile strip of W columns is then one contiguous block,
   * so a strip transfer and the pass reading the previous strip touch disjoint ranges.
   */
  readonly blockCols?: number;
  /** Element address, set by allocate. */
  readonly address?: number;
}

/** Elements a buffer occupies (a blocked buffer's last block is padded to W columns). */
export const bufferElements = (b: BufferDecl): number => b.rows * (b.blockCols ? Math.ceil(b.cols / b.blockCols) * b.blockCols : b.cols);

/**
 * A window of a buffer: `rows` x `cols` elements starting at (row, col). By default logical row r is
 * buffer row row + r. `pitch` reshapes: logical rows are `pitch` elements apart in the flat buffer
 * (a contiguous B x N*C buffer seen as B*N rows of C; a host gather with pitch = stride; pitch 0
 * broadcasts one row). `segment` packs `segment` logical rows, `pitch` apart, into each buffer row:
 * logical row r lies in buffer row row + floor(r / segment) at column col + (r % segment) * pitch
 * (a convolution's B*P output rows written into B rows of the next layer's input).
 */
export interface View {
  readonly buffer: string;
  readonly row: number;
  readonly col: number;
  readonly rows: number;
  readonly cols: number;
  readonly pitch?: number;
  readonly segment?: number;
}

/**
 * The fp32 parameter matrix M_l (N_l x (K_l+1), bias in the last column) in weight memory, row-major
 * as stored: `rows` x `cols` are the stored shape. `transposed`: stored as M_l^T ((K_l+1) x N_l, bias
 * in the last row), the layout of a layer whose gradient is computed transposed (gradient-form.ts).
 */
export interface WeightDecl {
  readonly layer: number;
  readonly rows: number;
  readonly cols: number;
  readonly transposed?: boolean;
  readonly address?: number;
}

/** A window of M_l in its stored layout (of M_l^T when the layer's weights are stored transposed). */
export interface WeightView {
  readonly layer: number;
  readonly row: number;
  readonly col: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * The logical K x N stationary operand: from weight memory (`transpose`: S = view^T, so the view is
 * N x K; otherwise S = view, K x N) or from the unified buffer (S = view, K x N).
 */
export type Stationary =
  | { readonly memory: "weights"; readonly view: WeightView; readonly transpose: boolean }
  | { readonly memory: "ub"; readonly view: View };

export type Epilogue =
  | {
      readonly kind: "activate";
      readonly fn: ActivationFunction;
      readonly inScale: number;
      readonly outScale: number;
      /** M x N destination. */
      readonly dst: View;
    }
  | { readonly kind: "sgd"; readonly target: WeightView; readonly lr: number };

/** One step of a tiled matmul, in issue order. */
export type TileStep =
  | {
      readonly kind: "pass";
      /** Index into kTiles / nTiles / mTiles. */
      readonly k: number;
      readonly n: number;
      readonly m: number;
      /** Accumulator slot (region of slotRows rows) this (m, n) tile uses. */
      readonly slot: number;
      readonly accumulate: boolean;
      /** Load the (k, n) stationary tile and switch to it; false: the previous pass's tile is still active. */
      readonly load: boolean;
    }
  | { readonly kind: "drain"; readonly n: number; readonly m: number; readonly slot: number };

export interface Span {
  readonly start: number;
  readonly size: number;
}

export interface Tiling {
  /** Contraction splits, each <= R (tile rows, MMUL cols). */
  readonly kTiles: readonly Span[];
  /** Output column splits, each <= C (tile cols, ACT/VSGD cols). */
  readonly nTiles: readonly Span[];
  /** Splits of the M vectors (one span unless the op has a rowBlock). */
  readonly mTiles: readonly Span[];
  /** Accumulator regions used by this matmul, each slotRows rows (the largest m-tile). */
  readonly slots: number;
  readonly slotRows: number;
  readonly steps: readonly TileStep[];
}

export type MatmulRole = "forward" | "error" | "gradient";

interface OpBase {
  /** Layer the op belongs to (for comments), -1 for none. */
  readonly layer: number;
  /** Human description used in assembly comments. */
  readonly note: string;
  /** Instructions, set by the lower-* passes. */
  readonly code?: readonly Instruction[];
}

export interface MatmulOp extends OpBase {
  readonly kind: "matmul";
  readonly role: MatmulRole;
  /** M x K: the vectors streamed through the array. */
  readonly input: View;
  readonly stationary: Stationary;
  readonly epilogue: Epilogue;
  /**
   * Result rows come in blocks of this many (a convolution's positions of one image): the vectors
   * are tiled in blocks, each block's drain stays inside one segment of a segmented destination, and
   * blocks sharing a stationary tile reuse it without reloading it.
   */
  readonly rowBlock?: number;
  /**
   * Copies that fill row block m's input rows (a convolution's im2col gathers for sample m: RHM
   * transfers from host memory, or VEC copies inside the unified buffer). They are lowered in front
   * of the passes, one block ahead, so block m+1 fills while the array multiplies block m.
   */
  readonly blockInputs?: readonly (readonly (TransferOp | VectorOp)[])[];
  /**
   * Transfers that fill the input's k-tile strips (a dense first layer's X_0, column-blocked): strip
   * j holds the columns of k-tile j. They are lowered in front of the passes, one k-tile ahead, so
   * strip j+1 crosses the host link while the array multiplies strip j.
   */
  readonly stripInputs?: readonly TransferOp[];
  /**
   * Part of a product summed over several ops (a gradient over the micro-batches of one batch): the
   * ops of one group share accumulator rows; the first starts the sums, later ones accumulate onto
   * them, and only the last drains them.
   */
  readonly accumulation?: { readonly group: string; readonly first: boolean; readonly last: boolean };
  /**
   * Tile the M vectors in blocks, one block's passes (every k-tile) after the other, each block's
   * drain behind the next block's passes (tile.ts): a transposed gradient's long VSGD then overlaps
   * the passes instead of following them all.
   */
  readonly vectorBlocks?: boolean;
  readonly tiling?: Tiling;
  /** First accumulator row of slot 0, set by allocate. */
  readonly accBase?: number;
}

export interface TransferOp extends OpBase {
  readonly kind: "transfer";
  readonly direction: "host-to-ub" | "ub-to-host";
  readonly host: View;
  readonly ub: View;
}

export interface VectorOp extends OpBase {
  readonly kind: "vector";
  /** input: prepares a layer's input (lowered with the transfers); loss, backward: as named. */
  readonly phase: "input" | "loss" | "backward";
  readonly fn: VectorFunction;
  readonly dst: View;
  readonly a: View;
  readonly b: View;
  readonly imm: number;
}

export interface TransposeOp extends OpBase {
  readonly kind: "transpose";
  readonly src: View;
  readonly dst: View;
}

/** Row-wise softmax (VSMX) of the loss phase: dst[r] = softmax(src[r]). */
export interface SoftmaxOp extends OpBase {
  readonly kind: "softmax";
  readonly src: View;
  readonly dst: View;
}

export interface HaltOp extends OpBase {
  readonly kind: "halt";
}

export type Op = MatmulOp | TransferOp | VectorOp | TransposeOp | SoftmaxOp | HaltOp;

/** Values the program preloads into a host buffer (the constant lanes). */
export interface HostData {
  readonly buffer: string;
  readonly values: Float32Array;
}

/** Totals set by allocate. */
export interface Layout {
  readonly unifiedBufferElements: number;
  readonly accumulatorRows: number;
  readonly weightMemoryElements: number;
  readonly hostElements: number;
}

export interface CompilerIr {
  readonly kind: ProgramKind;
  readonly spec: WorkloadSpec;
  readonly batch: number;
  /** Samples the unified buffer holds at once; the batch runs in ceil(batch / microBatch) turns. */
  readonly microBatch: number;
  readonly buffers: readonly BufferDecl[];
  readonly weights: readonly WeightDecl[];
  readonly ops: readonly Op[];
  readonly hostData: readonly HostData[];
  readonly layout?: Layout;
  readonly program?: readonly Instruction[];
}

export function findBuffer(ir: CompilerIr, name: string): BufferDecl {
  const b = ir.buffers.find((x) => x.name === name);
  if (!b) throw new Error(`internal: no buffer ${name}`);
  return b;
}

export function findWeights(ir: CompilerIr, layer: number): WeightDecl {
  const w = ir.weights.find((x) => x.layer === layer);
  if (!w) throw new Error(`internal: no weight matrix for layer ${layer}`);
  return w;
}

/** M x K x N of a matmul: vectors, contraction, outputs. */
export function matmulShape(op: MatmulOp): { m: number; k: number; n: number } {
  const s = op.stationary;
  const n = s.memory === "weights" && s.transpose ? s.view.rows : s.view.cols;
  return { m: op.input.rows, k: op.input.cols, n };
}

/** Split `total` into consecutive spans of at most `size`. */
export function split(total: number, size: number): Span[] {
  const spans: Span[] = [];
  for (let start = 0; start < total; start += size) spans.push({ start, size: Math.min(size, total - start) });
  return spans;
}

/** Host-memory layout of one step (element addresses and row strides). */
export interface HostLayout {
  readonly elements: number;
  readonly input: number;
  readonly inputStride: number;
  readonly labels: number;
  readonly labelsStride: number;
  readonly output: number;
  readonly outputStride: number;
  /** input-gradient programs only: E_0 (B x K_0), the loss gradient with respect to the pixels. */
  readonly inputGradient?: number;
  readonly inputGradientStride?: number;
  /** Prefetching training steps only: the next batch's input and labels rows (same strides). */
  readonly nextInput?: number;
  readonly nextLabels?: number;
}

/** Where M_l lies in weight memory and in which layout. */
export interface StoredWeights {
  readonly address: number;
  readonly rows: number;
  readonly cols: number;
  readonly transposed?: boolean;
}

/** The compiler's result: a program plus the memory layout the runtime needs to use it. */
export interface CompiledProgram {
  readonly kind: ProgramKind;
  readonly spec: WorkloadSpec;
  readonly hw: HwConfig;
  readonly batch: number;
  /** Samples per micro-batch (= batch when the whole batch fits the unified buffer). */
  readonly microBatch: number;
  /** Instructions plus data segments (the host constant lanes). */
  readonly program: Program;
  readonly host: HostLayout;
  /** Every placed buffer (unified buffer and host memory): the memory map. */
  readonly buffers: readonly BufferDecl[];
  /**
   * M_l in weight memory, row-major, `rows` x `cols` as stored: N_l x (K_l+1), bias in the last
   * column, or with `transposed` M_l^T, (K_l+1) x N_l (weight-layout.ts converts).
   */
  readonly weights: readonly StoredWeights[];
  /** Capacity used. */
  readonly memory: {
    readonly unifiedBufferElements: number;
    readonly accumulatorRows: number;
    readonly weightMemoryElements: number;
  };
}

/**
 * The loss and backward ops of one micro-batch (graph.ts calls these; same contract):
 *   loss     SSE: e = A - Y, delta_{L-1} = (2/B) e ⊙ f'(A). Softmax cross-entropy: P = softmax(A)
 *            row by row (VSMX), delta_{L-1} = (1/B) (P - Y). B is the whole batch, whatever the
 *            micro-batch: the loss is the batch's mean.
 *   per layer l = L-1..0
 *     train-step      VTR: DT_l = delta_l^T (a convolution's delta as positions x channels)
 *     l > 0, or an input gradient
 *                     the error product E_l = delta_l · M_l[:, :K_l] (+ACT identity); for a
 *                     convolution per position into EP_l, then col2im into E_l (graph-conv.ts);
 *                     l = 0: E_0 goes to host memory (an input gradient ends there); else
 *                     delta_{l-1} = E_l ⊙ f'(a_{l-1}) (one VEC on the layer's input values)
 *     train-step      G_l = DT_l · X_l (+VSGD), or for a layer whose gradient is transposed
 *                     (gradient-form.ts) G_l^T = XT_l · delta_l, XT_l = X_l^T (a VTR of X_l that
 *                     graph.ts places for layer 0, and this file before layer l's error product), into
 *                     M_l stored transposed; no DT_l then. When the batch runs in several micro-batches the
 *                     products of all micro-batches accumulate into the same accumulator rows (one
 *                     accumulation group per layer) and only the last one drains them through VSGD:
 *                     the sum over the batch runs in batch order, one fp32 chain, exactly as for
 *                     the whole batch at once.
 *
 * Buffers (unified buffer, one micro-batch of b samples): Y, e or P, D_l (b x N_l), DT_l (rows of
 * M_l x b*positions), XT_l ((K_l+1) x b, transposed gradients only), E_l (b x the layer's input
 * values), EP_l (a convolution's b*P x KK).
 */
import { UserInputError } from "../errors.js";
import type { VectorFunction } from "../isa/opcodes.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { rowsOf, type ForwardBuffers, type LayerGeometry } from "./graph-layers.js";
import { convDeltaRows, convScatterOps, convTransposeOps } from "./graph-conv.js";
import type { BufferDecl, Op, ProgramKind, View } from "./ir.js";

export interface BackwardBuffers {
  /** e = A - Y (SSE) or P = softmax(A) (cross-entropy). */
  readonly error: BufferDecl;
  readonly D: readonly BufferDecl[];
  /** deltaT_l for the plain gradient (undefined where the gradient is transposed); empty unless training. */
  readonly DT: readonly (BufferDecl | undefined)[];
  /** X_l^T for the transposed gradient, else undefined. */
  readonly XT: readonly (BufferDecl | undefined)[];
  readonly E: readonly (BufferDecl | undefined)[];
  readonly EP: readonly (BufferDecl | undefined)[];
}

/** One micro-batch: `rows` samples starting at batch row `row`. */
export interface MicroBatchStep {
  readonly rows: number;
  readonly row: number;
  readonly first: boolean;
  readonly last: boolean;
  /** The batch runs in more than one micro-batch (gradients accumulate across them). */
  readonly split: boolean;
  readonly hostGradient?: BufferDecl;
}

type Add = (name: string, space: "ub" | "host", rows: number, cols: number, what: string) => BufferDecl;

/** Vector function applying sigma'(z) given sigma's output: delta = a * sigma'. */
function derivativeFn(act: LayerActivation): VectorFunction {
  return act === "sigmoid" ? "dsigmul" : act === "relu" ? "drelumul" : "copy";
}

export function declareBackwardBuffers(
  spec: WorkloadSpec,
  geo: readonly LayerGeometry[],
  micro: number,
  kind: ProgramKind,
  add: Add,
  transposed: readonly boolean[] = [],
): BackwardBuffers {
  const L = geo.length;
  const train = kind === "train-step";
  const crossEntropy = spec.loss === "softmax-cross-entropy";
  if (crossEntropy && spec.layers[L - 1].activation !== "identity") {
    throw new UserInputError("softmax-cross-entropy needs an identity output layer (its outputs are the logits)", { field: "loss" });
  }
  const nOut = geo[L - 1].N;
  const error = crossEntropy ? add("P", "ub", micro, nOut, "softmax probabilities of the logits A") : add("e", "ub", micro, nOut, "output error A - Y");
  const D = geo.map((g, l) => add(`D${l}`, "ub", micro, g.N, `layer ${l} delta`));
  const DT = train ? geo.map((g, l) => (transposed[l] ? undefined : add(`DT${l}`, "ub", g.rowsOfM, micro * g.positions, `layer ${l} delta transposed`))) : [];
  const XT = geo.map((g, l) => (train && transposed[l] ? add(`XT${l}`, "ub", g.K + 1, micro, `layer ${l} input transposed (the transposed gradient streams its rows)`) : undefined));
  const E: (BufferDecl | undefined)[] = geo.map(() => undefined);
  const EP: (BufferDecl | undefined)[] = geo.map(() => undefined);
  for (let l = L - 1; l >= 0; l--) {
    if (l === 0 && train) continue;
    const g = geo[l];
    if (g.conv) EP[l] = add(`EP${l}`, "ub", micro * g.positions, g.K, `layer ${l} patch gradients (delta${l} · M${l} per position)`);
    E[l] = add(`E${l}`, "ub", micro, g.inputs, l > 0 ? `layer ${l} back-propagated error` : "dL/dX0: the loss gradient of the input");
  }
  return { error, D, DT, XT, E, EP };
}

/**
 * XT_l = X_l^T for layer l's transposed gradient: one VTR, or one per column block of a blocked X_l
 * (X_0 in k-tile strips), each of which must stay inside its block.
 */
export function inputTransposeOps(l: number, X: BufferDecl, XT: BufferDecl, rows: number): Op[] {
  const W = X.blockCols ?? X.cols;
  const ops: Op[] = [];
  for (let c0 = 0; c0 < X.cols; c0 += W) {
    const cols = Math.min(W, X.cols - c0);
    const part = W < X.cols ? `, columns ${c0}..${c0 + cols - 1}` : "";
    ops.push({
      kind: "transpose",
      layer: l,
      note: `layer ${l} backward: XT${l} = X${l}^T${part}`,
      src: { buffer: X.name, row: 0, col: c0, rows, cols },
      dst: { buffer: XT.name, row: c0, col: 0, rows: cols, cols: rows },
    });
  }
  return ops;
}

export function backwardOps(spec: WorkloadSpec, geo: readonly LayerGeometry[], fwd: ForwardBuffers, back: BackwardBuffers, step: MicroBatchStep): Op[] {
  const train = back.DT.length > 0;
  const XT = back.XT;
  const L = geo.length;
  const n = step.rows;
  const B = spec.batch;
  const { X, I, Y } = fwd;
  const { error, D, DT, E, EP } = back;
  const ops: Op[] = [];
  const A = rowsOf(X[L], n);
  if (spec.loss === "softmax-cross-entropy") {
    ops.push({ kind: "softmax", layer: L - 1, note: "loss: P = softmax(A) per row", src: A, dst: rowsOf(error, n) });
    ops.push({ kind: "vector", phase: "loss", layer: L - 1, note: `loss: delta${L - 1} = (1/B) (P - Y)`, fn: "sub", dst: rowsOf(D[L - 1], n), a: rowsOf(error, n), b: rowsOf(Y!, n), imm: Math.fround(1 / B) });
  } else {
    const act = spec.layers[L - 1].activation;
    ops.push({ kind: "vector", phase: "loss", layer: L - 1, note: "loss: e = A - Y", fn: "sub", dst: rowsOf(error, n), a: A, b: rowsOf(Y!, n), imm: 1 });
    ops.push({ kind: "vector", phase: "loss", layer: L - 1, note: `loss: delta${L - 1} = (2/B) e ⊙ ${act}'(A)`, fn: derivativeFn(act), dst: rowsOf(D[L - 1], n), a: rowsOf(error, n), b: A, imm: Math.fround(2 / B) });
  }
  const lr = Math.fround(spec.learningRate);
  /** The gradient products (and their VSGDs) come after the whole error chain: critical chain first; the output layer's last. */
  const gradients: Op[] = [];
  for (let l = L - 1; l >= 0; l--) {
    const g = geo[l];
    const c = g.conv;
    const rows = n * g.positions;
    const dt = DT[l];
    if (train && c) ops.push(...convTransposeOps(l, c, n, D[l], dt!));
    else if (train && dt) ops.push({ kind: "transpose", layer: l, note: `layer ${l} backward: DT${l} = delta${l}^T`, src: rowsOf(D[l], n), dst: { buffer: dt.name, row: 0, col: 0, rows: g.rowsOfM, cols: n } });
    // XT_l for a transposed gradient (l > 0), where DT_l's VTR would be: it issues before the error
    // product and runs while the array computes it (the vector unit waits for that product's ACT).
    else if (train && XT[l] && l > 0) ops.push(...inputTransposeOps(l, X[l], XT[l]!, n));
    if (l > 0 || !train) {
      const target = c ? EP[l]! : E[l]!;
      ops.push({
        kind: "matmul",
        role: "error",
        layer: l,
        note: c ? `layer ${l} backward: EP = delta${l} · M${l}[:, :${g.K}] per position` : `layer ${l} backward: E = delta${l} · M${l}[:, :${g.K}]`,
        input: c ? convDeltaRows(c, n, D[l]) : rowsOf(D[l], n),
        // M_l[:, :K_l]; stored transposed (M_l^T's first K_l rows) it is read back with RDW transpose.
        stationary: XT[l]
          ? { memory: "weights", view: { layer: l, row: 0, col: 0, rows: g.K, cols: g.rowsOfM }, transpose: true }
          : { memory: "weights", view: { layer: l, row: 0, col: 0, rows: g.rowsOfM, cols: g.K }, transpose: false },
        epilogue: { kind: "activate", fn: "identity", inScale: 1, outScale: 1, dst: rowsOf(target, rows) },
      });
      if (c) ops.push(...convScatterOps(l, c, n, EP[l]!, E[l]!));
      if (l === 0 && step.hostGradient) {
        ops.push({ kind: "transfer", direction: "ub-to-host", layer: 0, note: "input gradient E0 to host", host: { ...rowsOf(step.hostGradient, n), row: step.row }, ub: rowsOf(E[0]!, n) });
        continue;
      }
      const below = spec.layers[l - 1].activation;
      const inputs: View = c ? rowsOf(I[l]!, n) : rowsOf(X[l], n, 0, g.K);
      ops.push({
        kind: "vector",
        phase: "backward",
        layer: l,
        note: `layer ${l} backward: delta${l - 1} = E ⊙ ${below}'(${c ? `I${l}` : `X${l}`})`,
        fn: derivativeFn(below),
        dst: rowsOf(D[l - 1], n),
        a: rowsOf(E[l]!, n),
        b: inputs,
        imm: 1,
      });
    }
    if (!train) continue;
    const xt = XT[l];
    if (xt) {
      if (step.split) throw new Error("internal: a transposed gradient needs the whole batch at once");
      // Transposed: X_l^T's K_l+1 rows stream through tiles of delta_l (contraction over the batch
      // in the same order), into M_l stored transposed, in blocks of rows so that one block's VSGD
      // runs while the next block computes. XT_0 is made in the forward part (graph.ts), XT_l before
      // the error product above.
      gradients.push({
        kind: "matmul",
        role: "gradient",
        layer: l,
        note: `layer ${l} backward: G^T = X${l}^T · delta${l}`,
        input: rowsOf(xt, g.K + 1),
        stationary: { memory: "ub", view: rowsOf(D[l], n) },
        epilogue: { kind: "sgd", target: { layer: l, row: 0, col: 0, rows: g.K + 1, cols: g.rowsOfM }, lr },
        vectorBlocks: true,
      });
      continue;
    }
    gradients.push({
      kind: "matmul",
      role: "gradient",
      layer: l,
      note: `layer ${l} backward: G = delta${l}^T · X${l}`,
      input: { buffer: dt!.name, row: 0, col: 0, rows: g.rowsOfM, cols: rows },
      stationary: { memory: "ub", view: rowsOf(X[l], rows) },
      epilogue: { kind: "sgd", target: { layer: l, row: 0, col: 0, rows: g.rowsOfM, cols: g.K + 1 }, lr },
      ...(step.split ? { accumulation: { group: `gradient of layer ${l}`, first: step.first, last: step.last } } : {}),
    });
  }
  // The output layer's product last: it streams only `outputs` vectors per tile (its tiles cost the
  // shift rule's spacing for little VSGD work), and the vector unit waits for the products whose
  // VSGDs are long (docs/PERFORMANCE.md "How a training step is scheduled").
  if (gradients.length > 1) gradients.push(gradients.shift()!);
  ops.push(...gradients);
  return ops;
}

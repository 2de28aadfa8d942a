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
 *     train-step      G_l = DT_l · X_l (+VSGD). When the batch runs in several micro-batches the
 *                     products of all micro-batches accumulate into the same accumulator rows (one
 *                     accumulation group per layer) and only the last one drains them through VSGD:
 *                     the sum over the batch runs in batch order, one fp32 chain, exactly as for
 *                     the whole batch at once.
 *
 * Buffers (unified buffer, one micro-batch of b samples): Y, e or P, D_l (b x N_l), DT_l (rows of
 * M_l x b*positions), E_l (b x the layer's input values), EP_l (a convolution's b*P x KK).
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
  readonly DT: readonly BufferDecl[];
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

export function declareBackwardBuffers(spec: WorkloadSpec, geo: readonly LayerGeometry[], micro: number, kind: ProgramKind, add: Add): BackwardBuffers {
  const L = geo.length;
  const train = kind === "train-step";
  const crossEntropy = spec.loss === "softmax-cross-entropy";
  if (crossEntropy && spec.layers[L - 1].activation !== "identity") {
    throw new UserInputError("softmax-cross-entropy needs an identity output layer (its outputs are the logits)", { field: "loss" });
  }
  const nOut = geo[L - 1].N;
  const error = crossEntropy ? add("P", "ub", micro, nOut, "softmax probabilities of the logits A") : add("e", "ub", micro, nOut, "output error A - Y");
  const D = geo.map((g, l) => add(`D${l}`, "ub", micro, g.N, `layer ${l} delta`));
  const DT = train ? geo.map((g, l) => add(`DT${l}`, "ub", g.rowsOfM, micro * g.positions, `layer ${l} delta transposed`)) : [];
  const E: (BufferDecl | undefined)[] = geo.map(() => undefined);
  const EP: (BufferDecl | undefined)[] = geo.map(() => undefined);
  for (let l = L - 1; l >= 0; l--) {
    if (l === 0 && train) continue;
    const g = geo[l];
    if (g.conv) EP[l] = add(`EP${l}`, "ub", micro * g.positions, g.K, `layer ${l} patch gradients (delta${l} · M${l} per position)`);
    E[l] = add(`E${l}`, "ub", micro, g.inputs, l > 0 ? `layer ${l} back-propagated error` : "dL/dX0: the loss gradient of the input");
  }
  return { error, D, DT, E, EP };
}

export function backwardOps(spec: WorkloadSpec, geo: readonly LayerGeometry[], fwd: ForwardBuffers, back: BackwardBuffers, step: MicroBatchStep): Op[] {
  const train = back.DT.length > 0;
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
    if (train && c) ops.push(...convTransposeOps(l, c, n, D[l], DT[l]));
    else if (train) ops.push({ kind: "transpose", layer: l, note: `layer ${l} backward: DT${l} = delta${l}^T`, src: rowsOf(D[l], n), dst: { buffer: DT[l].name, row: 0, col: 0, rows: g.rowsOfM, cols: n } });
    if (l > 0 || !train) {
      const target = c ? EP[l]! : E[l]!;
      ops.push({
        kind: "matmul",
        role: "error",
        layer: l,
        note: c ? `layer ${l} backward: EP = delta${l} · M${l}[:, :${g.K}] per position` : `layer ${l} backward: E = delta${l} · M${l}[:, :${g.K}]`,
        input: c ? convDeltaRows(c, n, D[l]) : rowsOf(D[l], n),
        stationary: { memory: "weights", view: { layer: l, row: 0, col: 0, rows: g.rowsOfM, cols: g.K }, transpose: false },
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
    gradients.push({
      kind: "matmul",
      role: "gradient",
      layer: l,
      note: `layer ${l} backward: G = delta${l}^T · X${l}`,
      input: { buffer: DT[l].name, row: 0, col: 0, rows: g.rowsOfM, cols: rows },
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

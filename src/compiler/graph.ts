/**
 * Transformations: WorkloadSpec -> layer-level CompilerIr.
 *   Input:  the network (K_l inputs, N_l outputs, activation per layer), batch, program kind.
 *   Output: symbolic buffers (unified buffer and host memory, no addresses), the weight matrices M_l,
 *           and the ops of one training step or one inference in program order:
 *           input transfers, forward matmuls (+ACT), the output transfer, the loss vector ops, and per
 *           layer L-1..0: VTR, the error matmul (+ACT) and delta vector op (l > 0), the gradient
 *           matmul (+VSGD); then HALT. An input-gradient program has the same forward and loss ops,
 *           then per layer L-1..0 only the error matmul and (l > 0) the delta op, so the chain ends
 *           in E_0 = delta_0 · M_0[:, :K_0] (dL/dX_0), which goes to host memory; no weight changes.
 *
 * Buffers: X_l (B x (K_l+1), constant lane in column K_l) for l < L; X_L = A (B x N_out); Y, e, D_l
 * (delta, B x N_l), DT_l (N_l x B), E_l (B x K_l). With loss "softmax-cross-entropy" the loss ops are
 * P = softmax(A) row by row (VSMX; buffer P instead of e) and delta_{L-1} = (1/B) (P - Y). Host: input (B x (K_0+1)), labels, output and the
 * constant lanes (B x lanes, one column per distinct lane value).
 *
 * A convolution as layer 0 (graph-conv.ts): X_0 holds the image patches (B*P x (KK+1)), filled by
 * gather DMAs from the host image rows instead of one RHM; its forward product runs in row blocks
 * of P positions and writes X_1 through a segmented view; its N_0 = P*C flattened outputs make D_0
 * B x P*C, which the backward transpose reads as B*P x C, so DT_0 is C x B*P and the gradient
 * G_0 = DT_0 · X_0 sums over every position of every image.
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import type { VectorFunction } from "../isa/opcodes.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
import { convInputOps, convOutputView, convPositions, convTransposeOps, patchLength } from "./graph-conv.js";
import type { BufferDecl, CompilerIr, HostData, Int8LayerParams, Op, ProgramKind, View, WeightDecl } from "./ir.js";

export interface GraphOptions {
  readonly kind: ProgramKind;
  readonly int8?: readonly Int8LayerParams[];
}

const whole = (b: BufferDecl): View => ({ buffer: b.name, row: 0, col: 0, rows: b.rows, cols: b.cols });
const cols = (b: BufferDecl, col: number, n: number): View => ({ buffer: b.name, row: 0, col, rows: b.rows, cols: n });

/** Vector function applying sigma'(z) given sigma's output: delta = a * sigma'. */
function derivativeFn(act: LayerActivation): VectorFunction {
  return act === "sigmoid" ? "dsigmul" : act === "relu" ? "drelumul" : "copy";
}

export function buildGraph(spec: WorkloadSpec, hw: HwConfig, options: GraphOptions): CompilerIr {
  const { kind, int8 } = options;
  const train = kind === "train-step";
  /** Programs that compute the loss gradient (and so read labels). */
  const backward = train || kind === "input-gradient";
  const B = spec.batch;
  const L = spec.layers.length;
  if (backward && hw.dtype !== "bf16") {
    const what = train ? "a training step" : "an input gradient";
    throw new UserInputError(`${what} needs a bf16 machine; this one computes in ${hw.dtype}`, {
      field: "dtype",
    });
  }
  if (int8 !== undefined) {
    if (hw.dtype !== "int8") {
      throw new UserInputError(`int8 layer parameters were given for a ${hw.dtype} machine`, { field: "dtype" });
    }
    if (int8.length !== L) {
      throw new UserInputError(`int8 parameters cover ${int8.length} layers but the network has ${L}`, {
        field: "int8",
      });
    }
  }
  const conv = spec.layers[0].conv;
  if (conv && kind === "input-gradient") {
    throw new UserInputError("input gradients through a convolution layer are not supported (the patches would need a col2im)", { field: "layers" });
  }
  if (conv && int8 !== undefined) throw new UserInputError("int8 inference of a convolution layer is not supported", { field: "dtype" });
  if (spec.layers.some((layer, l) => l > 0 && layer.conv)) throw new UserInputError("only the first layer may be a convolution", { field: "layers" });
  /** Inputs of layer l (a convolution's patch length), outputs (a convolution's flattened P*C), rows of M_l. */
  const K = (l: number) => (l === 0 ? (conv ? patchLength(conv) : spec.inputs) : spec.layers[l - 1].units);
  const N = (l: number) => spec.layers[l].units;
  const rowsOfM = (l: number) => (l === 0 && conv ? conv.channels : N(l));
  /** Rows of X_l: a convolution's input has one row per position of every image. */
  const rowsOfX = (l: number) => (l === 0 && conv ? B * convPositions(conv) : B);
  const nOut = N(L - 1);

  const buffers: BufferDecl[] = [];
  const add = (name: string, space: "ub" | "host", rows: number, c: number, what: string): BufferDecl => {
    const b = { name, space, rows, cols: c, what };
    buffers.push(b);
    return b;
  };
  const weights: WeightDecl[] = spec.layers.map((_, l) => ({ layer: l, rows: rowsOfM(l), cols: K(l) + 1 }));

  // Constant lanes: one host column per distinct value (1.0 unless int8 parameters say otherwise).
  const laneValue = (l: number) => int8?.[l]?.biasLane ?? 1;
  const laneValues = [...new Set(Array.from({ length: L - 1 }, (_, i) => laneValue(i + 1)))];

  const hostInput = add("input", "host", B, spec.inputs + 1, "host input rows: pixels and the constant lane");
  const hostLabels = backward ? add("labels", "host", B, nOut, "host one-hot labels") : undefined;
  const hostOutput = add("output", "host", B, nOut, "host output activations");
  const hostGradient = train || !backward ? undefined : add("input-gradient", "host", B, K(0), "host dL/dX0 (E0)");
  const hostOne = conv ? add("one", "host", 1, 1, "host 1.0: the patches' constant lane, broadcast") : undefined;
  const hostLanes = laneValues.length > 0 ? add("lanes", "host", B, laneValues.length, "host constant lanes") : undefined;

  const X: BufferDecl[] = [];
  for (let l = 0; l < L; l++) {
    const what = l === 0 && conv ? "layer 0 input: image patches (im2col), one row per position" : `layer ${l} input`;
    X.push(add(`X${l}`, "ub", rowsOfX(l), K(l) + 1, `${what}, constant lane in column ${K(l)}`));
  }
  X.push(add(`X${L}`, "ub", B, nOut, "network output A"));
  const Y = backward ? add("Y", "ub", B, nOut, "one-hot labels (the loss target)") : undefined;

  const ops: Op[] = [];
  const convInput = conv ? convInputOps(conv, B, hostInput, hostOne!, X[0]) : undefined;
  if (convInput) ops.push(...convInput.setup);
  else ops.push({ kind: "transfer", direction: "host-to-ub", layer: 0, note: "input X0 from host", host: whole(hostInput), ub: whole(X[0]) });
  if (Y && hostLabels) {
    ops.push({ kind: "transfer", direction: "host-to-ub", layer: -1, note: "labels Y from host", host: whole(hostLabels), ub: whole(Y) });
  }
  for (let l = 1; l < L; l++) {
    const j = laneValues.indexOf(laneValue(l));
    ops.push({
      kind: "transfer",
      direction: "host-to-ub",
      layer: l,
      note: `constant lane of X${l} (column ${K(l)}) from host`,
      host: cols(hostLanes!, j, 1),
      ub: cols(X[l], K(l), 1),
    });
  }
  for (let l = 0; l < L; l++) {
    const p = int8?.[l];
    ops.push({
      kind: "matmul",
      role: "forward",
      layer: l,
      note: `layer ${l} forward: Z = X${l} · M${l}^T`,
      input: whole(X[l]),
      stationary: { memory: "weights", view: { layer: l, row: 0, col: 0, rows: rowsOfM(l), cols: K(l) + 1 }, transpose: true },
      epilogue: {
        kind: "activate",
        fn: spec.layers[l].activation,
        inScale: p?.inScale ?? 1,
        outScale: p?.outScale ?? 1,
        dst: l === 0 && conv ? convOutputView(conv, B, X[1]) : cols(X[l + 1], 0, N(l)),
      },
      ...(l === 0 && conv ? { rowBlock: convPositions(conv), blockInputs: convInput!.gathers } : {}),
    });
  }
  ops.push({ kind: "transfer", direction: "ub-to-host", layer: L - 1, note: "output A to host", host: whole(hostOutput), ub: whole(X[L]) });

  if (backward && Y) {
    const crossEntropy = spec.loss === "softmax-cross-entropy";
    if (crossEntropy && spec.layers[L - 1].activation !== "identity") {
      throw new UserInputError("softmax-cross-entropy needs an identity output layer (its outputs are the logits)", { field: "loss" });
    }
    const e = crossEntropy ? add("P", "ub", B, nOut, "softmax probabilities of the logits A") : add("e", "ub", B, nOut, "output error A - Y");
    const D = spec.layers.map((_, l) => add(`D${l}`, "ub", B, N(l), `layer ${l} delta`));
    const DT = train ? spec.layers.map((_, l) => add(`DT${l}`, "ub", rowsOfM(l), rowsOfX(l), `layer ${l} delta transposed`)) : [];
    if (crossEntropy) {
      ops.push({ kind: "softmax", layer: L - 1, note: "loss: P = softmax(A) per row", src: whole(X[L]), dst: whole(e) });
      ops.push({
        kind: "vector",
        phase: "loss",
        layer: L - 1,
        note: `loss: delta${L - 1} = (1/B) (P - Y)`,
        fn: "sub",
        dst: whole(D[L - 1]),
        a: whole(e),
        b: whole(Y),
        imm: Math.fround(1 / B),
      });
    } else {
      ops.push({ kind: "vector", phase: "loss", layer: L - 1, note: "loss: e = A - Y", fn: "sub", dst: whole(e), a: whole(X[L]), b: whole(Y), imm: 1 });
      ops.push({
        kind: "vector",
        phase: "loss",
        layer: L - 1,
        note: `loss: delta${L - 1} = (2/B) e ⊙ ${spec.layers[L - 1].activation}'(A)`,
        fn: derivativeFn(spec.layers[L - 1].activation),
        dst: whole(D[L - 1]),
        a: whole(e),
        b: whole(X[L]),
        imm: Math.fround(2 / B),
      });
    }
    const lr = Math.fround(spec.learningRate);
    for (let l = L - 1; l >= 0; l--) {
      if (train && l === 0 && conv) ops.push(...convTransposeOps(conv, B, D[0], DT[0]));
      else if (train) {
        ops.push({ kind: "transpose", layer: l, note: `layer ${l} backward: DT${l} = delta${l}^T`, src: whole(D[l]), dst: whole(DT[l]) });
      }
      if (l > 0 || !train) {
        const E = add(`E${l}`, "ub", B, K(l), l > 0 ? `layer ${l} back-propagated error` : "dL/dX0: the loss gradient of the input");
        ops.push({
          kind: "matmul",
          role: "error",
          layer: l,
          note: `layer ${l} backward: E = delta${l} · M${l}[:, :${K(l)}]`,
          input: whole(D[l]),
          stationary: { memory: "weights", view: { layer: l, row: 0, col: 0, rows: N(l), cols: K(l) }, transpose: false },
          epilogue: { kind: "activate", fn: "identity", inScale: 1, outScale: 1, dst: whole(E) },
        });
        if (l === 0 && hostGradient) {
          ops.push({ kind: "transfer", direction: "ub-to-host", layer: 0, note: "input gradient E0 to host", host: whole(hostGradient), ub: whole(E) });
          continue;
        }
        ops.push({
          kind: "vector",
          phase: "backward",
          layer: l,
          note: `layer ${l} backward: delta${l - 1} = E ⊙ ${spec.layers[l - 1].activation}'(X${l})`,
          fn: derivativeFn(spec.layers[l - 1].activation),
          dst: whole(D[l - 1]),
          a: whole(E),
          b: cols(X[l], 0, K(l)),
          imm: 1,
        });
      }
      if (!train) continue;
      ops.push({
        kind: "matmul",
        role: "gradient",
        layer: l,
        note: `layer ${l} backward: G = delta${l}^T · X${l}`,
        input: whole(DT[l]),
        stationary: { memory: "ub", view: whole(X[l]) },
        epilogue: { kind: "sgd", target: { layer: l, row: 0, col: 0, rows: rowsOfM(l), cols: K(l) + 1 }, lr },
      });
    }
  }
  ops.push({ kind: "halt", layer: -1, note: "end of program" });

  const hostData: HostData[] = [];
  if (hostLanes) {
    const values = new Float32Array(B * laneValues.length);
    for (let b = 0; b < B; b++) laneValues.forEach((v, j) => (values[b * laneValues.length + j] = v));
    hostData.push({ buffer: hostLanes.name, values });
  }
  if (hostOne) hostData.push({ buffer: hostOne.name, values: Float32Array.of(1) });
  return { kind, spec, batch: B, buffers, weights, ops, hostData };
}

/**
 * Transformations: WorkloadSpec -> layer-level CompilerIr.
 *   Input:  the network (K_l inputs, N_l outputs, activation per layer), batch, program kind.
 *   Output: symbolic buffers (unified buffer and host memory, no addresses), the weight matrices M_l,
 *           and the ops of one training step or one inference in program order:
 *           input transfers, forward matmuls (+ACT), the output transfer, the loss vector ops, and per
 *           layer L-1..0: VTR, the error matmul (+ACT) and delta vector op (l > 0), the gradient
 *           matmul (+VSGD); then HALT.
 *
 * Buffers: X_l (B x (K_l+1), constant lane in column K_l) for l < L; X_L = A (B x N_out); Y, e, D_l
 * (delta, B x N_l), DT_l (N_l x B), E_l (B x K_l). Host: input (B x (K_0+1)), labels, output and the
 * constant lanes (B x lanes, one column per distinct lane value).
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import type { VectorFunction } from "../isa/opcodes.js";
import type { LayerActivation, WorkloadSpec } from "../workloads/types.js";
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
  const B = spec.batch;
  const L = spec.layers.length;
  if (train && hw.dtype !== "bf16") {
    throw new UserInputError(`a training step needs a bf16 machine; this one computes in ${hw.dtype}`, {
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
  const K = (l: number) => (l === 0 ? spec.inputs : spec.layers[l - 1].units);
  const N = (l: number) => spec.layers[l].units;
  const nOut = N(L - 1);

  const buffers: BufferDecl[] = [];
  const add = (name: string, space: "ub" | "host", rows: number, c: number, what: string): BufferDecl => {
    const b = { name, space, rows, cols: c, what };
    buffers.push(b);
    return b;
  };
  const weights: WeightDecl[] = spec.layers.map((_, l) => ({ layer: l, rows: N(l), cols: K(l) + 1 }));

  // Constant lanes: one host column per distinct value (1.0 unless int8 parameters say otherwise).
  const laneValue = (l: number) => int8?.[l]?.biasLane ?? 1;
  const laneValues = [...new Set(Array.from({ length: L - 1 }, (_, i) => laneValue(i + 1)))];

  const hostInput = add("input", "host", B, K(0) + 1, "host input rows: pixels and the constant lane");
  const hostLabels = train ? add("labels", "host", B, nOut, "host one-hot labels") : undefined;
  const hostOutput = add("output", "host", B, nOut, "host output activations");
  const hostLanes = laneValues.length > 0 ? add("lanes", "host", B, laneValues.length, "host constant lanes") : undefined;

  const X: BufferDecl[] = [];
  for (let l = 0; l < L; l++) X.push(add(`X${l}`, "ub", B, K(l) + 1, `layer ${l} input, constant lane in column ${K(l)}`));
  X.push(add(`X${L}`, "ub", B, nOut, "network output A"));
  const Y = train ? add("Y", "ub", B, nOut, "one-hot labels") : undefined;

  const ops: Op[] = [];
  ops.push({ kind: "transfer", direction: "host-to-ub", layer: 0, note: "input X0 from host", host: whole(hostInput), ub: whole(X[0]) });
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
      stationary: { memory: "weights", view: { layer: l, row: 0, col: 0, rows: N(l), cols: K(l) + 1 }, transpose: true },
      epilogue: {
        kind: "activate",
        fn: spec.layers[l].activation,
        inScale: p?.inScale ?? 1,
        outScale: p?.outScale ?? 1,
        dst: cols(X[l + 1], 0, N(l)),
      },
    });
  }
  ops.push({ kind: "transfer", direction: "ub-to-host", layer: L - 1, note: "output A to host", host: whole(hostOutput), ub: whole(X[L]) });

  if (train && Y) {
    const e = add("e", "ub", B, nOut, "output error A - Y");
    const D = spec.layers.map((_, l) => add(`D${l}`, "ub", B, N(l), `layer ${l} delta`));
    const DT = spec.layers.map((_, l) => add(`DT${l}`, "ub", N(l), B, `layer ${l} delta transposed`));
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
    const lr = Math.fround(spec.learningRate);
    for (let l = L - 1; l >= 0; l--) {
      ops.push({ kind: "transpose", layer: l, note: `layer ${l} backward: DT${l} = delta${l}^T`, src: whole(D[l]), dst: whole(DT[l]) });
      if (l > 0) {
        const E = add(`E${l}`, "ub", B, K(l), `layer ${l} back-propagated error`);
        ops.push({
          kind: "matmul",
          role: "error",
          layer: l,
          note: `layer ${l} backward: E = delta${l} · M${l}[:, :${K(l)}]`,
          input: whole(D[l]),
          stationary: { memory: "weights", view: { layer: l, row: 0, col: 0, rows: N(l), cols: K(l) }, transpose: false },
          epilogue: { kind: "activate", fn: "identity", inScale: 1, outScale: 1, dst: whole(E) },
        });
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
      ops.push({
        kind: "matmul",
        role: "gradient",
        layer: l,
        note: `layer ${l} backward: G = delta${l}^T · X${l}`,
        input: whole(DT[l]),
        stationary: { memory: "ub", view: whole(X[l]) },
        epilogue: { kind: "sgd", target: { layer: l, row: 0, col: 0, rows: N(l), cols: K(l) + 1 }, lr },
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
  return { kind, spec, batch: B, buffers, weights, ops, hostData };
}

/**
 * Transformations: WorkloadSpec -> layer-level CompilerIr.
 *   Input:  the network (per layer: dense K_l inputs -> N_l outputs, or a convolution), the batch B,
 *           the micro-batch size b (micro-batch.ts), the program kind.
 *   Output: symbolic buffers (unified buffer and host memory, no addresses), the weight matrices M_l,
 *           and the ops of one training step or one inference in program order. Per micro-batch of
 *           at most b samples (rows r0 .. r0+n-1 of the batch): the input transfer (or a first
 *           convolution's gathers), the labels, the forward matmuls (+ACT), the output transfer, the
 *           loss and backward ops (graph-backward.ts); the constant lanes and convolution setups
 *           come once, in the first; HALT ends the program. With one micro-batch (the batch fits)
 *           this is the whole batch at once. A dense first layer wider than one k-tile takes
 *           its input as k-tile strips carried by its forward op (X_0 column-blocked, ir.ts), with
 *           the labels and constant lanes after that op: they are needed later and would otherwise
 *           hold the strips back.
 *
 * A training step's layers whose weight gradient is transposed (options.transposedGradients,
 * gradient-form.ts) keep M_l transposed in weight memory (the forward op then loads it plainly) and
 * get XT_l = X_l^T: layer 0's VTR first thing when X_0 is already in the unified buffer (a prefetched
 * step), else right after layer 0's forward op.
 *
 * Buffers: X_l (b x (K_l+1), constant lane in column K_l; a convolution's: its patches, b*P x
 * (KK+1), graph-conv.ts) for l < L; I_l (b x N_{l-1}), the image a convolution after the first
 * layer gathers its patches from; X_L = A (b x N_out); the backward buffers of graph-backward.ts.
 * Unified-buffer buffers hold one micro-batch and are reused by the next; host buffers hold the
 * whole batch: input (B x (K_0+1)), labels, output, the input gradient, and the constant lanes
 * (b x lanes, one column per distinct lane value: 1, or an int8 plan's constants).
 */
import { UserInputError } from "../errors.js";
import type { HwConfig } from "../config/hw-config.js";
import type { WorkloadSpec } from "../workloads/types.js";
import { backwardOps, declareBackwardBuffers, inputTransposeOps } from "./graph-backward.js";
import { convGathers, convOutputView, convSetupOps } from "./graph-conv.js";
import { layerGeometry, rowsOf } from "./graph-layers.js";
import type { BufferDecl, CompilerIr, HostData, Int8LayerParams, Op, ProgramKind, TransferOp, View, WeightDecl } from "./ir.js";

export interface GraphOptions {
  readonly kind: ProgramKind;
  readonly int8?: readonly Int8LayerParams[];
  /** Samples per micro-batch (default: the whole batch). */
  readonly microBatch?: number;
  /**
   * A training step that overlaps the host's next step (prefetch.ts): the step reads its input and
   * labels from unified-buffer copy `parity` (0: X0, Y; 1: X0', Y') and, from its first cycle,
   * transfers the next batch's rows (host next-input, next-labels) into the other copy. `loadOwn`:
   * the step also transfers its own rows and the constant lanes first (a step nothing prefetched).
   */
  readonly prefetch?: { readonly parity: 0 | 1; readonly loadOwn: boolean };
  /**
   * Per layer: compute the training step's weight gradient transposed (gradient-form.ts decides),
   * with M_l stored transposed. Needs the whole batch in one micro-batch.
   */
  readonly transposedGradients?: readonly boolean[];
}

export function buildGraph(spec: WorkloadSpec, hw: HwConfig, options: GraphOptions): CompilerIr {
  const { kind, int8 } = options;
  const train = kind === "train-step";
  /** Programs that compute the loss gradient (and so read labels). */
  const backward = train || kind === "input-gradient";
  const B = spec.batch;
  const L = spec.layers.length;
  checkOptions(spec, hw, options, backward, train);
  const micro = Math.min(options.microBatch ?? B, B);
  const geo = layerGeometry(spec);
  const nOut = geo[L - 1].N;

  const buffers: BufferDecl[] = [];
  const add = (name: string, space: "ub" | "host", rows: number, c: number, what: string, blockCols?: number): BufferDecl => {
    const b = { name, space, rows, cols: c, what, ...(blockCols ? { blockCols } : {}) };
    buffers.push(b);
    return b;
  };
  const transposed = geo.map((g, l) => train && !g.conv && (options.transposedGradients?.[l] ?? false));
  if (transposed.some((t) => t) && micro < B) throw new Error("internal: a transposed gradient needs the whole batch in one micro-batch");
  // M_l (N_l x (K_l+1)) or, for a transposed gradient, M_l^T ((K_l+1) x N_l): the layout VSGD updates.
  const weights: WeightDecl[] = geo.map((g, l) =>
    transposed[l] ? { layer: l, rows: g.K + 1, cols: g.rowsOfM, transposed: true } : { layer: l, rows: g.rowsOfM, cols: g.K + 1 },
  );

  // Constant lanes: one host column per distinct value (1.0 unless int8 parameters say otherwise),
  // for every layer whose lane is not in the host input rows (all but a dense first layer).
  // A dense first layer's input arrives in k-tile strips (ir.ts stripInputs) when it spans more than
  // one k-tile: layer 0's first passes then overlap the rest of the transfer. The gradient's column
  // tiles (C wide) of X_0 must stay inside the R-column blocks, so training needs C to divide R.
  const prefetch = options.prefetch;
  if (prefetch && (!train || geo[0].conv || micro < B)) throw new Error("internal: prefetch needs a dense first layer and a whole-batch training step");
  const stripped = stripsInput(spec, hw, kind, prefetch !== undefined);
  const laneValue = (l: number) => int8?.[l]?.biasLane ?? 1;
  const lanesUsed = geo.map((g, l) => l > 0 || g.conv !== undefined);
  const laneValues = [...new Set(geo.flatMap((_, l) => (lanesUsed[l] ? [laneValue(l)] : [])))];

  const hostInput = add("input", "host", B, spec.inputs + 1, "host input rows: pixels and the constant lane");
  const hostLabels = backward ? add("labels", "host", B, nOut, "host one-hot labels") : undefined;
  const hostOutput = add("output", "host", B, nOut, "host output activations");
  const hostGradient = train || !backward ? undefined : add("input-gradient", "host", B, spec.inputs, "host dL/dX0 (E0)");
  const hostLanes = laneValues.length > 0 ? add("lanes", "host", micro, laneValues.length, "host constant lanes") : undefined;
  const laneColumn = (l: number): View => ({ buffer: hostLanes!.name, row: 0, col: laneValues.indexOf(laneValue(l)), rows: micro, cols: 1 });

  const X: BufferDecl[] = [];
  const I: (BufferDecl | undefined)[] = [];
  geo.forEach((g, l) => {
    I.push(l > 0 && g.conv ? add(`I${l}`, "ub", micro, g.inputs, `layer ${l} input image (the patches are gathered from it)`) : undefined);
    const what = g.conv ? `layer ${l} input: image patches (im2col), one row per position` : `layer ${l} input`;
    const blocked = l === 0 && stripped ? `, in ${hw.rows}-column blocks (k-tile strips)` : "";
    X.push(add(`X${l}`, "ub", micro * g.positions, g.K + 1, `${what}, constant lane in column ${g.K}${blocked}`, blocked ? hw.rows : undefined));
  });
  X.push(add(`X${L}`, "ub", micro, nOut, "network output A"));
  const Y = backward ? add("Y", "ub", micro, nOut, "one-hot labels (the loss target)") : undefined;
  const back = backward ? declareBackwardBuffers(spec, geo, micro, kind, add, transposed) : undefined;
  // The other copies of a prefetching step's input and labels, and the host rows of the next batch
  // (declared last and for both parities alike, so every variant has the same memory map).
  const other = prefetch && {
    X0: add("X0'", "ub", micro, geo[0].K + 1, "the other copy of layer 0's input (prefetch)"),
    Y: add("Y'", "ub", micro, nOut, "the other copy of the labels (prefetch)"),
    input: add("next-input", "host", B, spec.inputs + 1, "host input rows of the next batch"),
    labels: add("next-labels", "host", B, nOut, "host one-hot labels of the next batch"),
  };
  if (other && prefetch.parity === 1) {
    [X[0], other.X0] = [other.X0, X[0]];
  }
  const Ycur = other && prefetch.parity === 1 ? other.Y : Y;
  const Yother = other && prefetch.parity === 1 ? Y : other ? other.Y : undefined;

  /** Where layer l's ACT writes: the next layer's input (its image, before a convolution) or A. */
  const next = (l: number) => (l + 1 < L && geo[l + 1].conv ? I[l + 1]! : X[l + 1]);
  const ops: Op[] = [];
  for (let r0 = 0; r0 < B; r0 += micro) {
    const n = Math.min(micro, B - r0);
    const first = r0 === 0;
    const hostRows = (b: BufferDecl): View => ({ ...rowsOf(b, n), row: r0 });
    // XT_0 for layer 0's transposed gradient: on the vector unit while the array computes the forward
    // pass; first thing when X_0 is already there (a prefetched step), else after layer 0's forward
    // op, whose passes would otherwise queue behind a VTR waiting for the whole transfer.
    const xt0 = back?.XT[0] ? inputTransposeOps(0, X[0], back.XT[0], n) : [];
    const x0Resident = prefetch !== undefined && !prefetch.loadOwn;
    if (x0Resident) ops.push(...xt0);
    if (geo[0].conv) {
      if (first) ops.push(...convSetupOps(0, geo[0].conv, X[0], laneColumn(0)));
    } else if (!stripped && (!prefetch || prefetch.loadOwn)) {
      ops.push({ kind: "transfer", direction: "host-to-ub", layer: 0, note: "input X0 from host", host: hostRows(hostInput), ub: rowsOf(X[0], n) });
    }
    /** Labels and constant lanes: after layer 0's forward when X_0 streams in strips (they are needed later). */
    const small: Op[] = [];
    if (Ycur && hostLabels && (!prefetch || prefetch.loadOwn)) {
      small.push({ kind: "transfer", direction: "host-to-ub", layer: -1, note: "labels Y from host", host: hostRows(hostLabels), ub: rowsOf(Ycur, n) });
    }
    for (let l = 1; l < L && first && (!prefetch || prefetch.loadOwn); l++) {
      const c = geo[l].conv;
      if (c) small.push(...convSetupOps(l, c, X[l], laneColumn(l)));
      else small.push({ kind: "transfer", direction: "host-to-ub", layer: l, note: `constant lane of X${l} (column ${geo[l].K}) from host`, host: laneColumn(l), ub: rowsOf(X[l], micro, geo[l].K, 1) });
    }
    if (!stripped) ops.push(...small);
    if (other && Yother) {
      // The next batch crosses the host link while this step computes (nothing here needs the link
      // until the output transfer, placed after the error chain). Labels first: a DMA instruction
      // waiting for the link holds in-order issue, so the long transfer goes last.
      ops.push({ kind: "transfer", direction: "host-to-ub", layer: -1, note: "prefetch: the next batch's labels from host", host: rowsOf(other.labels, n), ub: rowsOf(Yother, n) });
      ops.push({ kind: "transfer", direction: "host-to-ub", layer: 0, note: "prefetch: the next batch's input from host", host: rowsOf(other.input, n), ub: rowsOf(other.X0, n) });
    }
    const strips = (g: (typeof geo)[number]): TransferOp[] => {
      const out: TransferOp[] = [];
      for (let k0 = 0, j = 0; k0 < g.K + 1; k0 += hw.rows, j++) {
        const cols = Math.min(hw.rows, g.K + 1 - k0);
        const strip = (v: View): View => ({ ...v, col: k0, cols });
        out.push({ kind: "transfer", direction: "host-to-ub", layer: 0, note: `input X0 from host, k-tile strip ${j + 1}`, host: strip(hostRows(hostInput)), ub: strip(rowsOf(X[0], n)) });
      }
      return out;
    };
    geo.forEach((g, l) => {
      const p = int8?.[l];
      const c = g.conv;
      const source = l === 0 ? { buffer: hostInput, space: "host" as const, row: r0 } : { buffer: I[l]!, space: "ub" as const, row: 0 };
      ops.push({
        kind: "matmul",
        role: "forward",
        layer: l,
        note: `layer ${l} forward: Z = X${l} · M${l}^T`,
        input: rowsOf(X[l], n * g.positions),
        stationary: transposed[l]
          ? { memory: "weights", view: { layer: l, row: 0, col: 0, rows: g.K + 1, cols: g.rowsOfM }, transpose: false }
          : { memory: "weights", view: { layer: l, row: 0, col: 0, rows: g.rowsOfM, cols: g.K + 1 }, transpose: true },
        epilogue: {
          kind: "activate",
          fn: spec.layers[l].activation,
          inScale: p?.inScale ?? 1,
          outScale: p?.outScale ?? 1,
          dst: c ? convOutputView(c, n, next(l)) : rowsOf(next(l), n, 0, g.N),
        },
        ...(c ? { rowBlock: g.positions, blockInputs: convGathers(l, c, n, source, X[l]) } : {}),
        ...(l === 0 && stripped ? { stripInputs: strips(g) } : {}),
      });
      if (l === 0 && stripped) ops.push(...small);
      if (l === 0 && !x0Resident) ops.push(...xt0);
    });
    const output: Op = { kind: "transfer", direction: "ub-to-host", layer: L - 1, note: "output A to host", host: hostRows(hostOutput), ub: rowsOf(X[L], n) };
    const backOps = back ? backwardOps(spec, geo, { X, I, Y: Ycur }, back, { rows: n, row: r0, first, last: r0 + n >= B, split: micro < B, hostGradient }) : [];
    if (prefetch) {
      // Behind the prefetch on the link: after the error chain, before the gradient products.
      const g = backOps.findIndex((o) => o.kind === "matmul" && o.role === "gradient");
      backOps.splice(g, 0, output);
    } else ops.push(output);
    ops.push(...backOps);
  }
  ops.push({ kind: "halt", layer: -1, note: "end of program" });

  const hostData: HostData[] = [];
  if (hostLanes) {
    const values = new Float32Array(micro * laneValues.length);
    for (let b = 0; b < micro; b++) laneValues.forEach((v, j) => (values[b * laneValues.length + j] = v));
    hostData.push({ buffer: hostLanes.name, values });
  }
  return { kind, spec, batch: B, microBatch: micro, buffers, weights, ops, hostData };
}

/**
 * A dense first layer wider than one k-tile takes X_0 in k-tile strips (a training step only when C
 * divides R: the gradient's column tiles must stay inside the strips), unless the step prefetches.
 */
export function stripsInput(spec: WorkloadSpec, hw: HwConfig, kind: ProgramKind, prefetch: boolean): boolean {
  return !prefetch && !spec.layers[0].conv && spec.inputs + 1 > hw.rows && (kind !== "train-step" || hw.rows % hw.cols === 0);
}

function checkOptions(spec: WorkloadSpec, hw: HwConfig, { int8 }: GraphOptions, backward: boolean, train: boolean): void {
  if (backward && hw.dtype !== "bf16") {
    const what = train ? "a training step" : "an input gradient";
    throw new UserInputError(`${what} needs a bf16 machine; this one computes in ${hw.dtype}`, { field: "dtype" });
  }
  if (int8 === undefined) return;
  if (hw.dtype !== "int8") throw new UserInputError(`int8 layer parameters were given for a ${hw.dtype} machine`, { field: "dtype" });
  if (int8.length !== spec.layers.length) {
    throw new UserInputError(`int8 parameters cover ${int8.length} layers but the network has ${spec.layers.length}`, { field: "int8" });
  }
}

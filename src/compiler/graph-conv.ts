/**
 * The convolution pieces of the graph (graph.ts calls these for every layer with `conv`). A
 * convolution becomes a matrix product by im2col: its input X_l holds one row per output position
 * of every sample, the patch under that position.
 *
 *   X_l (b*P x KK+1): row s*P + p is the patch under output position p = oy*OW + ox of sample s,
 *       patch index j = (ky*k + kx)*Cin + ci (a pixel, zero where the window hangs over the
 *       padding), and the layer's constant lane in column KK = k*k*Cin.
 *   gathers: per sample, output row oy and kernel row ky, one copy per run of positions ox whose
 *       window is clipped alike, from the sample's image at pixel (iy, ox*s - p + kxLo) with row
 *       stride s*Cin (the windows of neighbouring positions overlap), `rows` = the run's positions,
 *       `cols` = the unclipped part of the kernel row, into X_l at column (ky*k + kxLo)*Cin. The
 *       first layer gathers from the host image rows with RHM while they cross the link; a later
 *       layer gathers with VEC copy from I_l, the unified-buffer rows its predecessor's ACT wrote.
 *   setup (once per program): padding > 0 clears X_l (VEC copy, imm 0) so the entries no gather
 *       writes are 0 on every run; one RHM broadcasts the lane's constant (host row stride 0) into
 *       column KK.
 *
 * The forward product Z = X_l · M_l^T runs in row blocks of P (one sample per block) that carry each
 * sample's gathers, so gathering sample s+1 overlaps the array multiplying sample s; its ACT writes
 * sample s's P x C block with stride C into row s of the next buffer, so the next layer sees
 * position-major, channel-minor features: an image OH x OW x C for a following convolution.
 *
 * Backward: delta_l (b x P*C, contiguous) is b*P rows of C. The weight gradient transposes it (VTR,
 * DT_l = C x b*P) and contracts over every position of every sample. The gradient of the layer's
 * input is the error product per position, EP_l = delta_l · M_l[:, :KK] (b*P x KK, the patches'
 * gradient), scattered back onto the pixels (col2im): E_l is cleared, then one VEC add per (sample,
 * oy, ky, kx) adds the tap's column of every position ox in range into its pixels (rows ox, stride
 * s*Cin, which never overlap, so every add reads what the previous one wrote). The order of the adds
 * is the numbers' order: golden/conv-patches.ts scatterPatches follows it.
 */
import type { ConvSpec } from "../workloads/types.js";
import type { BufferDecl, Op, TransferOp, VectorOp, View } from "./ir.js";

/** MMUL, RHM, VEC and VTR `rows` are 16-bit fields. */
export const MAX_ROWS = 0xffff;

export function convPositions(conv: ConvSpec): number {
  return conv.outputHeight * conv.outputWidth;
}

export function patchLength(conv: ConvSpec): number {
  return conv.kernel * conv.kernel * conv.inputChannels;
}

/** Where a convolution reads its samples: host image rows from `row` on, or unified-buffer rows. */
export interface ConvSource {
  readonly buffer: BufferDecl;
  readonly space: "host" | "ub";
  /** Row of the first sample (a micro-batch's offset into the host batch). */
  readonly row: number;
}

/** Runs of output columns whose kernel window is clipped the same way by the padding. */
function windowRuns(conv: ConvSpec): { from: number; to: number; lo: number; hi: number }[] {
  const { kernel: k, stride: s, padding: p, inputWidth: W, outputWidth: OW } = conv;
  const runs: { from: number; to: number; lo: number; hi: number }[] = [];
  for (let ox = 0; ox < OW; ox++) {
    const ix = ox * s - p;
    const lo = Math.max(0, -ix);
    const hi = Math.min(k, W - ix);
    const last = runs[runs.length - 1];
    if (last && last.lo === lo && last.hi === hi) last.to = ox + 1;
    else runs.push({ from: ox, to: ox + 1, lo, hi });
  }
  return runs.filter((r) => r.hi > r.lo);
}

/** Per sample of a micro-batch of `count`, the copies that fill its patches in X_l (file comment). */
export function convGathers(layer: number, conv: ConvSpec, count: number, source: ConvSource, patches: BufferDecl): (TransferOp | VectorOp)[][] {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = conv;
  const P = convPositions(conv);
  const runs = windowRuns(conv);
  const gathers: (TransferOp | VectorOp)[][] = [];
  for (let b = 0; b < count; b++) {
    const sample: (TransferOp | VectorOp)[] = [];
    gathers.push(sample);
    for (let oy = 0; oy < OH; oy++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - p;
        if (iy < 0 || iy >= H) continue;
        for (const run of runs) {
          const rows = run.to - run.from;
          const cols = (run.hi - run.lo) * Cin;
          const note = `layer ${layer} im2col gather, image ${b + 1}/${count}, output row ${oy}, kernel row ${ky}`;
          const from: View = { buffer: source.buffer.name, row: source.row + b, col: (iy * W + run.from * s - p + run.lo) * Cin, rows, cols, pitch: s * Cin };
          const to: View = { buffer: patches.name, row: b * P + oy * OW + run.from, col: (ky * k + run.lo) * Cin, rows, cols };
          if (source.space === "host") sample.push({ kind: "transfer", direction: "host-to-ub", layer, note: `conv input: ${note}`, host: from, ub: to });
          else sample.push({ kind: "vector", phase: "input", layer, note: `conv input: ${note}`, fn: "copy", dst: to, a: from, b: from, imm: 1 });
        }
      }
    }
  }
  return gathers;
}

/**
 * Once per program: clear the patches when windows reach into the padding, then broadcast the
 * constant lane (one host value, `lane`, read with row stride 0) into column KK of every row.
 */
export function convSetupOps(layer: number, conv: ConvSpec, patches: BufferDecl, lane: View): Op[] {
  const ops: Op[] = [];
  const KK = patchLength(conv);
  for (let r0 = 0; conv.padding > 0 && r0 < patches.rows; r0 += MAX_ROWS) {
    const block: View = { buffer: patches.name, row: r0, col: 0, rows: Math.min(MAX_ROWS, patches.rows - r0), cols: patches.cols };
    ops.push({ kind: "vector", phase: "input", layer, note: `conv input: clear the patches of layer ${layer} (padding stays 0)`, fn: "copy", dst: block, a: block, b: block, imm: 0 });
  }
  for (let r0 = 0; r0 < patches.rows; r0 += MAX_ROWS) {
    const rows = Math.min(MAX_ROWS, patches.rows - r0);
    ops.push({
      kind: "transfer",
      direction: "host-to-ub",
      layer,
      note: `conv input: constant lane of the patches of layer ${layer} (broadcast of one value)`,
      host: { ...lane, rows, pitch: 0 },
      ub: { buffer: patches.name, row: r0, col: KK, rows, cols: 1 },
    });
  }
  return ops;
}

/** Where the forward product's count*P result rows go: sample s's P rows, C apart, in row s of `next`. */
export function convOutputView(conv: ConvSpec, count: number, next: BufferDecl): View {
  const P = convPositions(conv);
  return { buffer: next.name, row: 0, col: 0, rows: count * P, cols: conv.channels, pitch: conv.channels, segment: P };
}

/** delta_l of `count` samples seen as count*P rows of C (the error product's input). */
export function convDeltaRows(conv: ConvSpec, count: number, delta: BufferDecl): View {
  return { buffer: delta.name, row: 0, col: 0, rows: count * convPositions(conv), cols: conv.channels, pitch: conv.channels };
}

/**
 * The backward transposes: delta_l (count x P*C, contiguous) seen as count*P rows of C, transposed
 * into DT_l (C x count*P) in chunks of at most 65535 source rows (the VTR `rows` field).
 */
export function convTransposeOps(layer: number, conv: ConvSpec, count: number, delta: BufferDecl, dt: BufferDecl): Op[] {
  const P = convPositions(conv);
  const C = conv.channels;
  const ops: Op[] = [];
  for (let r0 = 0; r0 < count * P; r0 += MAX_ROWS) {
    const rows = Math.min(MAX_ROWS, count * P - r0);
    ops.push({
      kind: "transpose",
      layer,
      note: `layer ${layer} backward: DT${layer} = delta${layer}^T (delta${layer} as ${count * P} positions x ${C} channels)`,
      src: { buffer: delta.name, row: 0, col: r0 * C, rows, cols: C, pitch: C },
      dst: { buffer: dt.name, row: 0, col: r0, rows: C, cols: rows },
    });
  }
  return ops;
}

/** col2im of EP_l (count*P x KK) into E_l (count x H*W*Cin), as the file comment describes. */
export function convScatterOps(layer: number, conv: ConvSpec, count: number, patches: BufferDecl, image: BufferDecl): VectorOp[] {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = conv;
  const P = convPositions(conv);
  const whole: View = { buffer: image.name, row: 0, col: 0, rows: count, cols: image.cols };
  const note = `layer ${layer} backward: E${layer} = col2im(EP${layer})`;
  const ops: VectorOp[] = [{ kind: "vector", phase: "backward", layer, note: `${note}: clear`, fn: "copy", dst: whole, a: whole, b: whole, imm: 0 }];
  for (let b = 0; b < count; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - p;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < k; kx++) {
          // Output columns whose tap kx lands inside the image: 0 <= ox*s + kx - p < W.
          const first = Math.max(0, Math.ceil((p - kx) / s));
          const last = Math.min(OW - 1, Math.floor((W - 1 + p - kx) / s));
          if (last < first) continue;
          const rows = last - first + 1;
          const pixels: View = { buffer: image.name, row: b, col: (iy * W + first * s - p + kx) * Cin, rows, cols: Cin, pitch: s * Cin };
          const taps: View = { buffer: patches.name, row: b * P + oy * OW + first, col: (ky * k + kx) * Cin, rows, cols: Cin };
          ops.push({ kind: "vector", phase: "backward", layer, note: `${note}, image ${b + 1}/${count}, output row ${oy}, tap (${ky}, ${kx})`, fn: "add", dst: pixels, a: pixels, b: taps, imm: 1 });
        }
      }
    }
  }
  return ops;
}

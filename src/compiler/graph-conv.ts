/**
 * The convolution pieces of the graph (graph.ts calls these for a first layer with `conv`). The
 * convolution becomes a matrix product by im2col, done by the DMA while the image crosses the host
 * link, so the host's data stays the plain image rows NetworkOnChip writes:
 *
 *   X0 (B*P x KK+1): row b*P + p is the patch under output position p = oy*OW + ox of image b,
 *       patch index j = (ky*k + kx)*Cin + ci (a pixel, zero where the window hangs over the
 *       padding), and the constant 1 in column KK = k*k*Cin.
 *   gathers: per image b, output row oy and kernel row ky, one RHM per run of positions ox whose
 *       window is clipped alike: host row b at pixel (iy, ox*s - p + kxLo), `hstride` = s*Cin (the
 *       windows of neighbouring positions overlap in host memory), `rows` = the run's positions,
 *       `cols` = the unclipped part of the kernel row, into X0 at column (ky*k + kxLo)*Cin.
 *   constant lane: one RHM from a single host 1.0 with hstride 0 (a broadcast) into column KK.
 *   padding > 0: one VEC (copy, imm 0) first clears X0, so the entries no gather writes are 0 on
 *       every run.
 *
 * The forward product Z = X0 · M0^T is one matmul of B*P vectors in row blocks of P (one image per
 * block) that carries each image's gathers, so the DMA gathers image b+1 while the array multiplies
 * image b; its ACT writes image b's P x C block with stride C into row b of X1, so the next layer
 * sees position-major, channel-minor features and its constant lane stays in column P*C.
 */
import type { ConvSpec } from "../workloads/types.js";
import type { BufferDecl, Op, TransferOp, View } from "./ir.js";

/** MMUL `rows`, RHM `rows` and VTR `rows` are 16-bit fields. */
const MAX_ROWS = 0xffff;

export function convPositions(conv: ConvSpec): number {
  return conv.outputHeight * conv.outputWidth;
}

export function patchLength(conv: ConvSpec): number {
  return conv.kernel * conv.kernel * conv.inputChannels;
}

/**
 * What fills X0 from the host image rows (see the file comment): `setup` ops that run first (the
 * clear, the constant lane) and per image the gathers, which the forward product carries as its
 * row blocks' inputs.
 */
export function convInputOps(
  conv: ConvSpec,
  B: number,
  hostInput: BufferDecl,
  hostOne: BufferDecl,
  x0: BufferDecl,
): { setup: Op[]; gathers: TransferOp[][] } {
  const { kernel: k, stride: s, padding: p, inputHeight: H, inputWidth: W, inputChannels: Cin, outputHeight: OH, outputWidth: OW } = conv;
  const P = convPositions(conv);
  const KK = patchLength(conv);
  const ops: Op[] = [];
  const gathers: TransferOp[][] = [];
  const whole: View = { buffer: x0.name, row: 0, col: 0, rows: x0.rows, cols: x0.cols };
  if (p > 0) {
    ops.push({ kind: "vector", phase: "input", layer: 0, note: "conv input: clear the patches (padding stays 0)", fn: "copy", dst: whole, a: whole, b: whole, imm: 0 });
  }
  for (let r0 = 0; r0 < B * P; r0 += MAX_ROWS) {
    const rows = Math.min(MAX_ROWS, B * P - r0);
    ops.push({
      kind: "transfer",
      direction: "host-to-ub",
      layer: 0,
      note: "conv input: constant lane of the patches (broadcast of one 1.0)",
      host: { buffer: hostOne.name, row: 0, col: 0, rows, cols: 1, pitch: 0 },
      ub: { buffer: x0.name, row: r0, col: KK, rows, cols: 1 },
    });
  }
  // Runs of output columns whose kernel window is clipped the same way by the padding.
  const runs: { from: number; to: number; lo: number; hi: number }[] = [];
  for (let ox = 0; ox < OW; ox++) {
    const ix = ox * s - p;
    const lo = Math.max(0, -ix);
    const hi = Math.min(k, W - ix);
    const last = runs[runs.length - 1];
    if (last && last.lo === lo && last.hi === hi) last.to = ox + 1;
    else runs.push({ from: ox, to: ox + 1, lo, hi });
  }
  for (let b = 0; b < B; b++) {
    const image: TransferOp[] = [];
    gathers.push(image);
    for (let oy = 0; oy < OH; oy++) {
      for (let ky = 0; ky < k; ky++) {
        const iy = oy * s + ky - p;
        if (iy < 0 || iy >= H) continue;
        for (const run of runs) {
          if (run.hi <= run.lo) continue;
          const rows = run.to - run.from;
          const cols = (run.hi - run.lo) * Cin;
          image.push({
            kind: "transfer",
            direction: "host-to-ub",
            layer: 0,
            note: `conv input: im2col gather, image ${b + 1}/${B}, output row ${oy}, kernel row ${ky}`,
            host: { buffer: hostInput.name, row: b, col: (iy * W + run.from * s - p + run.lo) * Cin, rows, cols, pitch: s * Cin },
            ub: { buffer: x0.name, row: b * P + oy * OW + run.from, col: (ky * k + run.lo) * Cin, rows, cols },
          });
        }
      }
    }
  }
  return { setup: ops, gathers };
}

/** Where the forward product's B*P result rows go: image b's P rows, C apart, in row b of X1. */
export function convOutputView(conv: ConvSpec, B: number, x1: BufferDecl): View {
  const P = convPositions(conv);
  return { buffer: x1.name, row: 0, col: 0, rows: B * P, cols: conv.channels, pitch: conv.channels, segment: P };
}

/**
 * The backward transposes: delta_0 (B x P*C, contiguous) seen as B*P rows of C, transposed into
 * DT0 (C x B*P) in chunks of at most 65535 source rows (the VTR `rows` field).
 */
export function convTransposeOps(conv: ConvSpec, B: number, d0: BufferDecl, dt0: BufferDecl): Op[] {
  const P = convPositions(conv);
  const C = conv.channels;
  const ops: Op[] = [];
  for (let r0 = 0; r0 < B * P; r0 += MAX_ROWS) {
    const rows = Math.min(MAX_ROWS, B * P - r0);
    ops.push({
      kind: "transpose",
      layer: 0,
      note: `layer 0 backward: DT0 = delta0^T (delta0 as ${B * P} positions x ${C} channels)`,
      src: { buffer: d0.name, row: 0, col: r0 * C, rows, cols: C, pitch: C },
      dst: { buffer: dt0.name, row: 0, col: r0, rows: C, cols: rows },
    });
  }
  return ops;
}

/**
 * Fast mode's counters for an interval of a predicted unit's progress (docs/ARCHITECTURE.md
 * "Counters"): the bytes, elements and operations a unit moved between progress `from` and `to`, in
 * closed form, as the clocked unit counts them cycle by cycle (an element lands with its last byte,
 * a source is read with its first; VEC results are counted when written, VTR/VSMX elements when read).
 */
import {
  CNT_ACC_READ, CNT_ACTIVATION_ELEMENTS, CNT_FIFO_WRITTEN, CNT_HOST_READ, CNT_HOST_WRITTEN, CNT_UB_READ, CNT_UB_WRITTEN,
  CNT_VECTOR_ELEMENTS, CNT_WM_READ, CNT_WM_WRITTEN,
} from "../hw/activity.js";
import { sgdReadBytes } from "../hw/vector-unit.js";
import { type FastUnits, K_ACT, K_RDW, K_RDWU, K_RHM, K_VEC, K_VSGD, K_VTR, K_WHM, K_WHMA } from "./fast-units.js";

/** The counters of unit u's progress [from, to). */
export function countProgress(f: FastUnits, u: number, kind: number, from: number, to: number, c: Float64Array): void {
  const eb = f.eb;
  const s = f.s[u];
  switch (kind) {
    case K_RHM:
      c[CNT_HOST_READ] += to - from;
      c[CNT_UB_WRITTEN] += (Math.floor(to / s) - Math.floor(from / s)) * s;
      return;
    case K_WHM:
      c[CNT_HOST_WRITTEN] += to - from;
      c[CNT_UB_READ] += (Math.ceil(to / s) - Math.ceil(from / s)) * s;
      return;
    case K_WHMA:
      c[CNT_HOST_WRITTEN] += to - from;
      c[CNT_ACC_READ] += (Math.ceil(to / s) - Math.ceil(from / s)) * s;
      return;
    case K_RDW:
      c[CNT_WM_READ] += to - from;
      c[CNT_FIFO_WRITTEN] += (Math.floor(to / s) - Math.floor(from / s)) * s;
      return;
    case K_VSGD: {
      const read = sgdReadBytes(to, s) - sgdReadBytes(from, s);
      c[CNT_WM_READ] += read;
      c[CNT_WM_WRITTEN] += to - from - read;
      c[CNT_ACC_READ] += 4 * (Math.ceil(to / s) - Math.ceil(from / s));
      c[CNT_VECTOR_ELEMENTS] += Math.floor(to / s) - Math.floor(from / s);
      return;
    }
    case K_RDWU:
      c[CNT_UB_READ] += (to - from) * f.cols[u] * eb;
      c[CNT_FIFO_WRITTEN] += (to - from) * f.cols[u] * eb;
      return;
    case K_ACT: {
      const rows = f.rows[u];
      const cols = f.cols[u];
      const reads = Math.max(0, Math.min(to, rows) - from);
      const writes = Math.max(0, Math.min(to, rows + f.L) - Math.max(from, f.L));
      c[CNT_ACC_READ] += reads * cols * 4;
      c[CNT_ACTIVATION_ELEMENTS] += reads * cols;
      c[CNT_UB_WRITTEN] += writes * cols * eb;
      return;
    }
    case K_VEC:
      countVec(f, u, from, to, c);
      return;
    default: {
      const Sr = f.Sr[u];
      const read = elements(f.lanes, Math.min(to, Sr), f.g[u], f.cols[u]) - elements(f.lanes, Math.min(from, Sr), f.g[u], f.cols[u]);
      c[CNT_UB_READ] += read * eb;
      c[CNT_VECTOR_ELEMENTS] += read;
      const w0 = Sr + f.Lv;
      const len = kind === K_VTR ? f.rows[u] : f.cols[u];
      const lo = Math.max(0, from - w0);
      const hi = Math.max(0, to - w0);
      c[CNT_UB_WRITTEN] += (elements(f.lanes, hi, f.gw[u], len) - elements(f.lanes, lo, f.gw[u], len)) * eb;
    }
  }
}

/** Elements in the first p segments of rows of `len` elements cut into `g` segments of `lanes`. */
function elements(lanes: number, p: number, g: number, len: number): number {
  const r = Math.floor(p / g);
  return r * len + Math.min((p - r * g) * lanes, len);
}

/** Elements in VEC's first p steps (p clamped to [0, S]). */
function vecElements(f: FastUnits, u: number, p: number): number {
  return elements(f.lanes, Math.min(Math.max(p, 0), f.S[u]), f.g[u], f.cols[u]);
}

function countVec(f: FastUnits, u: number, from: number, to: number, c: Float64Array): void {
  const eb = f.eb;
  const q = f.q[u];
  const S = f.S[u];
  if (q === 1) c[CNT_UB_READ] += f.k[u] * (vecElements(f, u, to) - vecElements(f, u, from)) * eb;
  else {
    // a is read at work cycle 2p, b at 2p + 1.
    const a = vecElements(f, u, Math.ceil(to / 2)) - vecElements(f, u, Math.ceil(from / 2));
    const b = vecElements(f, u, Math.ceil((to - 1) / 2)) - vecElements(f, u, Math.ceil((from - 1) / 2));
    c[CNT_UB_READ] += (a + b) * eb;
  }
  const Lv = f.Lv;
  const pLo = Math.max(Lv, f.vecFirstWriteAtOrAfter(u, from));
  const pHi = Math.max(Lv, Math.min(S + Lv, f.vecFirstWriteAtOrAfter(u, to)));
  if (pHi > pLo) {
    const written = vecElements(f, u, pHi - Lv) - vecElements(f, u, pLo - Lv);
    c[CNT_UB_WRITTEN] += written * eb;
    c[CNT_VECTOR_ELEMENTS] += written;
  }
}

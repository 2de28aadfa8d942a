/**
 * Fast mode's prediction of the DMA, the weight loader, the activation unit and the vector unit
 * (docs/ARCHITECTURE.md "Fast mode"). Each unit is a progress counter (bytes for the byte streams:
 * RHM, WHM, WHMA, RDW, VSGD; granted cycles for the rest) whose request is a function of its progress
 * and stays the same between phase boundaries. The controller asks for the grants once per interval
 * (the same Arbiter the datapath uses every cycle), for how many cycles they hold (`steadyCycles`),
 * and advances every unit by that many cycles at once, adding the counters of the whole interval.
 * A fault fast mode found when the data moved at issue is held as a progress threshold and fires in
 * the cycle the unit would write the bad value.
 */
import type { HwConfig } from "../config/hw-config.js";
import { RES_NONE, UNIT_COUNT, U_ACTIVATION, U_MATRIX, U_VECTOR, type CycleActivity } from "../hw/activity.js";
import { Arbiter, UnitRequests } from "../hw/arbiter.js";
import { ByteLink } from "../hw/ports.js";
import { countProgress } from "./fast-counts.js";
import type { UnitTotals } from "./stats.js";

export const K_NONE = 0;
export const K_RHM = 1;
export const K_WHM = 2;
export const K_WHMA = 3;
export const K_RDW = 4;
export const K_RDWU = 5;
export const K_ACT = 6;
export const K_VEC = 7;
export const K_VTR = 8;
export const K_VSMX = 9;
export const K_VSGD = 10;

const STREAM = [false, true, true, true, true, false, false, false, false, false, true];

export class FastUnits {
  readonly requests = new UnitRequests();
  readonly arbiter: Arbiter;
  readonly kind = new Uint8Array(UNIT_COUNT);
  readonly pos = new Float64Array(UNIT_COUNT);
  readonly total = new Float64Array(UNIT_COUNT);
  /** Bytes per element (streams). */
  readonly s = new Float64Array(UNIT_COUNT);
  /** Shape: rows, cols; ACT: L; VEC: S, g, q, k; VTR/VSMX: Sr, Sw, g, gr (write segments per row). */
  readonly rows = new Float64Array(UNIT_COUNT);
  readonly cols = new Float64Array(UNIT_COUNT);
  readonly S = new Float64Array(UNIT_COUNT);
  readonly g = new Float64Array(UNIT_COUNT);
  readonly gw = new Float64Array(UNIT_COUNT);
  readonly q = new Float64Array(UNIT_COUNT);
  readonly k = new Float64Array(UNIT_COUNT);
  readonly Sr = new Float64Array(UNIT_COUNT);
  /** Pending fault: fires when pos reaches this (Infinity: none). */
  readonly faultAt = new Float64Array(UNIT_COUNT).fill(Number.POSITIVE_INFINITY);
  readonly faultText: string[] = ["", "", "", "", ""];
  /** Set by advance(): the unit finished / its held fault is due. */
  readonly completed = new Uint8Array(UNIT_COUNT);
  readonly faultDue = new Uint8Array(UNIT_COUNT);
  readonly eb: number;
  readonly lanes: number;
  readonly L: number;
  readonly Lv: number;
  readonly readPorts: number;
  private readonly weightWidth: number;
  private readonly hostWidth: number;

  constructor(hw: Readonly<HwConfig>) {
    this.arbiter = new Arbiter(hw);
    this.weightWidth = hw.weightBytesPerCycle;
    this.hostWidth = hw.hostBytesPerCycle;
    // Start from "no request" so that the first arbitration runs the arbiter.
    this.requests.active.fill(2);
    this.eb = hw.elementBytes;
    this.lanes = hw.vectorLanes;
    this.L = hw.activationLatency;
    this.Lv = hw.vectorLatency;
    this.readPorts = hw.unifiedBufferReadPorts;
  }

  /** Issue an op on unit u; `total` is what start() derives from rows and cols. */
  start(u: number, kind: number, rows: number, cols: number, vecSources = 1): void {
    const { eb, lanes } = this;
    this.kind[u] = kind;
    this.pos[u] = 0;
    this.rows[u] = rows;
    this.cols[u] = cols;
    if (this.faultAt[u] !== Number.POSITIVE_INFINITY) this.heldFaults--;
    this.faultAt[u] = Number.POSITIVE_INFINITY;
    const g = Math.ceil(cols / lanes);
    this.g[u] = g;
    switch (kind) {
      case K_RHM:
      case K_WHM:
      case K_RDW:
        this.s[u] = eb;
        this.total[u] = rows * cols * eb;
        break;
      case K_WHMA:
        this.s[u] = 4;
        this.total[u] = rows * cols * 4;
        break;
      case K_VSGD:
        this.s[u] = 8 + eb;
        this.total[u] = rows * cols * (8 + eb);
        break;
      case K_RDWU:
        // rows = buffer rows read (steps), cols = elements per row.
        this.total[u] = rows;
        break;
      case K_ACT:
        this.total[u] = rows + this.L;
        break;
      case K_VEC:
        this.k[u] = vecSources;
        this.q[u] = Math.ceil(vecSources / this.readPorts);
        this.S[u] = rows * g;
        this.total[u] = this.q[u] * this.S[u] + this.Lv;
        break;
      default: // VTR, VSMX
        this.Sr[u] = rows * g;
        this.gw[u] = kind === K_VTR ? Math.ceil(rows / lanes) : g;
        this.total[u] = this.Sr[u] + this.Lv + (kind === K_VTR ? cols * this.gw[u] : this.Sr[u]);
    }
  }

  /** Hold a fault: element `e` (block order; ACT: row e) is written bad. */
  holdFault(u: number, e: number, text: string): void {
    const kind = this.kind[u];
    let at: number;
    if (STREAM[kind]) at = (e + 1) * this.s[u];
    else if (kind === K_ACT) at = this.L + e + 1;
    else {
      const cols = this.cols[u];
      const r = Math.floor(e / cols);
      const seg = r * this.g[u] + Math.floor((e - r * cols) / this.lanes);
      at = kind === K_VSMX ? this.Sr[u] + this.Lv + seg + 1 : this.vecWriteCycle(u, seg + this.Lv) + 1;
    }
    if (this.faultAt[u] === Number.POSITIVE_INFINITY) this.heldFaults++;
    this.faultAt[u] = at;
    this.faultText[u] = text;
  }

  /** Work cycle in which a VEC writes the result of step p (p >= Lv). */
  private vecWriteCycle(u: number, p: number): number {
    const q = this.q[u];
    const S = this.S[u];
    return p < S ? q * p + q - 1 : q * S + p - S;
  }

  /** The first step whose write happens at work cycle >= w. */
  vecFirstWriteAtOrAfter(u: number, w: number): number {
    const q = this.q[u];
    const S = this.S[u];
    return w <= q * S - 1 ? Math.max(0, Math.ceil((w - q + 1) / q)) : S + w - q * S;
  }

  /**
   * Requests at the current progress, then arbitration (the matrix unit's requests are given). The
   * arbiter runs only when some request differs from the last arbitration's (byte requests compared
   * as what a link could grant: at most its width), since equal requests get equal grants.
   */
  arbitrate(matrixUbRead: number, matrixAccRead: number): void {
    let changed = false;
    for (let u = 0; u < UNIT_COUNT; u++) {
      if (u === U_MATRIX) changed = this.setRequest(u, matrixUbRead + matrixAccRead > 0 ? 1 : 0, matrixUbRead, 0, matrixAccRead, 0, 0) || changed;
      else if (this.kind[u] === K_NONE) changed = this.setRequest(u, 0, 0, 0, 0, 0, 0) || changed;
      else changed = this.request(u) || changed;
    }
    if (changed) this.arbiter.arbitrate(this.requests);
  }

  /** Store one unit's request; true when it differs from the stored one. */
  private setRequest(u: number, active: number, ubRead: number, ubWrite: number, accRead: number, weightBytes: number, hostBytes: number): boolean {
    const req = this.requests;
    const wb = Math.min(weightBytes, this.weightWidth);
    const hb = Math.min(hostBytes, this.hostWidth);
    if (req.active[u] === active && req.ubRead[u] === ubRead && req.ubWrite[u] === ubWrite && req.accRead[u] === accRead && req.weightBytes[u] === wb && req.hostBytes[u] === hb) {
      return false;
    }
    req.active[u] = active;
    req.ubRead[u] = ubRead;
    req.ubWrite[u] = ubWrite;
    req.accRead[u] = accRead;
    req.weightBytes[u] = wb;
    req.hostBytes[u] = hb;
    return true;
  }

  private request(u: number): boolean {
    const w = this.pos[u];
    switch (this.kind[u]) {
      case K_RHM:
      case K_WHM:
      case K_WHMA:
        return this.setRequest(u, 1, 0, 0, 0, 0, this.total[u] - w);
      case K_RDW:
        return this.setRequest(u, 1, 0, 0, 0, this.total[u] - w, 0);
      case K_RDWU:
        return this.setRequest(u, 1, 1, 0, 0, 0, 0);
      case K_ACT:
        return this.setRequest(u, 1, 0, w >= this.L ? 1 : 0, w < this.rows[u] ? 1 : 0, 0, 0);
      case K_VSGD:
        return this.setRequest(u, 1, 0, 0, 1, Math.min(this.lanes * this.s[u], this.total[u] - w), 0);
      case K_VEC: {
        const q = this.q[u];
        const qS = q * this.S[u];
        if (w >= qS) return this.setRequest(u, 1, 0, this.S[u] + w - qS >= this.Lv ? 1 : 0, 0, 0, 0);
        const p = Math.floor(w / q);
        return this.setRequest(u, 1, q === 1 ? this.k[u] : 1, w - q * p === q - 1 && p >= this.Lv ? 1 : 0, 0, 0, 0);
      }
      default:
        return this.setRequest(u, 1, w < this.Sr[u] ? 1 : 0, w >= this.Sr[u] + this.Lv ? 1 : 0, 0, 0, 0);
    }
  }

  /** Bytes (streams) or 1 (steps) this unit advances per granted cycle; 0 when refused. */
  private rate(u: number): number {
    const a = this.arbiter;
    if (a.granted[u] === 0) return 0;
    const kind = this.kind[u];
    if (kind === K_RHM || kind === K_WHM || kind === K_WHMA) return a.hostGranted[u];
    if (kind === K_RDW || kind === K_VSGD) return a.weightGranted[u];
    return 1;
  }

  /** Progress at which this unit's request next changes (or it finishes). */
  private phaseEnd(u: number): number {
    const w = this.pos[u];
    const total = this.total[u];
    switch (this.kind[u]) {
      case K_ACT:
        return next3(w, this.rows[u], this.L, total);
      case K_VTR:
      case K_VSMX:
        return next3(w, this.Sr[u], this.Sr[u] + this.Lv, total);
      case K_VEC: {
        const q = this.q[u];
        const S = this.S[u];
        if (q === 1) return next3(w, this.Lv, S, total);
        if (w < 2 * S) return Math.floor(w / 2) >= this.Lv ? w + 1 : Math.min(2 * this.Lv, 2 * S);
        return next3(w, 2 * S + this.Lv - S, total, total);
      }
      default:
        return total;
    }
  }

  /**
   * Cycles (>= 1) the current grants hold for every unit with work, counting the cycle in which one
   * finishes a phase, completes or writes a held bad value; Infinity when no unit can move. Also
   * sets `eventCycles`: within how many cycles the first completion or held fault comes (Infinity:
   * none within the steady run), so the caller knows whether the last cycle must be stepped.
   */
  steadyCycles(): number {
    let m = Number.POSITIVE_INFINITY;
    let e = Number.POSITIVE_INFINITY;
    for (let u = 0; u < UNIT_COUNT; u++) {
      if (this.kind[u] === K_NONE) continue;
      const g = this.rate(u);
      if (g === 0) continue;
      const w = this.pos[u];
      const left = this.total[u] - w;
      let n: number;
      if (STREAM[this.kind[u]]) n = g >= left ? 1 : ByteLink.steadyCycles(left, g);
      else n = this.phaseEnd(u) - w;
      if (n * g >= left && n < e) e = n;
      const f = this.faultAt[u];
      if (f !== Number.POSITIVE_INFINITY) {
        const k = Math.ceil((f - w) / g);
        if (k <= n) {
          n = k;
          if (k < e) e = k;
        }
      }
      if (n < m) m = n;
    }
    this.eventCycles = e;
    return m;
  }

  /** See steadyCycles. */
  eventCycles = Number.POSITIVE_INFINITY;

  /** Does a unit other than the matrix unit want accumulator read ports (ACT, VSGD)? */
  wantsAccumulatorPorts(): boolean {
    return this.kind[U_ACTIVATION] !== K_NONE || this.kind[U_VECTOR] === K_VSGD;
  }

  /** Units holding a fault (fast path for the per-cycle check). */
  heldFaults = 0;

  /**
   * Advance every unit `n` cycles with the current grants (n <= steadyCycles()). The counters and
   * the busy/refused cycles go to `act` (one traced cycle) or, when it is null, straight to `totals`.
   */
  advance(n: number, act: CycleActivity | null, totals: UnitTotals): void {
    const counts = act ? act.counts : totals.counts;
    for (let u = 0; u < UNIT_COUNT; u++) {
      this.completed[u] = 0;
      this.faultDue[u] = 0;
      const kind = this.kind[u];
      if (kind === K_NONE) continue;
      const g = this.rate(u);
      if (g === 0) {
        const r = this.arbiter.refusedBy[u];
        if (act) act.refused[u] = r;
        else {
          totals.stalled[u] += n;
          totals.refusedBy[r] += n;
        }
        continue;
      }
      if (act) {
        act.busy[u] = 1;
        act.refused[u] = RES_NONE;
      } else totals.busy[u] += n;
      const from = this.pos[u];
      const to = from + n * g;
      countProgress(this, u, kind, from, to, counts);
      this.pos[u] = to;
      if (to >= this.faultAt[u]) this.faultDue[u] = 1;
      if (to === this.total[u]) {
        this.kind[u] = K_NONE;
        this.completed[u] = 1;
      }
    }
  }
}

/** The smallest of a, b, c above w. */
function next3(w: number, a: number, b: number, c: number): number {
  let n = Number.POSITIVE_INFINITY;
  if (a > w && a < n) n = a;
  if (b > w && b < n) n = b;
  if (c > w && c < n) n = c;
  return n;
}

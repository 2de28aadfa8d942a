/**
 * Per-cycle arbitration of the shared resources (docs/ARCHITECTURE.md "Shared resources"). Each
 * cycle every unit states its request from its current registers (UnitRequests); `arbitrate` serves
 * them in the fixed order matrix, activation, weight loader, vector unit, DMA. Port requests are
 * granted whole or not at all; a unit refused anything gets nothing (it stalls) and is charged to the
 * first refusing resource in the order unified-buffer read, unified-buffer write, accumulator read,
 * weight-memory channel. On the channel a unit takes what is left, up to what it wants, and is
 * refused only when nothing is left. The host link serves the DMA alone.
 * Detailed mode arbitrates every cycle; fast mode once per interval of identical requests.
 */
import type { HwConfig } from "../config/hw-config.js";
import {
  RES_ACC_READ, RES_NONE, RES_UB_READ, RES_UB_WRITE, RES_WEIGHT_MEMORY, UNIT_COUNT, U_ACTIVATION, U_DMA, U_MATRIX, U_VECTOR,
  U_WEIGHTS,
} from "./activity.js";
import { ByteLink, PortGroup } from "./ports.js";

/** What each unit asks for this cycle (indexed by unit). */
export class UnitRequests {
  /** 1 when the unit has work this cycle (it may ask for nothing, e.g. a pipeline gap). */
  readonly active = new Uint8Array(UNIT_COUNT);
  readonly ubRead = new Int32Array(UNIT_COUNT);
  readonly ubWrite = new Int32Array(UNIT_COUNT);
  readonly accRead = new Int32Array(UNIT_COUNT);
  /** Bytes wanted on the weight-memory channel / the host link. */
  readonly weightBytes = new Float64Array(UNIT_COUNT);
  readonly hostBytes = new Float64Array(UNIT_COUNT);

  clear(): void {
    for (let u = 0; u < UNIT_COUNT; u++) {
      this.active[u] = 0;
      this.ubRead[u] = 0;
      this.ubWrite[u] = 0;
      this.accRead[u] = 0;
      this.weightBytes[u] = 0;
      this.hostBytes[u] = 0;
    }
  }
}

export const ARBITRATION_ORDER: readonly number[] = Object.freeze([U_MATRIX, U_ACTIVATION, U_WEIGHTS, U_VECTOR, U_DMA]);

export class Arbiter {
  readonly ubRead: PortGroup;
  readonly ubWrite: PortGroup;
  readonly accRead: PortGroup;
  readonly channel: ByteLink;
  readonly hostLink: ByteLink;
  /** Results of the last arbitration, indexed by unit. */
  readonly granted = new Uint8Array(UNIT_COUNT);
  readonly weightGranted = new Float64Array(UNIT_COUNT);
  readonly hostGranted = new Float64Array(UNIT_COUNT);
  readonly refusedBy = new Int8Array(UNIT_COUNT);

  constructor(hw: Readonly<HwConfig>) {
    this.ubRead = new PortGroup(hw.unifiedBufferReadPorts);
    this.ubWrite = new PortGroup(hw.unifiedBufferWritePorts);
    this.accRead = new PortGroup(hw.accumulatorReadPorts);
    this.channel = new ByteLink(hw.weightBytesPerCycle);
    this.hostLink = new ByteLink(hw.hostBytesPerCycle);
  }

  arbitrate(req: UnitRequests): void {
    this.ubRead.beginCycle();
    this.ubWrite.beginCycle();
    this.accRead.beginCycle();
    this.channel.beginCycle();
    this.hostLink.beginCycle();
    for (let i = 0; i < ARBITRATION_ORDER.length; i++) {
      const u = ARBITRATION_ORDER[i];
      this.granted[u] = 0;
      this.weightGranted[u] = 0;
      this.hostGranted[u] = 0;
      this.refusedBy[u] = RES_NONE;
      if (req.active[u] === 0) continue;
      const r = req.ubRead[u];
      const w = req.ubWrite[u];
      const a = req.accRead[u];
      const bytes = req.weightBytes[u];
      let refused = RES_NONE;
      if (!this.ubRead.fits(r)) refused = RES_UB_READ;
      else if (!this.ubWrite.fits(w)) refused = RES_UB_WRITE;
      else if (!this.accRead.fits(a)) refused = RES_ACC_READ;
      else if (bytes > 0 && this.channel.left === 0) refused = RES_WEIGHT_MEMORY;
      if (refused !== RES_NONE) {
        this.refusedBy[u] = refused;
        continue;
      }
      this.ubRead.take(r);
      this.ubWrite.take(w);
      this.accRead.take(a);
      if (bytes > 0) this.weightGranted[u] = this.channel.grant(bytes);
      if (req.hostBytes[u] > 0) this.hostGranted[u] = this.hostLink.grant(req.hostBytes[u]);
      this.granted[u] = 1;
    }
  }
}

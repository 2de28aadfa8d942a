/**
 * One cycle's arbitration (docs/ARCHITECTURE.md "Shared resources"): units ask in the fixed order
 * matrix, activation, weight loader, vector, DMA; a port request is granted whole or not at all and a
 * refused unit is charged to the first refusing resource; on the weight-memory channel the loader
 * takes min(W, remaining) and VSGD what is left, up to its own limit. The DMA has the host link alone.
 */
import type { HwConfig } from "../../../src/config/hw-config.js";
import type { NaiveArray } from "./array.js";
import type { NaiveActivation, NaiveVector } from "./compute-units.js";
import type { Request } from "./cycle.js";
import { ACTIVATION, DMA, VECTOR, WEIGHTS } from "./ops.js";
import type { Resource } from "./record.js";
import type { NaiveDma, NaiveLoader } from "./transfer-units.js";

export interface Grants {
  /** Per unit (dma, weights, matrix, activation, vector); the matrix unit's is set when it streams. */
  granted: boolean[];
  refused: (Resource | null)[];
  loaderBytes: number;
  vectorBytes: number;
}

export interface Ports {
  ubRead: number;
  ubWrite: number;
  accRead: number;
}

export function arbitrate(hw: HwConfig, ports: Ports, u: { array: NaiveArray; act: NaiveActivation; loader: NaiveLoader; vec: NaiveVector; dma: NaiveDma }): Grants {
  const free = { ...ports };
  let channel = hw.weightBytesPerCycle;
  const g: Grants = { granted: [false, false, false, false, false], refused: [null, null, null, null, null], loaderBytes: 0, vectorBytes: 0 };
  const take = (unit: number, req: Request) => {
    const no: Resource | null =
      req.ubRead > free.ubRead ? "unifiedBufferRead" : req.ubWrite > free.ubWrite ? "unifiedBufferWrite" : req.accRead > free.accRead ? "accumulatorRead" : null;
    if (no) g.refused[unit] = no;
    else {
      free.ubRead -= req.ubRead;
      free.ubWrite -= req.ubWrite;
      free.accRead -= req.accRead;
      g.granted[unit] = true;
    }
  };
  // The matrix unit is first on the read ports it uses, and every port count is at least 1.
  const m = u.array.request();
  free.ubRead -= m.ubRead;
  free.accRead -= m.accRead;
  if (free.ubRead < 0 || free.accRead < 0) throw new Error("naive chip: the matrix unit was refused a port");
  if (u.act.cur) take(ACTIVATION, u.act.request());
  if (u.loader.cur) {
    const req = u.loader.request(hw.weightBytesPerCycle, hw.elementBytes);
    take(WEIGHTS, { ubRead: req.ubRead, ubWrite: 0, accRead: 0, channel: 0 });
    g.loaderBytes = req.channel;
    channel -= g.loaderBytes;
  }
  if (u.vec.cur) {
    const req = u.vec.request();
    if (u.vec.cur.op === "VSGD") {
      const bytes = Math.min(channel, req.channel);
      if (req.accRead > free.accRead) g.refused[VECTOR] = "accumulatorRead";
      else if (bytes === 0) g.refused[VECTOR] = "weightMemory";
      else {
        free.accRead -= req.accRead;
        g.vectorBytes = bytes;
        g.granted[VECTOR] = true;
      }
    } else take(VECTOR, req);
  }
  g.granted[DMA] = u.dma.cur !== null;
  return g;
}

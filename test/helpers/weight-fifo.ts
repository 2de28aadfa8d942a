/** A small weight FIFO (R = 2, C = 3) and a loader-like fill, shared by the weight-FIFO tests. */
import { buildHwConfig } from "../../src/config/hw-config.js";
import { WeightFifo } from "../../src/hw/weight-fifo.js";

export const R = 2;
export const C = 3;
export const fifoOf = (depth: number) => new WeightFifo(buildHwConfig("small", { rows: R, cols: C, weightFifoTiles: depth }));

/** Reserve and fill a rows x cols tile as the loader would: values id*100 + r*C + c + 1. */
export function load(f: WeightFifo, id: number, rows = R, cols = C): number {
  const slot = f.reserve(rows, cols);
  const base = f.slotOffset(slot);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f.tiles[base + r * C + c] = id * 100 + r * C + c + 1;
  return slot;
}

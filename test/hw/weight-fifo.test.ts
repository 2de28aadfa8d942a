/**
 * The weight FIFO driven by hand (src/hw/weight-fifo.ts): pushes and pops are staged and applied in
 * commit, tiles leave in the order they came, the ring wraps around, and a slot refilled with a
 * smaller tile holds zeros outside the new extent.
 */
import { describe, expect, it } from "vitest";
import { buildHwConfig } from "../../src/config/hw-config.js";
import { WeightFifo } from "../../src/hw/weight-fifo.js";

const R = 2;
const C = 3;
const fifoOf = (depth: number) => new WeightFifo(buildHwConfig("small", { rows: R, cols: C, weightFifoTiles: depth }));

/** A zero-padded R x C tile whose rows x cols values are id*100 + index. */
function tileValues(id: number, rows = R, cols = C): Float32Array {
  const t = new Float32Array(R * C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[r * C + c] = id * 100 + r * C + c + 1;
  return t;
}

function push(f: WeightFifo, id: number, rows = R, cols = C): void {
  f.staging.set(tileValues(id, rows, cols));
  f.stagePush(rows, cols);
}

interface Snapshot {
  occupancy: number;
  head: number[] | null;
  rows: number;
  cols: number;
}

function snap(f: WeightFifo): Snapshot {
  if (f.occupancy === 0) return { occupancy: 0, head: null, rows: 0, cols: 0 };
  const o = f.slotOffset(f.headSlot);
  return { occupancy: f.occupancy, head: Array.from(f.tiles.subarray(o, o + R * C)), rows: f.tileRows[f.headSlot], cols: f.tileCols[f.headSlot] };
}

const head = (id: number, rows = R, cols = C): Snapshot["head"] => Array.from(tileValues(id, rows, cols));

describe("WeightFifo", () => {
  it("applies staged pushes and pops only at commit", () => {
    const f = fifoOf(2);
    push(f, 1);
    expect(f.occupancy).toBe(0);
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 1, head: head(1), rows: R, cols: C });
    f.stagePop();
    expect(f.occupancy).toBe(1);
    f.commit();
    expect(f.occupancy).toBe(0);
  });

  it("keeps FIFO order across wrap-around, with a push and a pop in the same commit", () => {
    const f = fifoOf(3);
    const seen: Snapshot[] = [];
    push(f, 1, 1, 2);
    f.commit();
    push(f, 2);
    f.commit();
    push(f, 3, 2, 1);
    f.commit();
    seen.push(snap(f)); // full: 1, 2, 3
    f.stagePop();
    push(f, 4, 1, 1); // lands in slot 0, wrapping around
    f.commit();
    seen.push(snap(f));
    f.stagePop();
    f.commit();
    seen.push(snap(f));
    f.stagePop();
    push(f, 5);
    f.commit();
    seen.push(snap(f));
    f.stagePop();
    f.commit();
    seen.push(snap(f));
    f.stagePop();
    f.commit();
    seen.push(snap(f));
    expect(seen).toEqual([
      { occupancy: 3, head: head(1, 1, 2), rows: 1, cols: 2 },
      { occupancy: 3, head: head(2), rows: R, cols: C },
      { occupancy: 2, head: head(3, 2, 1), rows: 2, cols: 1 },
      { occupancy: 2, head: head(4, 1, 1), rows: 1, cols: 1 },
      { occupancy: 1, head: head(5), rows: R, cols: C },
      { occupancy: 0, head: null, rows: 0, cols: 0 },
    ]);
  });

  it("a slot refilled with a smaller tile is zero outside the new extent", () => {
    const f = fifoOf(1);
    push(f, 7); // full R x C tile
    f.commit();
    f.stagePop();
    f.commit();
    push(f, 8, 1, 1);
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 1, head: [801, 0, 0, 0, 0, 0], rows: 1, cols: 1 });
  });

  it("reset empties the ring and drops staged operations", () => {
    const f = fifoOf(2);
    push(f, 1);
    f.commit();
    push(f, 2);
    f.reset();
    f.commit();
    expect(f.occupancy).toBe(0);
    expect(f.headSlot).toBe(0);
  });
});

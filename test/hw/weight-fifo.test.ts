/**
 * The weight FIFO driven by hand (src/hw/weight-fifo.ts; docs/ARCHITECTURE.md "Weight loader (RDW,
 * RDWU) and weight FIFO"): a slot is reserved (filling) when its load issues, becomes ready at the
 * commit of the load's last cycle, shifting when the shifter starts on it, and free after the
 * shift's last step; tiles leave in the order they came, the ring wraps around, and a reserved slot
 * is zero outside its new extent.
 */
import { describe, expect, it } from "vitest";
import { SLOT_FILLING, SLOT_FREE, SLOT_READY, SLOT_SHIFTING, WeightFifo } from "../../src/hw/weight-fifo.js";
import { C, R, fifoOf, load } from "../helpers/weight-fifo.js";


const snap = (f: WeightFifo) => ({ occupancy: f.occupancy, head: f.headSlot, headState: f.headState, states: Array.from(f.state) });

describe("WeightFifo", () => {
  it("a slot goes filling -> ready -> shifting -> free, each change at commit", () => {
    const f = fifoOf(2);
    const slot = load(f, 1);
    expect(snap(f)).toEqual({ occupancy: 1, head: 0, headState: SLOT_FILLING, states: [SLOT_FILLING, SLOT_FREE] });
    f.stageReady(slot);
    expect(f.headState).toBe(SLOT_FILLING);
    f.commit();
    expect(f.headState).toBe(SLOT_READY);
    f.stageShiftStart();
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 1, head: 0, headState: SLOT_SHIFTING, states: [SLOT_SHIFTING, SLOT_FREE] });
    // The slot is still in use while its tile shifts: with depth 2 only one more load fits.
    load(f, 2);
    expect(f.occupancy).toBe(2);
    f.stageFreeHead();
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 1, head: 1, headState: SLOT_FILLING, states: [SLOT_FREE, SLOT_FILLING] });
  });

  it("keeps FIFO order across wrap-around; a one-step shift starts and frees in one commit", () => {
    const f = fifoOf(3);
    const order: number[] = [];
    for (const id of [1, 2, 3]) f.stageReady(load(f, id));
    f.commit();
    for (const id of [4, 5]) {
      order.push(f.tiles[f.slotOffset(f.headSlot)]);
      f.stageShiftStart();
      f.stageFreeHead();
      f.commit();
      f.stageReady(load(f, id));
      f.commit();
    }
    while (f.occupancy > 0) {
      order.push(f.tiles[f.slotOffset(f.headSlot)]);
      f.stageShiftStart();
      f.stageFreeHead();
      f.commit();
    }
    expect(order).toEqual([101, 201, 301, 401, 501]);
  });

  it("a reserved slot is zero outside the new tile's extent", () => {
    const f = fifoOf(1);
    f.stageReady(load(f, 7)); // full R x C tile
    f.commit();
    f.stageShiftStart();
    f.stageFreeHead();
    f.commit();
    const slot = f.reserve(1, 1);
    expect(Array.from(f.tiles.subarray(f.slotOffset(slot), f.slotOffset(slot) + R * C))).toEqual([0, 0, 0, 0, 0, 0]);
    expect([f.tileRows[slot], f.tileCols[slot]]).toEqual([1, 1]);
  });

  it("every slot of the ring, not only the first, is zero outside a new tile's extent", () => {
    const f = fifoOf(3);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) {
        const full = round === 0;
        const slot = f.reserve(full ? R : 1, full ? C : 2);
        expect(slot).toBe(i);
        const base = f.slotOffset(slot);
        // Round 0 fills each slot completely; round 1 reserves a 1 x 2 tile over it.
        if (full) for (let k = 0; k < R * C; k++) f.tiles[base + k] = 10 * (i + 1) + k;
        else expect(Array.from(f.tiles.subarray(base, base + R * C)), `slot ${i}`).toEqual(Array(R * C).fill(0));
        f.stageReady(slot);
        f.commit();
      }
      while (f.occupancy > 0) {
        f.stageShiftStart();
        f.stageFreeHead();
        f.commit();
      }
    }
  });

  it("a commit with nothing staged changes no register", () => {
    const f = fifoOf(3);
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 0, head: 0, headState: SLOT_FREE, states: [SLOT_FREE, SLOT_FREE, SLOT_FREE] });
    const slot = load(f, 1);
    f.commit();
    expect(snap(f)).toEqual({ occupancy: 1, head: 0, headState: SLOT_FILLING, states: [SLOT_FILLING, SLOT_FREE, SLOT_FREE] });
    f.stageReady(slot);
    f.commit();
    f.commit();
    expect(snap(f).states).toEqual([SLOT_READY, SLOT_FREE, SLOT_FREE]);
  });
});

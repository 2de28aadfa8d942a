/**
 * The weight FIFO's registers that fast mode's replay (src/sim/replay.ts) saves, restores and
 * prepares (src/hw/weight-fifo.ts `saveControl`, `restoreControl`, `prepareSlot`, `reserve(…, false)`;
 * docs/ARCHITECTURE.md "Replayed runs"). Added for mutation testing (docs/mutation/weight-fifo.md):
 * the replay tests reach these only from idle states, where no change is staged, and no test looked
 * at the slots next to the one being cleared.
 *
 * The reference is the FIFO itself: a FIFO restored from another's saved registers must then behave
 * exactly as the original, commit after commit, staged changes included; a slot's clear must leave
 * every value outside its old extent as it was.
 */
import { describe, expect, it } from "vitest";
import { SLOT_FILLING, SLOT_FREE, SLOT_READY, SLOT_SHIFTING, WeightFifo } from "../../src/hw/weight-fifo.js";
import { C, R, fifoOf, load } from "../helpers/weight-fifo.js";


/** A slot's R x C registers holding a rows x cols tile of `id` (zero padded), or all zeros (id 0). */
function padded(id: number, rows = R, cols = C): number[] {
  return Array.from({ length: R * C }, (_, i) => {
    const r = Math.floor(i / C);
    const c = i % C;
    return id > 0 && r < rows && c < cols ? id * 100 + i + 1 : 0;
  });
}

const slotValues = (f: WeightFifo, slot: number) => Array.from(f.tiles.subarray(f.slotOffset(slot), f.slotOffset(slot) + R * C));

/** Every register but the tile values, as the outside sees them. */
const regs = (f: WeightFifo) => ({
  occupancy: f.occupancy,
  head: f.headSlot,
  headState: f.headState,
  states: Array.from(f.state),
  rows: Array.from(f.tileRows),
  cols: Array.from(f.tileCols),
});

function saved(f: WeightFifo): number[] {
  const v: number[] = [];
  f.saveControl(v);
  return v;
}

describe("weight FIFO: a slot's clear stays inside its old extent", () => {
  it("reserving a slot over a full tile leaves the next slot's full tile untouched", () => {
    // Depth 3: slot 0 and slot 1 hold full tiles; slot 0's tile shifts out, and slot 0 is reserved
    // again (after slot 2) while slot 1's tile still waits. Slot 0's old extent is all R x C
    // values, which end where slot 1 begins: clearing one row or one value too many would zero slot
    // 1's first weights.
    const f = fifoOf(3);
    f.stageReady(load(f, 1));
    f.commit();
    f.stageReady(load(f, 2));
    f.commit();
    f.stageShiftStart();
    f.stageFreeHead();
    f.commit();
    f.stageReady(load(f, 3));
    f.commit();
    expect(f.reserve(1, 2)).toBe(0);
    expect(slotValues(f, 0)).toEqual(padded(0));
    expect(slotValues(f, 1)).toEqual(padded(2));
    expect(slotValues(f, 2)).toEqual(padded(3));
    expect(regs(f)).toEqual({
      occupancy: 3,
      head: 1,
      headState: SLOT_READY,
      states: [SLOT_FILLING, SLOT_READY, SLOT_READY],
      rows: [1, R, R],
      cols: [2, C, C],
    });
  });

  it("prepareSlot (a replay's reservation) clears the old extent, notes the new one and leaves the ring alone", () => {
    const f = fifoOf(2);
    f.stageReady(load(f, 1));
    f.commit();
    f.stageReady(load(f, 2, 1, 2));
    f.commit();
    const before = regs(f);
    f.prepareSlot(0, 2, 1);
    expect(slotValues(f, 0)).toEqual(padded(0));
    expect(slotValues(f, 1)).toEqual(padded(2, 1, 2));
    expect(regs(f)).toEqual({ ...before, rows: [2, 1], cols: [1, 2] });
  });
});

describe("weight FIFO: saved and restored registers", () => {
  it("a FIFO restored from another's registers behaves as the original, staged ready, shift and free included", () => {
    // One FIFO goes through a sequence; at every point a copy restored from its saved registers
    // (behind a prefix, as the replay's state vector has one) must give the same registers after
    // the same next commits.
    const a = fifoOf(3);
    const steps: ((f: WeightFifo) => void)[] = [
      (f) => f.reserve(R, C, false),
      (f) => f.stageReady(0),
      (f) => f.reserve(1, 2, false),
      (f) => f.stageShiftStart(),
      (f) => f.stageReady(1),
      (f) => f.stageFreeHead(),
      (f) => f.stageShiftStart(),
      (f) => f.reserve(2, 1, false),
      (f) => f.stageFreeHead(),
    ];
    for (let i = 0; i < steps.length; i++) {
      steps[i](a);
      const v = [7, -1, ...saved(a)];
      const b = fifoOf(3);
      expect(b.restoreControl(v, 2), `step ${i}`).toBe(v.length);
      expect(regs(b), `step ${i}: restored`).toEqual(regs(a));
      expect(saved(b), `step ${i}: saved again`).toEqual(saved(a));
      // The staged changes come out at the next commit, in both.
      const copy = fifoOf(3);
      copy.restoreControl(v, 2);
      a.commit();
      copy.commit();
      expect(regs(copy), `step ${i}: after a commit`).toEqual(regs(a));
    }
  });

  it("a staged shift or free is restored as staged, and nothing staged as nothing", () => {
    const a = fifoOf(2);
    a.stageReady(a.reserve(R, C, false));
    a.commit();
    a.reserve(1, 1, false);
    // Nothing staged: a restored copy's commit changes nothing.
    const idle = fifoOf(2);
    idle.restoreControl(saved(a), 0);
    idle.commit();
    expect(regs(idle)).toEqual({ occupancy: 2, head: 0, headState: SLOT_READY, states: [SLOT_READY, SLOT_FILLING], rows: [R, 1], cols: [C, 1] });
    // A staged shift alone: the head becomes SHIFTING and stays in the ring.
    a.stageShiftStart();
    const shifting = fifoOf(2);
    shifting.restoreControl(saved(a), 0);
    shifting.commit();
    expect(regs(shifting).states).toEqual([SLOT_SHIFTING, SLOT_FILLING]);
    expect(shifting.occupancy).toBe(2);
    // A staged free alone (the shift already committed): the head leaves the ring.
    a.commit();
    a.stageFreeHead();
    const freed = fifoOf(2);
    freed.restoreControl(saved(a), 0);
    freed.commit();
    expect(regs(freed)).toEqual({ occupancy: 1, head: 1, headState: SLOT_FILLING, states: [SLOT_FREE, SLOT_FILLING], rows: [R, 1], cols: [C, 1] });
  });

  it("reserve without clearing (a run resumed after a replay's fault) keeps the prepared values and notes the extent", () => {
    // As controller.ts does after a replay whose data faulted: the replay prepared and filled the
    // slot (prepareSlot, then the loader's values), the FIFO's registers went back to the run's
    // start (restoreControl), and the resumed run's reservation must keep the values it moved.
    // Depth 1, so the start state's slot is the one that held a full tile: a clear by the old
    // extent would wipe the moved values, and no note of the new extent would leave R x C.
    const f = fifoOf(1);
    f.stageReady(load(f, 1));
    f.commit();
    f.stageShiftStart();
    f.stageFreeHead();
    f.commit();
    const start = saved(f);
    const slot = 0;
    f.prepareSlot(slot, 1, 2);
    f.tiles[0] = 501;
    f.tiles[1] = 502;
    f.restoreControl(start, 0);
    expect([f.tileRows[slot], f.tileCols[slot]]).toEqual([R, C]);
    expect(f.reserve(1, 2, false)).toBe(slot);
    expect(slotValues(f, slot)).toEqual([501, 502, 0, 0, 0, 0]);
    expect([f.tileRows[slot], f.tileCols[slot]]).toEqual([1, 2]);
    expect(f.occupancy).toBe(1);
    expect(f.state[slot]).toBe(SLOT_FILLING);
  });
});

/**
 * Weight FIFO (TPU paper: "Weight FIFO", four tiles deep in TPU v1). docs/ARCHITECTURE.md "Weight
 * loader (RDW, RDWU) and weight FIFO".
 *
 * Registers:
 *   tiles      Float32Array(depth*R*C)  tile values in the array data type, zero padded     reset 0
 *   tileRows   Int32Array(depth)        valid rows of each slot's tile
 *   tileCols   Int32Array(depth)        valid columns of each slot's tile
 *   state      Uint8Array(depth)        FREE, FILLING (the loader writes it), READY, SHIFTING
 *   head,count                          ring pointer (oldest tile) and slots in use       reset empty
 * Inputs:  reserve (the controller, when a load issues), element writes and `ready` (the weight
 *          loader), shift start and shift end (the weight shifter).
 * Outputs: occupancy, the head slot and its state (current registers only).
 * A slot is reserved when its load issues, filled by the loader, ready at the end of the load's
 * last cycle, read row by row by the shifter, and free from the cycle after the shift's last step:
 * the FIFO holds exactly `depth` tiles. State changes are staged and applied in commit().
 */
import type { HwConfig } from "../config/hw-config.js";

export const SLOT_FREE = 0;
export const SLOT_FILLING = 1;
export const SLOT_READY = 2;
export const SLOT_SHIFTING = 3;

export class WeightFifo {
  readonly depth: number;
  readonly tileSize: number;
  readonly tiles: Float32Array;
  readonly tileRows: Int32Array;
  readonly tileCols: Int32Array;
  readonly state: Uint8Array;
  private head = 0;
  private count = 0;
  /** Staged: a slot becoming ready, the head starting to shift, the head being freed. */
  private readyPending = -1;
  private shiftPending = false;
  private freePending = false;
  private readonly cols: number;

  constructor(cfg: Readonly<HwConfig>) {
    this.cols = cfg.cols;
    this.depth = cfg.weightFifoTiles;
    this.tileSize = cfg.rows * cfg.cols;
    this.tiles = new Float32Array(this.depth * this.tileSize);
    this.tileRows = new Int32Array(this.depth);
    this.tileCols = new Int32Array(this.depth);
    this.state = new Uint8Array(this.depth);
  }

  /** Slots in use (filling, ready or shifting). */
  get occupancy(): number {
    return this.count;
  }

  /** Slot of the oldest tile (meaningful when occupancy > 0). */
  get headSlot(): number {
    return this.head;
  }

  /** State of the oldest slot, SLOT_FREE when empty. */
  get headState(): number {
    return this.count === 0 ? SLOT_FREE : this.state[this.head];
  }

  slotOffset(slot: number): number {
    return slot * this.tileSize;
  }

  /**
   * Reserve the next slot for a load of a rows x cols tile (a command at issue, applied at once so
   * the loader can write it this cycle). Clears the old tile's extent: padding is zero.
   * `clearTile` false: the slot's contents were already prepared (fast mode's replay, sim/replay.ts).
   */
  reserve(rows: number, cols: number, clearTile = true): number {
    const slot = (this.head + this.count) % this.depth;
    if (clearTile) this.prepareSlot(slot, rows, cols);
    else {
      this.tileRows[slot] = rows;
      this.tileCols[slot] = cols;
    }
    this.state[slot] = SLOT_FILLING;
    this.count++;
    return slot;
  }

  /** The contents' side of a reservation: clear the old tile's extent and note the new one. */
  prepareSlot(slot: number, rows: number, cols: number): void {
    const base = slot * this.tileSize;
    const C = this.cols;
    const tiles = this.tiles;
    for (let r = 0, n = this.tileRows[slot], m = this.tileCols[slot]; r < n; r++) {
      for (let i = base + r * C, end = i + m; i < end; i++) tiles[i] = 0;
    }
    this.tileRows[slot] = rows;
    this.tileCols[slot] = cols;
  }

  /** Registers other than the tiles' values, appended to `out` (fast mode's replay compares and restores them). */
  saveControl(out: number[]): void {
    out.push(this.head, this.count, this.readyPending, this.shiftPending ? 1 : 0, this.freePending ? 1 : 0);
    for (let s = 0; s < this.depth; s++) out.push(this.state[s], this.tileRows[s], this.tileCols[s]);
  }

  /** Restore what saveControl wrote from v[at...]; returns the index after it. */
  restoreControl(v: ArrayLike<number>, at: number): number {
    this.head = v[at++];
    this.count = v[at++];
    this.readyPending = v[at++];
    this.shiftPending = v[at++] === 1;
    this.freePending = v[at++] === 1;
    for (let s = 0; s < this.depth; s++) {
      this.state[s] = v[at++];
      this.tileRows[s] = v[at++];
      this.tileCols[s] = v[at++];
    }
    return at;
  }

  stageReady(slot: number): void {
    this.readyPending = slot;
  }

  stageShiftStart(): void {
    this.shiftPending = true;
  }

  stageFreeHead(): void {
    this.freePending = true;
  }

  commit(): void {
    if (this.readyPending >= 0) {
      this.state[this.readyPending] = SLOT_READY;
      this.readyPending = -1;
    }
    if (this.shiftPending) {
      this.state[this.head] = SLOT_SHIFTING;
      this.shiftPending = false;
    }
    if (this.freePending) {
      this.state[this.head] = SLOT_FREE;
      this.head = (this.head + 1) % this.depth;
      this.count--;
      this.freePending = false;
    }
  }
}

/**
 * Weight FIFO (TPU paper: "Weight FIFO", four tiles deep in TPU v1).
 *
 * Registers:
 *   tiles      Float32Array(depth*R*C)  tile values already in the array data type, zero padded
 *   tileRows   Int32Array(depth)        valid rows of each slot
 *   tileCols   Int32Array(depth)        valid columns of each slot
 *   head,count                          ring pointer and occupancy (reset: empty)
 * Inputs:  push (from the weight loader, at its completion), pop (by the weight shifter).
 * Outputs: occupancy, the head tile (current state only).
 * Latency: a tile pushed at cycle t can be popped from t+1 (docs/ARCHITECTURE.md "Weight loader").
 * Pushes and pops are staged and applied in commit().
 */
import type { HwConfig } from "../config/hw-config.js";
import { copyTileExtent } from "./tile-copy.js";

export class WeightFifo {
  readonly depth: number;
  readonly tileSize: number;
  readonly tiles: Float32Array;
  readonly tileRows: Int32Array;
  readonly tileCols: Int32Array;
  private head = 0;
  private count = 0;
  private pushPending = false;
  private popPending = false;
  /** Staging tile written by the weight loader; pushed at commit. */
  readonly staging: Float32Array;
  private stagingRows = 0;
  private stagingCols = 0;

  private readonly cols: number;
  /** Extent of the values currently in `staging` (what a refill must clear). */
  stagingDirtyRows = 0;
  stagingDirtyCols = 0;

  constructor(cfg: Readonly<HwConfig>) {
    this.cols = cfg.cols;
    this.depth = cfg.weightFifoTiles;
    this.tileSize = cfg.rows * cfg.cols;
    this.tiles = new Float32Array(this.depth * this.tileSize);
    this.tileRows = new Int32Array(this.depth);
    this.tileCols = new Int32Array(this.depth);
    this.staging = new Float32Array(this.tileSize);
  }

  get occupancy(): number {
    return this.count;
  }

  /** Slot index of the oldest tile (valid when occupancy > 0). */
  get headSlot(): number {
    return this.head;
  }

  /** Offset of a slot's values in `tiles`. */
  slotOffset(slot: number): number {
    return slot * this.tileSize;
  }

  /** Stage a push of `staging` (filled by the caller) with its valid extent. */
  stagePush(rows: number, cols: number): void {
    this.pushPending = true;
    this.stagingRows = rows;
    this.stagingCols = cols;
  }

  stagePop(): void {
    this.popPending = true;
  }

  commit(): void {
    if (this.popPending) {
      this.head = (this.head + 1) % this.depth;
      this.count--;
      this.popPending = false;
    }
    if (this.pushPending) {
      const slot = (this.head + this.count) % this.depth;
      copyTileExtent(this.staging, 0, this.tiles, slot * this.tileSize, this.cols,
        this.stagingRows, this.stagingCols, this.tileRows[slot], this.tileCols[slot]);
      this.tileRows[slot] = this.stagingRows;
      this.tileCols[slot] = this.stagingCols;
      this.count++;
      this.pushPending = false;
    }
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
    this.pushPending = false;
    this.popPending = false;
  }
}

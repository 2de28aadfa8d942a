/**
 * Shared resources (docs/ARCHITECTURE.md "Shared resources"): the unified-buffer read and write
 * ports, the accumulator read ports (each a PortGroup), the host link and the weight-memory channel
 * (each a ByteLink). Each class has two faces over one rule:
 *   - the grant face, used every cycle: `beginCycle()` refills the capacity, then requests are
 *     served in priority order (`fits`/`take` for whole row accesses, `grant` for bytes);
 *   - the prediction face, used by fast mode's event loop: requests that stay the same get the same
 *     grant every cycle, so the grant face runs once per interval of identical cycles; a port request
 *     keeps its grant until some request changes, and `steadyCycles` says how long a byte stream keeps
 *     its grant; `completionOf` gives a lone transfer's last cycle.
 * test/hw/ports.test.ts runs both faces on random request streams and requires the same cycles.
 */

/** A group of identical row ports: `capacity` whole row accesses per cycle. */
export class PortGroup {
  free = 0;

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  beginCycle(): void {
    this.free = this.capacity;
  }

  /** Can `n` more accesses be granted this cycle? Requests are granted whole or not at all. */
  fits(n: number): boolean {
    return n <= this.free;
  }

  take(n: number): void {
    this.free -= n;
  }
}

/** A link that moves bytes: `bytesPerCycle` (an integer) per cycle, served in priority order. */
export class ByteLink {
  left = 0;

  constructor(readonly bytesPerCycle: number) {
    this.left = bytesPerCycle;
  }

  beginCycle(): void {
    this.left = this.bytesPerCycle;
  }

  /** Hands out up to `want` bytes of what is left this cycle. */
  grant(want: number): number {
    const g = want < this.left ? want : this.left;
    this.left -= g;
    return g;
  }

  /**
   * Prediction face: a stream with `remaining` bytes granted `g` bytes per cycle (0 < g <= remaining)
   * keeps exactly that grant for this many cycles; after them it has finished or has less than g
   * bytes left (its last cycle takes the remainder).
   */
  static steadyCycles(remaining: number, g: number): number {
    return Math.floor(remaining / g);
  }

  /** Prediction face: the last cycle of a transfer of `bytes` that has the link to itself from t0. */
  completionOf(t0: number, bytes: number): number {
    return t0 + Math.ceil(bytes / this.bytesPerCycle) - 1;
  }
}

/**
 * The shared resources' two faces (src/hw/ports.ts; docs/ARCHITECTURE.md "Shared resources"): on
 * random request streams, serving the requests cycle by cycle (the grant face, as detailed mode does)
 * and jumping from event to event with one grant per interval (the prediction face, as fast mode
 * does) give every requester the same completion cycle.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteLink, PortGroup } from "../../src/hw/ports.js";

/** One requester, in priority order: from `start`, `accesses` ports per cycle and/or a byte stream. */
interface Requester {
  start: number;
  accesses: number;
  /** Port-only requesters: steps to do. */
  steps: number;
  /** Byte streams: total bytes and the most it takes per cycle. */
  bytes: number;
  limit: number;
}

interface Scenario {
  ports: number;
  width: number;
  requesters: Requester[];
}

const requester = (ports: number) =>
  fc.record({
    start: fc.integer({ min: 0, max: 12 }),
    accesses: fc.integer({ min: 0, max: ports }),
    steps: fc.integer({ min: 1, max: 9 }),
    bytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 90 })),
    limit: fc.integer({ min: 1, max: 40 }),
  });

const scenario: fc.Arbitrary<Scenario> = fc
  .record({ ports: fc.integer({ min: 1, max: 3 }), width: fc.integer({ min: 1, max: 24 }) })
  .chain(({ ports, width }) => fc.record({ ports: fc.constant(ports), width: fc.constant(width), requesters: fc.array(requester(ports), { minLength: 1, maxLength: 5 }) }));

/** This cycle's grants, in priority order: bytes per requester, 1 for a granted port-only step, 0 refused. */
function grants(s: Scenario, group: PortGroup, link: ByteLink, left: number[], t: number): number[] {
  group.beginCycle();
  link.beginCycle();
  return s.requesters.map((r, i) => {
    if (t < r.start || left[i] === 0) return 0;
    if (!group.fits(r.accesses) || (r.bytes > 0 && link.left === 0)) return 0;
    group.take(r.accesses);
    return r.bytes > 0 ? link.grant(Math.min(r.limit, left[i])) : 1;
  });
}

function initialLeft(s: Scenario): number[] {
  return s.requesters.map((r) => (r.bytes > 0 ? r.bytes : r.steps));
}

/** Grant face: every cycle. */
function perCycle(s: Scenario): number[] {
  const group = new PortGroup(s.ports);
  const link = new ByteLink(s.width);
  const left = initialLeft(s);
  const done = s.requesters.map(() => -1);
  for (let t = 0; done.includes(-1); t++) {
    if (t > 10_000) throw new Error("no progress");
    grants(s, group, link, left, t).forEach((g, i) => {
      left[i] -= g;
      if (g > 0 && left[i] === 0) done[i] = t;
    });
  }
  return done;
}

/** Prediction face: one grant per interval; the interval ends where a grant could change. */
function byIntervals(s: Scenario): number[] {
  const group = new PortGroup(s.ports);
  const link = new ByteLink(s.width);
  const left = initialLeft(s);
  const done = s.requesters.map(() => -1);
  let t = 0;
  while (done.includes(-1)) {
    const g = grants(s, group, link, left, t);
    let m = Number.POSITIVE_INFINITY;
    s.requesters.forEach((r, i) => {
      if (r.start > t && r.start - t < m) m = r.start - t;
      if (g[i] === 0) return;
      const n = r.bytes > 0 ? (g[i] >= left[i] ? 1 : ByteLink.steadyCycles(left[i], g[i])) : left[i];
      if (n < m) m = n;
    });
    if (m === Number.POSITIVE_INFINITY) throw new Error("no progress");
    g.forEach((gi, i) => {
      left[i] -= gi * m;
      if (gi > 0 && left[i] === 0) done[i] = t + m - 1;
    });
    t += m;
  }
  return done;
}

describe("shared resources: the grant face and the prediction face agree", () => {
  it("on random request streams (ports and byte streams, fixed priority)", () => {
    let granted = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const a = perCycle(s);
        const b = byIntervals(s);
        expect(b).toEqual(a);
        granted += a.length;
      }),
      { numRuns: 400, seed: 1307 },
    );
    expect(granted).toBeGreaterThan(400);
  });

  it("a lone transfer ends where completionOf says: t0 + ceil(bytes / width) - 1", () => {
    for (const [width, bytes, t0] of [[16, 40, 3], [7, 7, 0], [1, 5, 2], [48, 1000, 10]]) {
      const s: Scenario = { ports: 1, width, requesters: [{ start: t0, accesses: 0, steps: 1, bytes, limit: width }] };
      expect(perCycle(s)[0]).toBe(new ByteLink(width).completionOf(t0, bytes));
    }
  });

  it("a port group grants whole requests in priority order and refuses what does not fit", () => {
    const g = new PortGroup(2);
    g.beginCycle();
    expect(g.fits(1)).toBe(true);
    g.take(1);
    expect(g.fits(2)).toBe(false); // a two-access request is refused whole
    expect(g.fits(1)).toBe(true);
    g.take(1);
    expect(g.fits(1)).toBe(false);
    g.beginCycle();
    expect(g.free).toBe(2);
  });
});

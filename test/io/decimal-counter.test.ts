/**
 * The digit counter and the counted lines the trace sinks renumber repeated rows with: checked
 * against JavaScript's own number-to-text (String(n), what json2csv's number formatter and the
 * VCD's template strings write), across digit-count changes and for every step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecimalCounter, countedLinesBytes, isCountable, writeCountedLines } from "../../src/io/decimal-counter.js";

const SEED = 20261201;

/** Starts just below a power of ten, so the digit count changes within a few steps; or anywhere. */
const startArb = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 40 })).map(([p, below]) => Math.max(0, 10 ** p - below)),
  fc.integer({ min: 0, max: 2_000_000 }),
  fc.constant(0),
);
const stepArb = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5000 }));

describe("DecimalCounter", () => {
  it("writes String(n) after set() and after every add()", () => {
    fc.assert(
      fc.property(startArb, stepArb, fc.integer({ min: 1, max: 200 }), (start, step, adds) => {
        const counter = new DecimalCounter();
        const out = new Uint8Array(16);
        counter.set(start);
        let n = start;
        for (let i = 0; i <= adds; i++) {
          if (i > 0) {
            counter.add(step);
            n += step;
          }
          const end = counter.write(out, 0);
          expect(Buffer.from(out.subarray(0, end)).toString("latin1")).toBe(String(n));
          expect(counter.value).toBe(n);
          expect(counter.digitCount).toBe(String(n).length);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("holds every safe whole number, the largest included", () => {
    const counter = new DecimalCounter();
    const out = new Uint8Array(16);
    counter.set(Number.MAX_SAFE_INTEGER - 3);
    counter.add(3);
    expect(Buffer.from(out.subarray(0, counter.write(out, 0))).toString()).toBe("9007199254740991");
    expect(isCountable(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isCountable(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isCountable(-1)).toBe(false);
    expect(isCountable(2.5)).toBe(false);
  });
});

describe("writeCountedLines", () => {
  it("writes the lines a template string would, however many digits the numbers have", () => {
    const partArb = fc.string({ maxLength: 12 }).map((s) => Buffer.from(s));
    fc.assert(
      fc.property(fc.array(partArb, { minLength: 2, maxLength: 4 }), startArb, stepArb, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 5 }), (parts, start, step, rows, offset) => {
        const expected: string[] = [];
        for (let r = 0; r < rows; r++) expected.push(parts.map((p) => p.toString()).join(String(start + r * step)));
        const out = Buffer.alloc(offset + countedLinesBytes(parts, rows));
        const counter = new DecimalCounter();
        counter.set(start);
        const end = writeCountedLines(out, offset, parts, counter, rows, step);
        expect(out.subarray(offset, end).toString()).toBe(expected.join(""));
        // The counter is left at the last line's number.
        expect(counter.value).toBe(start + (rows - 1) * step);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

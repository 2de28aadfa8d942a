/**
 * The decimal text of a whole number that counts up, kept as ASCII digits so that a step costs a
 * carry instead of a number-to-text conversion, and written straight into a byte buffer; and lines
 * that differ only in such a number, written as copies of one line with the digits patched. The
 * trace sinks write repeated rows with them (a CSV run's cycle cell, a VCD clock pulse's times).
 */

/** Digits of Number.MAX_SAFE_INTEGER (9007199254740991). */
export const MAX_DECIMAL_DIGITS = 16;

/** Can the counter hold `n`: a whole number from 0 to Number.MAX_SAFE_INTEGER? */
export function isCountable(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Writes what `${n}` writes, for every countable n (tested against String(n)). */
export class DecimalCounter {
  /** The digits, right-aligned: digits[first .. MAX_DECIMAL_DIGITS - 1], most significant first. */
  private readonly digits = new Uint8Array(MAX_DECIMAL_DIGITS);
  private first = MAX_DECIMAL_DIGITS;
  private n = 0;
  /** The lowest digit index add() changed since mark(): digits above it are as they were then. */
  private low = MAX_DECIMAL_DIGITS;

  get value(): number {
    return this.n;
  }

  get digitCount(): number {
    return MAX_DECIMAL_DIGITS - this.first;
  }

  /** Starts from `n` (countable). */
  set(n: number): void {
    const d = this.digits;
    let i = MAX_DECIMAL_DIGITS;
    let v = n;
    do {
      const q = Math.floor(v / 10);
      d[--i] = 48 + (v - q * 10);
      v = q;
    } while (v > 0);
    this.first = i;
    this.n = n;
  }

  /** Adds `step` (a whole number >= 0; the sum must stay countable). */
  add(step: number): void {
    const d = this.digits;
    this.n += step;
    if (step === 1) {
      let i = MAX_DECIMAL_DIGITS - 1;
      while (i >= this.first && d[i] === 57) d[i--] = 48;
      if (i < this.first) {
        this.first = i;
        d[i] = 49;
      } else d[i]++;
      if (i < this.low) this.low = i;
      return;
    }
    let carry = step;
    let i = MAX_DECIMAL_DIGITS - 1;
    for (; carry > 0; i--) {
      if (i < this.first) {
        this.first = i;
        d[i] = 48;
      }
      const s = d[i] - 48 + carry;
      carry = Math.floor(s / 10);
      d[i] = 48 + (s - carry * 10);
    }
    if (i + 1 < this.low) this.low = i + 1;
  }

  /** Starts tracking which digits add() changes (writeChanged). */
  mark(): void {
    this.low = MAX_DECIMAL_DIGITS;
  }

  /**
   * Where the digits were written at `at` when mark() was called and the number has as many digits
   * now, writes only those that may have changed since; returns the position after the digits.
   */
  writeChanged(out: Uint8Array, at: number): number {
    const d = this.digits;
    let to = at + (this.low - this.first);
    for (let i = this.low; i < MAX_DECIMAL_DIGITS; i++) out[to++] = d[i];
    return to;
  }

  /** Writes the digits into `out` at `at`; returns the position after them. */
  write(out: Uint8Array, at: number): number {
    const d = this.digits;
    for (let i = this.first; i < MAX_DECIMAL_DIGITS; i++) out[at++] = d[i];
    return at;
  }
}

/** Bytes writeCountedLines may need for `rows` lines of `parts`. */
export function countedLinesBytes(parts: readonly Uint8Array[], rows: number): number {
  let fixed = 0;
  for (const p of parts) fixed += p.length;
  return rows * (fixed + (parts.length - 1) * MAX_DECIMAL_DIGITS);
}

const slotOffsets: number[] = [];

/**
 * Writes `rows` lines `parts[0] N parts[1] N ... parts[k]` into `out` at `at` (room for
 * countedLinesBytes), N being the counter's number, which starts at the first line's and steps by
 * `step` from line to line; it is left at the last line's. Returns the position after the lines.
 * Lines of as many digits are one line copied (doubling, native copies), then in each the digits
 * that differ from the first line's are patched.
 */
export function writeCountedLines(out: Buffer, at: number, parts: readonly Uint8Array[], counter: DecimalCounter, rows: number, step: number): number {
  let left = rows;
  while (left > 0) {
    if (left < rows) counter.add(step);
    // Lines until the number gains a digit.
    const digits = counter.digitCount;
    const n = Math.min(left, Math.ceil((10 ** digits - counter.value) / step));
    const start = at;
    slotOffsets.length = 0;
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) {
        slotOffsets.push(at - start);
        at = counter.write(out, at);
      }
      out.set(parts[i], at);
      at += parts[i].length;
    }
    counter.mark();
    const lineBytes = at - start;
    const end = start + n * lineBytes;
    for (let filled = lineBytes; start + filled < end; ) {
      const k = Math.min(filled, end - start - filled);
      out.copyWithin(start + filled, start, start + k);
      filled += k;
    }
    for (let r = 1, line = start + lineBytes; r < n; r++, line += lineBytes) {
      counter.add(step);
      for (let s = 0; s < slotOffsets.length; s++) counter.writeChanged(out, line + slotOffsets[s]);
    }
    at = end;
    left -= n;
  }
  return at;
}

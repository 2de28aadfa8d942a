/**
 * The header of a .npy file is a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces
 * (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html). This is a small parser
 * for exactly the literals that can appear there: dicts, tuples, lists, strings, ints and
 * True/False/None. Errors carry the byte offset in the file.
 */
import { UserInputError } from "../errors.js";

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: Located };

interface Located {
  value: PyValue;
  /** Character index of the value in the header text. */
  start: number;
  end: number;
}

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** File byte offsets of the values, for error messages about them. */
  descrOffset: number;
  shapeOffset: number;
}

export const NPY_HEADER_EXAMPLE = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)}";

class LiteralParser {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly fail: (detail: string, pos: number) => never,
  ) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return "the end of the header";
    return `"${this.text.slice(this.pos, this.pos + 12).trimEnd()}"`;
  }

  private expect(ch: string, context: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== ch) this.fail(`expected '${ch}' ${context}, found ${this.describeHere()}`, this.pos);
    this.pos++;
  }

  /** Items up to `close`, separated by commas, a trailing comma allowed (as Python writes `(3,)`). */
  private sequence(close: string, item: () => void): void {
    this.skipSpace();
    while (this.text[this.pos] !== close) {
      item();
      this.skipSpace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== close) {
        this.fail(`expected ',' or '${close}', found ${this.describeHere()}`, this.pos);
      }
      this.skipSpace();
    }
    this.pos++;
  }

  value(): Located {
    this.skipSpace();
    const start = this.pos;
    const ch = this.text[this.pos];
    let value: PyValue;
    if (ch === "{") {
      this.pos++;
      const dict: { [key: string]: Located } = {};
      this.sequence("}", () => {
        const key = this.value();
        if (typeof key.value !== "string") this.fail("dict keys must be strings", key.start);
        this.expect(":", `after the key '${key.value}'`);
        dict[key.value] = this.value();
      });
      value = dict;
    } else if (ch === "(" || ch === "[") {
      this.pos++;
      const items: PyValue[] = [];
      this.sequence(ch === "(" ? ")" : "]", () => items.push(this.value().value));
      value = items;
    } else if (ch === "'" || ch === '"') {
      value = this.string(ch);
    } else {
      const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(this.text.slice(this.pos));
      if (m === null) this.fail(`expected a Python literal, found ${this.describeHere()}`, this.pos);
      this.pos += m[0].length;
      value = m[1] !== undefined ? Number(m[1]) : m[2] === "None" ? null : m[2] === "True";
    }
    return { value, start, end: this.pos };
  }

  private string(quote: string): string {
    const start = this.pos++;
    let out = "";
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === "\\") this.pos++;
      out += this.text[this.pos++] ?? "";
    }
    if (this.pos >= this.text.length) this.fail("unterminated string", start);
    this.pos++;
    return out;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
}

/**
 * Parses the header text. `offsetOf(i)` maps a character index to a file byte offset (they differ
 * for the UTF-8 headers of format 3.0).
 */
export function parseNpyHeader(text: string, file: string, offsetOf: (i: number) => number): NpyHeader {
  const fail = (detail: string, pos: number): never => {
    throw new UserInputError(`malformed .npy header: ${detail}`, { file, offset: offsetOf(pos) });
  };
  const parser = new LiteralParser(text, fail);
  const top = parser.value();
  if (!parser.atEnd()) fail(`unexpected text after the header dict`, parser.pos);
  const dict = top.value;
  if (dict === null || typeof dict !== "object" || Array.isArray(dict)) {
    return fail(`expected a dict like ${NPY_HEADER_EXAMPLE}`, top.start);
  }
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!(key in dict)) fail(`the key '${key}' is missing`, top.start);
  }
  const descr = dict["descr"];
  if (typeof descr.value !== "string") {
    throw new UserInputError(
      `unsupported dtype ${text.slice(descr.start, descr.end)}: structured dtypes are not supported`,
      { file, offset: offsetOf(descr.start) },
    );
  }
  const fortran = dict["fortran_order"];
  if (typeof fortran.value !== "boolean") fail("'fortran_order' must be True or False", fortran.start);
  const shape = dict["shape"];
  const dims = shape.value;
  const isDim = (d: PyValue): d is number => typeof d === "number" && Number.isSafeInteger(d) && d >= 0;
  if (!Array.isArray(dims) || !dims.every(isDim)) {
    const shown = text.slice(shape.start, shape.end);
    return fail(`'shape' must be a tuple of non-negative integers, found ${shown}`, shape.start);
  }
  return {
    descr: descr.value,
    fortranOrder: fortran.value as boolean,
    shape: dims as number[],
    descrOffset: offsetOf(descr.start),
    shapeOffset: offsetOf(shape.start),
  };
}

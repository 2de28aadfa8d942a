/**
 * Typed errors. The CLI prints `message` on one line (no stack trace) for every TpusimError;
 * anything else reaching the top is a bug in tpusim.
 */
export class TpusimError extends Error {
  override readonly name: string = "TpusimError";
}

/** Where a piece of user input lives: a file plus a line/column, a JSON path or a byte offset. */
export interface InputLocation {
  file?: string;
  line?: number;
  col?: number;
  jsonPath?: string;
  offset?: number;
  field?: string;
}

/** Bad input from the user: a spec, an assembly line, a data file, a flag. */
export class UserInputError extends TpusimError {
  override readonly name = "UserInputError";
  constructor(
    readonly detail: string,
    readonly where: InputLocation = {},
  ) {
    super(formatLocation(where) + detail);
  }
}

/** Something went wrong while the machine ran: names the cycle, the unit and the instruction. */
export class RuntimeFault extends TpusimError {
  override readonly name = "RuntimeFault";
  constructor(
    readonly detail: string,
    readonly cycle: number,
    readonly unit: string,
    readonly instruction: string,
  ) {
    super(`cycle ${cycle}, ${unit}${instruction ? `, instruction ${instruction}` : ""}: ${detail}`);
  }
}

/** An output file could not be written (full disk, unwritable folder). */
export class OutputError extends TpusimError {
  override readonly name = "OutputError";
}

export function formatLocation(w: InputLocation): string {
  const parts: string[] = [];
  if (w.file !== undefined) {
    let s = w.file;
    if (w.line !== undefined) s += `:${w.line}`;
    if (w.line !== undefined && w.col !== undefined) s += `:${w.col}`;
    parts.push(s);
  }
  if (w.jsonPath !== undefined) parts.push(w.jsonPath);
  if (w.offset !== undefined) parts.push(`byte offset ${w.offset}`);
  if (w.field !== undefined) parts.push(`field ${w.field}`);
  return parts.length ? parts.join(", ") + ": " : "";
}

/** A user's value for a message: shortened, and safe for values nested too deeply to stringify. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // Nested too deeply for JSON.stringify's recursion: the opening bracket is enough to recognise it.
    s = Array.isArray(v) ? "[...]" : "{...}";
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

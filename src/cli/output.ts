/**
 * How commands speak: with --json exactly one JSON object on stdout, otherwise human text. Errors are
 * one line on stderr (no stack trace for anything tpusim diagnoses) and a non-zero exit code.
 */
import { TpusimError, UserInputError } from "../errors.js";

export const EXIT_USER_ERROR = 1;
export const EXIT_RUNTIME_FAULT = 2;
export const EXIT_INTERRUPTED = 130;
export const EXIT_INTERNAL = 70;

/** A file a command wrote: what it is ("trace", "weights", ...) and where. */
export interface WrittenFile {
  role: string;
  path: string;
}

/**
 * The command's result. With `files`, every file it wrote is named: in the JSON object (`files`, and
 * `createdFolders` when it made one, such as traces/), or on stderr, one line each, for people.
 */
/** Folders this process created for its outputs (traces/): reported with the files. */
export const createdFolders: string[] = [];

export function emit(json: boolean, result: unknown, human: () => string, files?: readonly WrittenFile[]): void {
  if (json) {
    const extra = files === undefined ? {} : { files, ...(createdFolders.length > 0 ? { createdFolders } : {}) };
    process.stdout.write(JSON.stringify({ ...(result as object), ...extra }, jsonReplacer) + "\n");
    return;
  }
  process.stdout.write(human().replace(/\n?$/, "\n"));
  if (files === undefined) return;
  for (const f of createdFolders) process.stderr.write(`tpusim: created the folder ${f}/ for the output\n`);
  for (const f of files ?? []) process.stderr.write(`tpusim: wrote ${f.path} (${f.role})\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array) return Array.from(value);
  return value;
}

export class Interrupted extends TpusimError {
  override readonly name = "Interrupted";
  constructor(message = "interrupted (SIGINT): stopped cleanly; no partial file was left under a final name") {
    super(message);
  }
}

/** Print an error the tpusim way and return the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof Interrupted) {
    process.stderr.write(`tpusim: ${err.message}\n`);
    return EXIT_INTERRUPTED;
  }
  if (err instanceof TpusimError) {
    process.stderr.write(`tpusim: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
    return err instanceof UserInputError || err.name === "OutputError" ? EXIT_USER_ERROR : EXIT_RUNTIME_FAULT;
  }
  const e = err as Error;
  process.stderr.write(`tpusim: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.TPUSIM_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  else process.stderr.write("tpusim: (set TPUSIM_DEBUG=1 for a stack trace; this is a bug, please report it)\n");
  return EXIT_INTERNAL;
}

/** Human formatting helpers. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function fmtPct(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

/**
 * Reading a user-named input file. Node's own errors ("ENOENT: no such file or directory, open
 * ...") are replaced by one-line UserInputErrors so every data reader reports a missing file alike.
 */
import { readFileSync } from "node:fs";
import { UserInputError } from "../errors.js";

export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "cannot read the file: it does not exist";
    case "EACCES":
    case "EPERM":
      return "cannot read the file: permission denied";
    case "EISDIR":
      return "cannot read the file: it is a folder";
    case "ENOTDIR":
      return "cannot read the file: part of its path is a file, not a folder";
    default:
      return `cannot read the file: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The whole file as bytes (a plain Uint8Array view, not a pooled Buffer slice). */
export function readInputBytes(path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw new UserInputError(describeReadError(err), { file: path });
  }
}

/** The whole file as UTF-8 text. */
export function readInputText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UserInputError(describeReadError(err), { file: path });
  }
}

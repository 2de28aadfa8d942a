/**
 * No output may overwrite an input, or another output of the same command. Paths are compared as
 * files, not strings: relative paths and symlinks are resolved (an existing file by its realpath, a
 * file not yet written by the realpath of its folder), and two existing names for one file (a hard
 * link) are caught by device and inode. Commands call refuseClobber before any work is done.
 */
import { realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserInputError } from "../errors.js";

/** A file named on the command line: the flag or argument that named it, and the path as given. */
export interface NamedPath {
  /** "--out", "--trace", "input A", "workload", ... */
  flag: string;
  path: string;
}

interface FileIdentity {
  /** Absolute path with every symlink of the existing part resolved. */
  canonical: string;
  /** "dev:ino" of an existing file, else null. */
  inode: string | null;
}

function identify(path: string): FileIdentity {
  const absolute = resolve(path);
  try {
    const st = statSync(absolute);
    return { canonical: realpathSync(absolute), inode: `${st.dev}:${st.ino}` };
  } catch {
    // Not written yet: the folder it will land in decides which file it is.
    return { canonical: join(canonicalFolder(dirname(absolute)), basename(absolute)), inode: null };
  }
}

/** realpath of the deepest existing ancestor, with the missing tail appended. */
function canonicalFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    const parent = dirname(dir);
    return parent === dir ? dir : join(canonicalFolder(parent), basename(dir));
  }
}

function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.canonical === b.canonical || (a.inode !== null && a.inode === b.inode);
}

/**
 * Throws a one-line UserInputError when an output names the same file as an input or as an earlier
 * output. Undefined paths (flags not given) are skipped, so callers can pass optional flags as they are.
 */
export function refuseClobber(inputs: readonly (NamedPath | undefined)[], outputs: readonly (NamedPath | undefined)[]): void {
  const ins = inputs.filter(given).map((p) => ({ ...p, id: identify(p.path) }));
  const outs = outputs.filter(given).map((p) => ({ ...p, id: identify(p.path) }));
  for (const [i, out] of outs.entries()) {
    const input = ins.find((x) => sameFile(x.id, out.id));
    if (input) {
      throw new UserInputError(
        `${out.flag} ${out.path} is the same file as ${input.flag} ${input.path}${samePathNote(out, input)}: ` +
          "refusing to overwrite an input; choose another output path",
      );
    }
    const earlier = outs.slice(0, i).find((x) => sameFile(x.id, out.id));
    if (earlier) {
      throw new UserInputError(
        `${earlier.flag} ${earlier.path} and ${out.flag} ${out.path} are the same file${samePathNote(out, earlier)}: ` +
          "one output would overwrite the other; give them different paths",
      );
    }
  }
}

function given(p: NamedPath | undefined): p is NamedPath {
  return p !== undefined && typeof p.path === "string" && p.path !== "";
}

/** When the two spellings differ, say what they both resolve to. */
function samePathNote(a: NamedPath & { id: FileIdentity }, b: NamedPath & { id: FileIdentity }): string {
  if (a.path === b.path) return "";
  return a.id.canonical === b.id.canonical ? ` (both are ${a.id.canonical})` : " (two names for one file: a hard link)";
}

/** `{ flag, path }` when `path` is a string, else undefined (an optional flag not given). */
export function named(flag: string, path: unknown): NamedPath | undefined {
  return typeof path === "string" ? { flag, path } : undefined;
}

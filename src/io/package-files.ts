/**
 * Files that ship with tpusim (workloads/, examples/), found from anywhere: an installed `tpusim`
 * (npm link, npm install -g) runs in the user's folder, where `workloads/mnist-784-16-16-10.json`
 * does not exist. A path that names nothing in the working folder but names a shipped file, by the
 * same relative path or by its bare name, means the shipped file.
 */
import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's folder (this file is dist/src/io/package-files.js, or src/io/package-files.ts under a TS runner). */
export function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  return resolve(dirname(here), /[\\/]dist[\\/]src[\\/]io$/.test(dirname(here)) ? "../../.." : "../..");
}

const SHIPPED_FOLDERS = ["workloads", "examples"];

/** `path` itself when it exists (or is absolute), else the shipped file it names, else `path` unchanged. */
export function resolveShipped(path: string): string {
  if (existsSync(path) || isAbsolute(path)) return path;
  const root = packageRoot();
  const rel = normalize(path);
  const names = /\.[A-Za-z]+$/.test(rel) ? [basename(rel)] : [basename(rel), `${basename(rel)}.json`];
  const candidates = [join(root, rel), ...SHIPPED_FOLDERS.flatMap((f) => names.map((n) => join(root, f, n)))];
  return candidates.find((c) => c.startsWith(root) && SHIPPED_FOLDERS.some((f) => c.startsWith(join(root, f))) && existsSync(c)) ?? path;
}

/**
 * Helpers for tests that spawn the real CLI (`node dist/src/cli/main.js`): a build-once guard shared
 * by test files running in parallel, an async runner, the checks every bad-input case makes (a
 * one-line `tpusim: ...` error, no stack frames, a non-zero exit) and temporary folders.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = join(REPO, "dist/src/cli/main.js");
export const FIXTURES = join(REPO, "test/fixtures");
export const PROGRAMS = join(FIXTURES, "programs");
export const WORKLOAD = join(REPO, "workloads/mnist-784-16-16-10.json");

/** Newest modification time under `dir` of files ending in `ext`. */
function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function upToDate(): boolean {
  try {
    return statSync(CLI).mtimeMs >= newest(join(REPO, "src"), ".ts");
  } catch {
    return false;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds dist with `npx tsc -p .` when it is older than src. Test files run in parallel processes, so
 * a lock folder makes one of them build while the others wait. Type errors (someone else's edit in
 * progress) do not stop the tests as long as tsc emitted the CLI: `npm test` type-checks separately.
 */
export function ensureBuilt(): void {
  if (upToDate()) return;
  const lock = join(tmpdir(), `tpusim-build-lock-${Buffer.from(REPO).toString("hex").slice(-24)}`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (upToDate()) return;
      // A lock older than the longest build is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 90_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // Removed by its owner meanwhile.
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      sleep(200);
    }
  }
  try {
    if (upToDate()) return;
    const r = spawnSync("npx", ["tsc", "-p", "."], { cwd: REPO, encoding: "utf8" });
    if (r.status !== 0) process.stderr.write(`test/cli/helpers: tsc reported errors; testing what it emitted\n${r.stdout}`);
    statSync(CLI);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Called once the process has started (e.g. to send it a signal later). */
  onSpawn?: (pid: number) => void;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Called with stderr text as it arrives. */
  onStderr?: (text: string) => void;
}

/** Runs `tpusim ...args` to completion. Never rejects on a non-zero exit. */
export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, ...opts.env };
    delete env.TPUSIM_DEBUG;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
      opts.onStderr?.(s);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("spawn", () => opts.onSpawn?.(child.pid as number));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Lines of stderr without the trailing empty one. */
export function stderrLines(r: CliResult): string[] {
  return r.stderr.replace(/\n$/, "").split("\n");
}

/**
 * The tpusim error contract: a non-zero exit code (`code` when given), stderr's last line is
 * `tpusim: ...` and matches every pattern, and no stack frame appears on either stream. Returns the
 * last line for further checks.
 */
export function expectCliError(r: CliResult, patterns: readonly (RegExp | string)[], code?: number): string {
  const last = stderrLines(r).at(-1) ?? "";
  const context = `stderr was:\n${r.stderr}`;
  expect(r.signal, context).toBeNull();
  if (code === undefined) expect(r.code, context).not.toBe(0);
  else expect(r.code, context).toBe(code);
  expect(last, context).toMatch(/^tpusim: \S/);
  for (const p of patterns) {
    if (typeof p === "string") expect(last, context).toContain(p);
    else expect(last, context).toMatch(p);
  }
  expect(r.stderr + r.stdout).not.toMatch(/^\s{4}at /m);
  expect(r.stderr).not.toMatch(/internal error/);
  return last;
}

/**
 * A flag or argument error (issue 19): one line that ends by pointing at the command's help, and not
 * the help itself.
 */
export function expectUsage(r: CliResult): void {
  expect(r.stderr).not.toMatch(/Options:/);
  expect(stderrLines(r), `stderr was:\n${r.stderr}`).toHaveLength(1);
  expect(stderrLines(r)[0]).toMatch(/ \(see tpusim( [a-z]+)? --help\)$/);
}

/** A fresh folder under the OS temp folder; remove it with removeTemp. */
export function makeTemp(prefix = "tpusim-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every entry of a folder, hidden temp files included. */
export function listing(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Runs async jobs with at most `limit` at a time (two cores are shared by every test file). */
export async function inPool<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

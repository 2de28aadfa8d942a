/**
 * Atomic file output: every file tpusim writes goes to a temp name in the destination folder,
 * is fsynced, and is then renamed over the final name. A crash, a full disk or Ctrl-C therefore
 * leaves either the old file or the complete new one, never a half-written file.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type WriteStream,
} from "node:fs";
import { rename } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutputError } from "../errors.js";

export interface AtomicStream {
  /** An fs.WriteStream on the temp file. */
  readonly stream: NodeJS.WritableStream;
  /** Ends the stream, waits until the data is flushed to disk, then renames it to the final name. */
  commit(): Promise<void>;
  /** Discards everything: destroys the stream and removes the temp file. */
  abort(): Promise<void>;
}

interface PendingStream {
  readonly tempPath: string;
  readonly stream: WriteStream;
  state: "open" | "committing" | "committed" | "aborted";
}

/**
 * Temp files of streams not yet committed or aborted. This is process-wide state on purpose: a
 * SIGINT handler has no other way to find the files that must not outlive the process.
 */
const pending = new Set<PendingStream>();

/** `.<basename>.tmp-<pid>-<random>` beside the final file, so the rename never crosses file systems. */
function tempPathFor(path: string): string {
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/** Turns a Node file-system error into a one-line sentence naming the file the user asked for. */
export function describeWriteError(err: unknown, path: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOSPC":
      return `disk full while writing ${path}`;
    case "EDQUOT":
      return `disk quota exceeded while writing ${path}`;
    case "EACCES":
    case "EPERM":
      return `cannot write ${path}: permission denied`;
    case "ENOENT":
      return `cannot write ${path}: folder ${dirname(path)} does not exist`;
    case "ENOTDIR":
      return `cannot write ${path}: part of the path ${dirname(path)} is a file, not a folder`;
    case "EISDIR":
      return `cannot write ${path}: it is a folder`;
    case "EROFS":
      return `cannot write ${path}: the file system is read-only`;
    case "ENAMETOOLONG":
      return `cannot write ${path}: the file name is too long`;
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return `cannot write ${path}: ${message}`;
    }
  }
}

function removeQuietly(path: string): void {
  // The temp file may never have been created, or may already be gone; neither is an error here.
  try {
    rmSync(path, { force: true });
  } catch {
    return;
  }
}

/** Writes the whole file synchronously and atomically. Throws OutputError on any failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tempPath = tempPathFor(path);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  try {
    fd = openSync(tempPath, "wx");
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tempPath, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // The write already failed; that error is the one worth reporting.
      }
    }
    removeQuietly(tempPath);
    throw new OutputError(describeWriteError(err, path));
  }
}

/**
 * Checks, before a long run, that `path` could be written later: creates and removes a temp file
 * beside it. Throws OutputError naming the problem (missing folder, no permission).
 */
export function checkWritable(path: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    // Missing or unreachable: opening the temp file below reports why.
  }
  // The temp file would be created, but the final rename onto a folder would fail after the run.
  if (isFolder) {
    throw new OutputError(describeWriteError(Object.assign(new Error(), { code: "EISDIR" }), path));
  }
  const tempPath = tempPathFor(path);
  try {
    closeSync(openSync(tempPath, "wx"));
  } catch (err) {
    throw new OutputError(describeWriteError(err, path));
  } finally {
    removeQuietly(tempPath);
  }
}

function whenClosed(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) resolve();
    else stream.once("close", () => resolve());
  });
}

/**
 * Opens a streaming atomic writer (`highWaterMark`: bytes the stream buffers before write() asks
 * the producer to wait; Node's default, 16 KiB, when not given). The temp file is opened synchronously, so a missing or
 * unwritable folder throws OutputError here, before a long simulation runs; errors that happen
 * while writing (a full disk) are reported by commit().
 */
export function openAtomicStream(path: string, highWaterMark?: number): AtomicStream {
  const tempPath = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(tempPath, "wx");
  } catch (err) {
    throw new OutputError(describeWriteError(err, path));
  }
  // flush: the stream fsyncs before closing, so the rename publishes data that is on disk.
  const stream = createWriteStream(tempPath, highWaterMark === undefined ? { fd, flush: true } : { fd, flush: true, highWaterMark });
  const entry: PendingStream = { tempPath, stream, state: "open" };
  let firstError: unknown;
  stream.on("error", (err) => {
    firstError ??= err;
  });
  pending.add(entry);

  return {
    stream,
    async commit(): Promise<void> {
      if (entry.state !== "open") {
        throw new OutputError(`cannot finish writing ${path}: the output was already ${entry.state}`);
      }
      entry.state = "committing";
      stream.end();
      await whenClosed(stream);
      try {
        if (firstError !== undefined) throw firstError;
        // Aborted by abortPendingWrites() while the data was being flushed.
        if ((entry.state as PendingStream["state"]) === "aborted") {
          throw new Error("the write was interrupted");
        }
        await rename(tempPath, path);
        entry.state = "committed";
      } catch (err) {
        entry.state = "aborted";
        removeQuietly(tempPath);
        throw new OutputError(describeWriteError(err, path));
      } finally {
        pending.delete(entry);
      }
    },
    async abort(): Promise<void> {
      if (entry.state === "committed" || entry.state === "aborted") return;
      entry.state = "aborted";
      pending.delete(entry);
      stream.destroy();
      await whenClosed(stream);
      removeQuietly(tempPath);
    },
  };
}

/**
 * Synchronously removes the temp file of every open AtomicStream. Meant for a SIGINT handler:
 * afterwards no half-written file exists under a final or a temp name.
 */
export function abortPendingWrites(): void {
  for (const entry of pending) {
    entry.state = "aborted";
    entry.stream.destroy();
    removeQuietly(entry.tempPath);
  }
  pending.clear();
}

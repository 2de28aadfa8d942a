import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { OutputError } from "../../src/errors.js";
import {
  abortPendingWrites,
  describeWriteError,
  openAtomicStream,
  writeFileAtomic,
} from "../../src/io/atomic-write.js";

// writeSync fails on demand so a mid-write ENOSPC can be simulated even when running as root.
const fault = vi.hoisted(() => ({ code: "" }));
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const writeSync = ((...args: Parameters<typeof real.writeSync>) => {
    if (fault.code) throw Object.assign(new Error(fault.code), { code: fault.code });
    return real.writeSync(...args);
  }) as typeof real.writeSync;
  return { ...real, writeSync };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tpusim-atomic-"));
});
afterEach(() => {
  fault.code = "";
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

// Root ignores folder permissions, so permission tests would pass vacuously or fail spuriously.
const isRoot = process.getuid?.() === 0;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("writeFileAtomic", () => {
  it("writes strings and bytes and leaves only the final file", () => {
    writeFileAtomic(join(dir, "a.txt"), "hello\n");
    writeFileAtomic(join(dir, "b.bin"), new Uint8Array([1, 2, 255]));
    expect(readFileSync(join(dir, "a.txt"), "utf8")).toBe("hello\n");
    expect([...readFileSync(join(dir, "b.bin"))]).toEqual([1, 2, 255]);
    expect(readdirSync(dir).sort()).toEqual(["a.txt", "b.bin"]);
  });

  it("replaces an existing file", () => {
    const path = join(dir, "x.txt");
    writeFileSync(path, "old contents that are longer");
    writeFileAtomic(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
  });

  it("reports a missing folder as OutputError naming the folder", () => {
    const path = join(dir, "missing", "out.csv");
    const err = thrown(() => writeFileAtomic(path, "x"));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(`cannot write ${path}: folder ${join(dir, "missing")} does not exist`);
  });

  it("reports a folder as the target and leaves no temp file", () => {
    mkdirSync(join(dir, "sub"));
    const err = thrown(() => writeFileAtomic(join(dir, "sub"), "x"));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain("it is a folder");
    expect(readdirSync(dir)).toEqual(["sub"]);
  });

  it("reports a failure after the temp file exists and removes the temp file", () => {
    fault.code = "ENOSPC";
    const path = join(dir, "big.bin");
    const err = thrown(() => writeFileAtomic(path, new Uint8Array(10)));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(`disk full while writing ${path}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("reports a file used as a folder", () => {
    writeFileSync(join(dir, "plain"), "");
    const err = thrown(() => writeFileAtomic(join(dir, "plain", "out.txt"), "x"));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain("is a file, not a folder");
    expect(readdirSync(dir)).toEqual(["plain"]);
  });

  it.skipIf(isRoot)("reports an unwritable folder as OutputError and leaves no temp file", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const err = thrown(() => writeFileAtomic(join(locked, "out.txt"), "x"));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain("permission denied");
    expect(readdirSync(locked)).toEqual([]);
    chmodSync(locked, 0o755);
  });
});

describe("describeWriteError", () => {
  it("gives one-line sentences for the common errno codes", () => {
    const e = (code: string) => Object.assign(new Error(code), { code });
    expect(describeWriteError(e("ENOSPC"), "/o/t.csv")).toBe("disk full while writing /o/t.csv");
    expect(describeWriteError(e("EACCES"), "/o/t.csv")).toBe("cannot write /o/t.csv: permission denied");
    expect(describeWriteError(e("EPERM"), "/o/t.csv")).toBe("cannot write /o/t.csv: permission denied");
    expect(describeWriteError(e("EISDIR"), "/o/t.csv")).toBe("cannot write /o/t.csv: it is a folder");
    expect(describeWriteError(e("EWEIRD"), "/o/t.csv")).toBe("cannot write /o/t.csv: EWEIRD");
  });
});

describe("openAtomicStream", () => {
  it("publishes the file only on commit", async () => {
    const path = join(dir, "trace.csv");
    const out = openAtomicStream(path);
    out.stream.write("a,b\n");
    out.stream.write("1,2\n");
    expect(existsSync(path)).toBe(false);
    await out.commit();
    expect(readFileSync(path, "utf8")).toBe("a,b\n1,2\n");
    expect(readdirSync(dir)).toEqual(["trace.csv"]);
  });

  it("abort leaves neither the temp file nor the final file", async () => {
    const path = join(dir, "trace.csv");
    const out = openAtomicStream(path);
    out.stream.write("partial");
    expect(readdirSync(dir)).toHaveLength(1);
    await out.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(out.commit()).rejects.toBeInstanceOf(OutputError);
  });

  it("abort keeps the previous file when one existed", async () => {
    const path = join(dir, "trace.csv");
    writeFileSync(path, "previous");
    const out = openAtomicStream(path);
    out.stream.write("new");
    await out.abort();
    expect(readFileSync(path, "utf8")).toBe("previous");
    expect(readdirSync(dir)).toEqual(["trace.csv"]);
  });

  it("throws OutputError at open for a missing folder", () => {
    const err = thrown(() => openAtomicStream(join(dir, "nope", "t.vcd")));
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain("does not exist");
  });

  it("surfaces a stream error as OutputError from commit and removes the temp file", async () => {
    const out = openAtomicStream(join(dir, "t.vcd"));
    out.stream.emit("error", Object.assign(new Error("no space"), { code: "ENOSPC" }));
    await expect(out.commit()).rejects.toThrow(`disk full while writing ${join(dir, "t.vcd")}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("abortPendingWrites removes every open temp file synchronously", async () => {
    const a = openAtomicStream(join(dir, "a.csv"));
    const b = openAtomicStream(join(dir, "b.csv"));
    const done = openAtomicStream(join(dir, "done.csv"));
    a.stream.write("x");
    b.stream.write("y");
    done.stream.write("z");
    await done.commit();
    expect(readdirSync(dir)).toHaveLength(3);
    abortPendingWrites();
    expect(readdirSync(dir)).toEqual(["done.csv"]);
    await expect(a.commit()).rejects.toBeInstanceOf(OutputError);
    await b.abort();
    expect(readdirSync(dir)).toEqual(["done.csv"]);
  });
});

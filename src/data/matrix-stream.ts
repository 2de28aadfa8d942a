/**
 * Matrices too big to hold twice: rows read on demand from a .npy file (positional reads, any
 * supported dtype, C or Fortran order) or a CSV file (matrix-csv-rows.ts), and products written
 * row block by row block to .npy or CSV through an atomic stream.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { endianness } from "node:os";
import { UserInputError } from "../errors.js";
import { openAtomicStream, type AtomicStream } from "../io/atomic-write.js";
import { matrixFormatOf, type MatrixReadOptions } from "./matrix.js";
import { openCsvRows } from "./matrix-csv-rows.js";
import { checkNpyLength, npyElementBytes, npyHeaderBytes, parseNpyPreamble, type NpyOutputType, type NpyPreamble } from "./npy.js";
import { describeReadError } from "./read-input.js";

export interface MatrixRowSource {
  readonly file: string;
  readonly rows: number;
  readonly cols: number;
  /** Rows [r0, r0 + n), all columns, row-major into `out` from `at`. */
  readRows(r0: number, n: number, out: Float64Array, at: number): void;
  close(): void;
}

export function openMatrixRows(path: string, opts: MatrixReadOptions = {}): MatrixRowSource {
  return matrixFormatOf(path) === "npy" ? openNpyRows(path) : openCsvRows(path, opts);
}

const LITTLE_ENDIAN = endianness() === "LE";

function openNpyRows(path: string): MatrixRowSource {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new UserInputError(describeReadError(err), { file: path });
  }
  try {
    const size = fstatSync(fd).size;
    const first = readAt(fd, 0, Math.min(size, 12));
    // Header length: u16 at 8 (version 1), u32 at 8 (versions 2, 3); parseNpyPreamble checks the rest.
    const wide = first.length >= 12 && first[6] >= 2;
    const view = new DataView(first.buffer);
    const headerEnd = first.length < 10 ? first.length : wide ? 12 + view.getUint32(8, true) : 10 + view.getUint16(8, true);
    const p = parseNpyPreamble(readAt(fd, 0, Math.min(size, headerEnd)), path);
    checkNpyLength(p, size, path);
    return npySource(fd, p, path);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readAt(fd: number, position: number, length: number, scratch?: Uint8Array): Uint8Array {
  const out = scratch !== undefined && scratch.length >= length ? scratch.subarray(0, length) : new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

function npySource(fd: number, p: NpyPreamble, file: string): MatrixRowSource {
  const { rows, cols, size } = p;
  // One read buffer, reused: a block's bytes are decoded before the next read.
  let scratch = new Uint8Array(0);
  const read = (position: number, length: number): Uint8Array => {
    if (scratch.length < length) scratch = new Uint8Array(length);
    return readAt(fd, position, length, scratch);
  };
  /** Decodes `count` elements of `bytes` into out[at + i * step]. */
  const decode = (bytes: Uint8Array, count: number, out: Float64Array, at: number, step: number): void => {
    const b = bytes.buffer;
    if (LITTLE_ENDIAN) {
      // One loop per element type keeps each loop's array access monomorphic (fast).
      if (p.descr === "|i1" || p.descr === "<i1") return spread(new Int8Array(b, bytes.byteOffset, count), out, at, step);
      if (p.descr === "|u1" || p.descr === "<u1") return spread(new Uint8Array(b, bytes.byteOffset, count), out, at, step);
      if (p.descr === "<f4") return spread(new Float32Array(b, bytes.byteOffset, count), out, at, step);
      if (p.descr === "<f8") return spread(new Float64Array(b, bytes.byteOffset, count), out, at, step);
      if (p.descr === "<i4") return spread(new Int32Array(b, bytes.byteOffset, count), out, at, step);
    }
    const view = new DataView(b, bytes.byteOffset);
    for (let i = 0; i < count; i++) out[at + i * step] = p.read(view, i * size);
  };
  return {
    file,
    rows,
    cols,
    readRows(r0, n, out, at) {
      if (!p.fortranOrder) {
        decode(read(p.dataStart + r0 * cols * size, n * cols * size), n * cols, out, at, 1);
        return;
      }
      // Column-major on disk: each column's run of rows is contiguous.
      for (let c = 0; c < cols; c++) decode(read(p.dataStart + (c * rows + r0) * size, n * size), n, out, at + c, cols);
    },
    close: () => closeSync(fd),
  };
}

function spread(from: Int8Array | Uint8Array | Float32Array | Float64Array | Int32Array, out: Float64Array, at: number, step: number): void {
  const n = from.length;
  if (step === 1) out.set(from, at);
  else for (let i = 0; i < n; i++) out[at + i * step] = from[i];
}

/** Element type of a product file: int32 (int8 products, exact) or float32 (bf16 products, exact). */
export type ProductType = "int32" | "float32";

export interface MatrixRowSink {
  /** Appends `n` rows of `cols` values from values[at]; resolves when the stream can take more. */
  writeRows(values: Float64Array, at: number, n: number): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** Opens `path` (.npy or .csv) for `rows` x `cols` values; the file appears only on close(). */
export function createMatrixRowSink(path: string, rows: number, cols: number, type: ProductType): MatrixRowSink {
  const npy = matrixFormatOf(path) === "npy";
  const descr: NpyOutputType = type === "int32" ? "<i4" : "<f4";
  const out: AtomicStream = openAtomicStream(path);
  // Each chunk is handed to the file before the next is made, so at most one block is in memory.
  const write = (chunk: Uint8Array | string): Promise<void> =>
    new Promise((resolve, reject) => out.stream.write(chunk, (err) => (err ? reject(err) : resolve())));
  let written = 0;
  let chunk = new Uint8Array(0);
  let header = npy ? write(npyHeaderBytes(descr, rows, cols)) : Promise.resolve();
  // Awaited by the first writeRows or close; an abort before then must not leave it unhandled.
  header.catch(() => undefined);
  return {
    async writeRows(values, at, n) {
      await header;
      header = Promise.resolve();
      if (written + n > rows) throw new RangeError(`${written + n} rows written to a ${rows}-row matrix; this is a bug in the caller`);
      written += n;
      if (npy) {
        // The previous chunk has reached the file (write waits for it), so its buffer is free again.
        if (chunk.length < 4 * n * cols) chunk = new Uint8Array(4 * n * cols);
        return write(npyElementBytes(descr, values, at, n * cols, chunk.subarray(0, 4 * n * cols)));
      }
      const lines: string[] = [];
      for (let r = 0; r < n; r++) {
        const row = values.subarray(at + r * cols, at + (r + 1) * cols);
        lines.push(Array.from(row, (v) => (type === "float32" ? String(Math.fround(v)) : String(v | 0))).join(",") + "\n");
      }
      return write(lines.join(""));
    },
    async close() {
      await header;
      if (written !== rows) throw new RangeError(`${written} of ${rows} rows written; this is a bug in the caller`);
      await out.commit();
    },
    abort: () => out.abort(),
  };
}

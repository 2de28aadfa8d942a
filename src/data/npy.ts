/**
 * NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, a version, a header length (u16 in 1.0, u32 in 2.0 and 3.0), a Python dict
 * header, then the raw data. 1-D and 2-D arrays of common little-endian numeric dtypes are read
 * into a float64 Matrix; writing produces version 1.0 with '<f4' or '<i4' data.
 */
import { endianness } from "node:os";
import { UserInputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { Matrix } from "./matrix.js";
import { parseNpyHeader } from "./npy-header.js";
import { readInputBytes } from "./read-input.js";

const LITTLE_ENDIAN = endianness() === "LE";
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeReader {
  size: number;
  read(view: DataView, offset: number): number;
}

const DTYPES: Readonly<Record<string, DtypeReader>> = {
  "<f4": { size: 4, read: (v, o) => v.getFloat32(o, true) },
  "<f8": { size: 8, read: (v, o) => v.getFloat64(o, true) },
  "|i1": { size: 1, read: (v, o) => v.getInt8(o) },
  "<i1": { size: 1, read: (v, o) => v.getInt8(o) },
  "|u1": { size: 1, read: (v, o) => v.getUint8(o) },
  "<u1": { size: 1, read: (v, o) => v.getUint8(o) },
  "<i2": { size: 2, read: (v, o) => v.getInt16(o, true) },
  "<i4": { size: 4, read: (v, o) => v.getInt32(o, true) },
  // Values beyond 2^53 lose precision, as they would in any float64 matrix.
  "<i8": { size: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  "<u2": { size: 2, read: (v, o) => v.getUint16(o, true) },
  "<u4": { size: 4, read: (v, o) => v.getUint32(o, true) },
};

const SUPPORTED_DTYPES = "<f4 <f8 |i1 <i1 |u1 <i2 <i4 <i8 <u2 <u4";

/** Python's spelling of a shape: (), (5,), (3, 4). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

function dtypeReader(descr: string, file: string, offset: number): DtypeReader {
  const reader = DTYPES[descr];
  if (reader !== undefined) return reader;
  if (descr.startsWith(">") || descr.startsWith("!")) {
    throw new UserInputError(
      `big-endian dtype '${descr}' is not supported; ` +
        `save the array as little-endian, e.g. with arr.astype('<${descr.slice(1)}')`,
      { file, offset },
    );
  }
  throw new UserInputError(`unsupported dtype '${descr}'; supported dtypes are ${SUPPORTED_DTYPES}`, {
    file,
    offset,
  });
}

/** Where the header text starts and how long it is, after checking magic and version. */
function locateHeader(bytes: Uint8Array, file: string): { start: number; length: number; major: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new UserInputError(
      `bad magic: not a .npy file (expected 93 4e 55 4d 50 59, "\\x93NUMPY", ` +
        `found ${hex(bytes.subarray(0, 6)) || "an empty file"})`,
      { file, offset: 0 },
    );
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) {
    throw new UserInputError(
      `unsupported .npy format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are supported`,
      { file, offset: 6 },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wide = major >= 2;
  if (wide && bytes.length < 12) {
    throw new UserInputError("truncated: the header length field is cut short", { file, offset: 8 });
  }
  const length = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = wide ? 12 : 10;
  if (start + length > bytes.length) {
    throw new UserInputError(
      `truncated: the header claims ${length} bytes but only ${bytes.length - start} follow`,
      { file, offset: 8 },
    );
  }
  return { start, length, major };
}

/** What the header of a .npy file says, and where its data starts. */
export interface NpyPreamble {
  descr: string;
  fortranOrder: boolean;
  /** As the header gives it (1-D or 2-D). */
  shape: number[];
  rows: number;
  cols: number;
  dataStart: number;
  /** Bytes per element, and the element reader. */
  size: number;
  read: (view: DataView, offset: number) => number;
}

/**
 * Parses magic, version and header from the first bytes of a file (at least the header must be
 * there). The data length is not checked: see checkNpyLength.
 */
export function parseNpyPreamble(bytes: Uint8Array, file: string): NpyPreamble {
  const { start, length, major } = locateHeader(bytes, file);
  const raw = bytes.subarray(start, start + length);
  // Format 3.0 exists only to allow UTF-8 in the header; earlier versions are latin-1.
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(raw);
  const encoder = new TextEncoder();
  const offsetOf = (i: number): number =>
    start + (major === 3 ? encoder.encode(text.slice(0, i)).length : i);
  const header = parseNpyHeader(text, file, offsetOf);

  const dtype = dtypeReader(header.descr, file, header.descrOffset);
  const shape = header.shape;
  if (shape.length < 1 || shape.length > 2) {
    throw new UserInputError(
      `shape ${formatShape(shape)} has ${shape.length} dimensions; only 1-D and 2-D arrays are supported`,
      { file, offset: header.shapeOffset },
    );
  }
  return {
    descr: header.descr,
    fortranOrder: header.fortranOrder,
    shape,
    rows: shape.length === 1 ? 1 : shape[0],
    cols: shape.length === 1 ? shape[0] : shape[1],
    dataStart: start + length,
    size: dtype.size,
    read: dtype.read,
  };
}

/** The data after the header must be exactly rows * cols elements. */
export function checkNpyLength(p: NpyPreamble, fileBytes: number, file: string): void {
  const needed = p.rows * p.cols * p.size;
  const found = fileBytes - p.dataStart;
  if (found !== needed) {
    const what = found < needed ? "truncated" : "too long";
    throw new UserInputError(
      `${what}: shape ${formatShape(p.shape)} of ${p.descr} needs ${needed} bytes, found ${found}`,
      { file, offset: found < needed ? fileBytes : p.dataStart + needed },
    );
  }
}

export function parseNpy(bytes: Uint8Array, file: string): Matrix {
  const p = parseNpyPreamble(bytes, file);
  checkNpyLength(p, bytes.length, file);
  const { rows, cols, size } = p;
  const view = new DataView(bytes.buffer, bytes.byteOffset + p.dataStart, rows * cols * size);
  const data = new Float64Array(rows * cols);
  if (p.fortranOrder) {
    // Column-major on disk: element k of the file is (k % rows, floor(k / rows)).
    for (let c = 0, k = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++, k++) data[r * cols + c] = p.read(view, k * size);
    }
  } else {
    for (let k = 0; k < data.length; k++) data[k] = p.read(view, k * size);
  }
  return { rows, cols, data };
}

export function readNpy(path: string): Matrix {
  return parseNpy(readInputBytes(path), path);
}

/** Element types tpusim writes: float32, or int32 for exact int8 products. */
export type NpyOutputType = "<f4" | "<i4";

/** Magic, version 1.0 and header of an array of `rows` x `cols` elements; data follows at 64-byte alignment. */
export function npyHeaderBytes(descr: NpyOutputType, rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // NumPy pads so the data starts on a 64-byte boundary, and ends the header with a newline.
  const unpadded = 10 + dict.length + 1;
  const header = dict + " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/**
 * Little-endian element bytes of values[at .. at + count) as float32 (rounded) or int32 (exact
 * integers); into `into` when it is exactly that long (a streaming writer reuses one buffer).
 */
export function npyElementBytes(descr: NpyOutputType, values: ArrayLike<number>, at: number, count: number, into?: Uint8Array): Uint8Array {
  const out = into !== undefined && into.byteOffset === 0 && into.length === 4 * count ? into : new Uint8Array(4 * count);
  if (LITTLE_ENDIAN) {
    if (descr === "<i4") {
      const ints = new Int32Array(out.buffer);
      for (let i = 0; i < count; i++) ints[i] = values[at + i];
    } else {
      const floats = new Float32Array(out.buffer);
      for (let i = 0; i < count; i++) floats[i] = values[at + i];
    }
    return out;
  }
  const view = new DataView(out.buffer);
  if (descr === "<i4") for (let i = 0; i < count; i++) view.setInt32(4 * i, values[at + i], true);
  else for (let i = 0; i < count; i++) view.setFloat32(4 * i, values[at + i], true);
  return out;
}

/** The bytes of a version 1.0 .npy file holding `m`: '<f4' (values rounded to float32) or '<i4'. */
export function encodeNpy(m: Matrix, descr: NpyOutputType = "<f4"): Uint8Array {
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`matrix ${m.rows} x ${m.cols} has ${m.data.length} values; this is a bug in the caller`);
  }
  const header = npyHeaderBytes(descr, m.rows, m.cols);
  const out = new Uint8Array(header.length + 4 * m.data.length);
  out.set(header, 0);
  out.set(npyElementBytes(descr, m.data, 0, m.data.length), header.length);
  return out;
}

export function writeNpy(path: string, m: Matrix, descr: NpyOutputType = "<f4"): void {
  writeFileAtomic(path, encodeNpy(m, descr));
}

/**
 * NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, a version, a header length (u16 in 1.0, u32 in 2.0 and 3.0), a Python dict
 * header, then the raw data. 1-D and 2-D arrays of common little-endian numeric dtypes are read
 * into a float64 Matrix; writing always produces version 1.0 with '<f4' data.
 */
import { UserInputError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic-write.js";
import type { Matrix } from "./matrix.js";
import { parseNpyHeader } from "./npy-header.js";
import { readInputBytes } from "./read-input.js";

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

export function parseNpy(bytes: Uint8Array, file: string): Matrix {
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
  const rows = shape.length === 1 ? 1 : shape[0];
  const cols = shape.length === 1 ? shape[0] : shape[1];
  const dataStart = start + length;
  const needed = rows * cols * dtype.size;
  const found = bytes.length - dataStart;
  if (found !== needed) {
    const what = found < needed ? "truncated" : "too long";
    throw new UserInputError(
      `${what}: shape ${formatShape(shape)} of ${header.descr} needs ${needed} bytes, found ${found}`,
      { file, offset: found < needed ? bytes.length : dataStart + needed },
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, needed);
  const data = new Float64Array(rows * cols);
  const size = dtype.size;
  if (header.fortranOrder) {
    // Column-major on disk: element k of the file is (k % rows, floor(k / rows)).
    for (let c = 0, k = 0; c < cols; c++) {
      for (let r = 0; r < rows; r++, k++) data[r * cols + c] = dtype.read(view, k * size);
    }
  } else {
    for (let k = 0; k < data.length; k++) data[k] = dtype.read(view, k * size);
  }
  return { rows, cols, data };
}

export function readNpy(path: string): Matrix {
  return parseNpy(readInputBytes(path), path);
}

/** The bytes of a version 1.0 '<f4' .npy file holding `m` (values rounded to float32). */
export function encodeNpy(m: Matrix): Uint8Array {
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`matrix ${m.rows} x ${m.cols} has ${m.data.length} values; this is a bug in the caller`);
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  // NumPy pads so the data starts on a 64-byte boundary, and ends the header with a newline.
  const unpadded = 10 + dict.length + 1;
  const header = dict + " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + 4 * m.data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dataStart = 10 + header.length;
  for (let i = 0; i < m.data.length; i++) view.setFloat32(dataStart + 4 * i, m.data[i], true);
  return out;
}

export function writeNpy(path: string, m: Matrix): void {
  writeFileAtomic(path, encodeNpy(m));
}

/**
 * IDX files, the format MNIST ships in (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type
 * code, the number of dimensions, each dimension as a big-endian u32, then the data in C order.
 * Only unsigned bytes (type 0x08) are supported because that is all MNIST uses.
 */
import { UserInputError } from "../errors.js";
import { readInputBytes } from "./read-input.js";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const TYPE_UNSIGNED_BYTE = 0x08;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: "unsigned byte",
  0x09: "signed byte",
  0x0b: "16-bit integer",
  0x0c: "32-bit integer",
  0x0d: "32-bit float",
  0x0e: "64-bit float",
};

const hex2 = (b: number): string => b.toString(16).padStart(2, "0");

/** Length of the header for an IDX file with `ndims` dimensions; the data starts here. */
export function idxHeaderLength(ndims: number): number {
  return 4 + 4 * ndims;
}

export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new UserInputError(
      `not an IDX file: the 4-byte header is cut short, the file has only ${bytes.length} bytes`,
      { file, offset: 0 },
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new UserInputError(
      `bad magic: an IDX file starts with bytes 00 00, found ${hex2(bytes[0])} ${hex2(bytes[1])}`,
      { file, offset: 0 },
    );
  }
  const type = bytes[2];
  if (type !== TYPE_UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ?? "unknown";
    throw new UserInputError(
      `unsupported IDX type code 0x${hex2(type)} (${name}); only 0x08 (unsigned byte) is supported`,
      { file, offset: 2 },
    );
  }
  const ndims = bytes[3];
  if (ndims < 1) {
    throw new UserInputError("the IDX header declares 0 dimensions; at least 1 is needed", {
      file,
      offset: 3,
    });
  }
  const headerLength = idxHeaderLength(ndims);
  if (bytes.length < headerLength) {
    throw new UserInputError(
      `truncated header: ${ndims} dimensions need a ${headerLength}-byte header, ` +
        `the file has only ${bytes.length} bytes`,
      { file, offset: bytes.length },
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    expected *= d;
  }

  const found = bytes.length - headerLength;
  if (found < expected) {
    throw new UserInputError(
      `truncated: expected ${expected} bytes of data for dimensions ${dims.join(" x ")}, found ${found}`,
      { file, offset: bytes.length },
    );
  }
  if (found > expected) {
    throw new UserInputError(
      `${found - expected} unexpected bytes after the ${expected} bytes of data for dimensions ${dims.join(" x ")}`,
      { file, offset: headerLength + expected },
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

export function readIdx(path: string): IdxArray {
  return parseIdx(readInputBytes(path), path);
}

/**
 * A minimal WebAssembly binary encoder (https://webassembly.github.io/spec/core/binary/): enough to
 * build fast mode's pass kernels (pass-kernels.ts) from readable instruction lists at start-up, so
 * the source holds no binary blob and no build step is needed. One exported memory, functions with
 * i32 parameters and typed locals; SIMD opcodes from the fixed-width SIMD proposal (Node >= 16.4).
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

export type Bytes = readonly number[];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const vec = (items: readonly Bytes[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: Bytes): number[] => [id, ...uleb(bytes.length), ...bytes];
const simd = (code: number): number[] => [0xfd, ...uleb(code)];

/** Instructions, as byte sequences (names follow the text format). */
export const W = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtU: [0x49],
  i32Eqz: [0x45],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  /** memarg: alignment exponent, then offset. */
  v128Load: (offset = 0) => [...simd(0x00), 4, ...uleb(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 4, ...uleb(offset)],
  v128Load32Splat: (offset = 0) => [...simd(0x09), 2, ...uleb(offset)],
  i32x4Add: simd(0xae),
  i32x4DotI16x8S: simd(0xba),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
} as const;

export interface WasmFunction {
  name: string;
  /** Every parameter is an i32. */
  params: number;
  /** Extra locals as [count, type] groups. */
  locals: readonly (readonly [number, number])[];
  body: readonly Bytes[];
}

/** The bytes of a module exporting `mem` (minimum `pages` of 64 KiB, growable) and the functions. */
export function encodeModule(pages: number, functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec([])]);
  const exports = [[...name("mem"), 0x02, 0], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])];
  const bodies = functions.map((f) => {
    const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body.flat(), ...W.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

/**
 * A minimal WebAssembly binary encoder (https://webassembly.github.io/spec/core/binary/): enough to
 * build fast mode's pass kernels (src/sim/pass-kernels.ts) and the array's row kernels
 * (pe-rows-wasm.ts) from readable instruction lists at start-up, so
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
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32DivU: [0x6e],
  i32Eq: [0x46],
  i32GeU: [0x4f],
  call: (f: number) => [0x10, ...uleb(f)],
  /** memarg: alignment exponent, then offset. */
  i32Load: (offset = 0) => [0x28, 2, ...uleb(offset)],
  i32Store: (offset = 0) => [0x36, 2, ...uleb(offset)],
  i32LtU: [0x49],
  i32Eqz: [0x45],
  block: [0x02, 0x40],
  if: [0x04, 0x40],
  return: [0x0f],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  /** memarg: alignment exponent, then offset. */
  v128Load: (offset = 0) => [...simd(0x00), 4, ...uleb(offset)],
  v128Store: (offset = 0) => [...simd(0x0b), 4, ...uleb(offset)],
  v128Load32Splat: (offset = 0) => [...simd(0x09), 2, ...uleb(offset)],
  select: [0x1b],
  i32x4Splat: simd(0x11),
  i32x4ExtractLane: (lane: number) => [...simd(0x1b), lane],
  i32x4Eq: simd(0x37),
  i32x4Ne: simd(0x38),
  i32x4Sub: simd(0xb1),
  i32x4LeS: simd(0x3d),
  i32x4GeS: simd(0x3f),
  i32x4GtU: simd(0x3c),
  i32x4ShrU: simd(0xad),
  f32x4Eq: simd(0x41),
  f32x4Ne: simd(0x42),
  f32x4Lt: simd(0x43),
  f32x4Le: simd(0x45),
  f32x4Ge: simd(0x46),
  v128Or: simd(0x50),
  v128AnyTrue: simd(0x53),
  f32x4Abs: simd(0xe0),
  f32x4Splat: simd(0x13),
  f32Const: (x: number) => {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return [0x43, ...b];
  },
  v128And: simd(0x4e),
  i16x8NarrowI32x4S: simd(0x85),
  i32x4AllTrue: simd(0xa3),
  i32x4TruncSatF32x4S: simd(0xf8),
  f32x4ConvertI32x4S: simd(0xfa),
  i32x4Add: simd(0xae),
  i32x4Mul: simd(0xb5),
  /** i8x16.shuffle with the 16 lane indices that reverse the order of four 32-bit lanes. */
  i32x4Reverse: [...simd(0x0d), 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3],
  i32x4DotI16x8S: simd(0xba),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
} as const;

export interface WasmFunction {
  name: string;
  /** Every parameter is an i32. */
  params: number;
  /** Whether it returns one i32. */
  returnsI32?: boolean;
  /** Extra locals as [count, type] groups. */
  locals: readonly (readonly [number, number])[];
  body: readonly Bytes[];
}

/** The bytes of a module exporting `mem` (minimum `pages` of 64 KiB, growable) and the functions. */
export function encodeModule(pages: number, functions: readonly WasmFunction[]): Uint8Array<ArrayBuffer> {
  const types = functions.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec(f.returnsI32 ? [[I32]] : [])]);
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

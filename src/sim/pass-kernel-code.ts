/**
 * The WebAssembly functions of fast mode's pass kernels (pass-kernels.ts explains the numbers), as
 * instruction lists for wasm-module.ts's encoder. Pointers and strides are byte offsets into the
 * module's one memory.
 */
import { I32, V128, W, encodeModule, type Bytes, type WasmFunction } from "../hw/wasm-module.js";

/** bf16 magnitudes whose products are exact normal fp32 numbers (pass-kernels.ts). */
export const F32_SAFE_MIN = 2 ** -60;
export const F32_SAFE_MAX = 2 ** 60;

/**
 * kernel(a, w, acc, vectors, steps, aStride, rowBytes): for each group of 4 vectors and each block of
 * 8 columns, acc += sum over steps of combine(splat(a[v][step]), w[step][cols]). Pointers and strides
 * in bytes; `vectors` a multiple of 4; rows of w and acc are `rowBytes` long (a multiple of 32).
 */
export function passKernel(name: string, combine: Bytes[]): WasmFunction {
  const [A, Wp, ACC, VECTORS, STEPS, ASTRIDE, ROWBYTES] = [0, 1, 2, 3, 4, 5, 6];
  const [b, cb, r, ap, wp, accp] = [7, 8, 9, 10, 11, 12];
  const sum = (q: number, h: number) => 13 + q * 2 + h;
  const { localGet: get, localSet: set, i32Const: k } = W;
  const rowOf = (base: number, stride: number, q: number): Bytes[] => [get(base), get(stride), k(q), W.i32Mul, W.i32Add];
  const body: Bytes[] = [k(0), set(b), W.block, W.loop];
  body.push(get(b), get(VECTORS), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(k(0), set(cb), W.block, W.loop);
  body.push(get(cb), get(ROWBYTES), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(ACC), get(b), get(ROWBYTES), W.i32Mul, W.i32Add, get(cb), W.i32Add, set(accp));
  for (let q = 0; q < 4; q++) for (let h = 0; h < 2; h++) body.push(...rowOf(accp, ROWBYTES, q), W.v128Load(16 * h), set(sum(q, h)));
  body.push(get(A), get(b), get(ASTRIDE), W.i32Mul, W.i32Add, set(ap));
  body.push(get(Wp), get(cb), W.i32Add, set(wp));
  body.push(k(0), set(r), W.block, W.loop);
  body.push(get(r), get(STEPS), W.i32LtU, W.i32Eqz, W.brIf(1));
  for (let q = 0; q < 4; q++) {
    for (let h = 0; h < 2; h++) {
      body.push(get(sum(q, h)), ...rowOf(ap, ASTRIDE, q), W.v128Load32Splat(0), get(wp), W.v128Load(16 * h), ...combine, set(sum(q, h)));
    }
  }
  body.push(get(ap), k(4), W.i32Add, set(ap), get(wp), get(ROWBYTES), W.i32Add, set(wp), get(r), k(1), W.i32Add, set(r), W.br(0));
  body.push(W.end, W.end);
  for (let q = 0; q < 4; q++) for (let h = 0; h < 2; h++) body.push(...rowOf(accp, ROWBYTES, q), get(sum(q, h)), W.v128Store(16 * h));
  body.push(get(cb), k(32), W.i32Add, set(cb), W.br(0), W.end, W.end);
  body.push(get(b), k(4), W.i32Add, set(b), W.br(0), W.end, W.end);
  return { name, params: 7, locals: [[6, I32], [8, V128]], body };
}

/**
 * pack(src, dst, count): `count` fp32 values (a multiple of 8) at src become int16 at dst. Returns
 * how many are nonzero, or -1 when one is not an integer in [-128, 128] (NaN included): then the
 * caller runs the chunk in JavaScript.
 */
export function packKernel(): WasmFunction {
  const [SRC, DST, COUNT, i] = [0, 1, 2, 3];
  const [ok, lo, hi, zero, nonzero, v0, v1, t0, t1] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [k(-1), W.i32x4Splat, set(ok), k(-128), W.i32x4Splat, set(lo), k(128), W.i32x4Splat, set(hi)];
  body.push(k(0), W.i32x4Splat, set(zero), k(0), W.i32x4Splat, set(nonzero));
  body.push(k(0), set(i), W.block, W.loop, get(i), get(COUNT), W.i32LtU, W.i32Eqz, W.brIf(1));
  for (const [v, t, offset] of [[v0, t0, 0], [v1, t1, 16]]) {
    body.push(get(SRC), get(i), k(4), W.i32Mul, W.i32Add, W.v128Load(offset), set(v));
    body.push(get(v), W.i32x4TruncSatF32x4S, set(t));
    // Exact integers only: converting back must give the same value (NaN never does).
    body.push(get(ok), get(t), W.f32x4ConvertI32x4S, get(v), W.f32x4Eq, W.v128And, set(ok));
    body.push(get(ok), get(t), get(hi), W.i32x4LeS, W.v128And, get(t), get(lo), W.i32x4GeS, W.v128And, set(ok));
    body.push(get(nonzero), get(t), get(zero), W.i32x4Ne, W.i32x4Sub, set(nonzero));
  }
  body.push(get(DST), get(i), k(2), W.i32Mul, W.i32Add, get(t0), get(t1), W.i16x8NarrowI32x4S, W.v128Store(0));
  body.push(get(i), k(8), W.i32Add, set(i), W.br(0), W.end, W.end);
  body.push(get(nonzero), W.i32x4ExtractLane(0), get(nonzero), W.i32x4ExtractLane(1), W.i32Add);
  body.push(get(nonzero), W.i32x4ExtractLane(2), W.i32Add, get(nonzero), W.i32x4ExtractLane(3), W.i32Add);
  body.push(k(-1), get(ok), W.i32x4AllTrue, W.select);
  return { name: "pack", params: 3, returnsI32: true, locals: [[1, I32], [9, V128]], body };
}

export type Pack = (src: number, dst: number, count: number) => number;

/**
 * checkFloat(ptr, count): how many of `count` fp32 values (a multiple of 4) are nonzero, or -1 when
 * one has a magnitude outside {0} and [2^-60, 2^60] (NaN and infinities included).
 */
export function checkFloatKernel(): WasmFunction {
  const [PTR, COUNT, i] = [0, 1, 2];
  const [ok, lo, hi, zero, nonzero, v, m] = [3, 4, 5, 6, 7, 8, 9];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [k(-1), W.i32x4Splat, set(ok), W.f32Const(F32_SAFE_MIN), W.f32x4Splat, set(lo), W.f32Const(F32_SAFE_MAX), W.f32x4Splat, set(hi)];
  body.push(k(0), W.i32x4Splat, set(zero), k(0), W.i32x4Splat, set(nonzero));
  body.push(k(0), set(i), W.block, W.loop, get(i), get(COUNT), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(PTR), get(i), k(4), W.i32Mul, W.i32Add, W.v128Load(0), set(v), get(v), W.f32x4Abs, set(m));
  body.push(get(ok), get(m), get(zero), W.f32x4Eq, get(m), get(lo), W.f32x4Ge, get(m), get(hi), W.f32x4Le, W.v128And, W.v128Or, W.v128And, set(ok));
  body.push(get(nonzero), get(v), get(zero), W.f32x4Ne, W.i32x4Sub, set(nonzero));
  body.push(get(i), k(4), W.i32Add, set(i), W.br(0), W.end, W.end);
  body.push(get(nonzero), W.i32x4ExtractLane(0), get(nonzero), W.i32x4ExtractLane(1), W.i32Add);
  body.push(get(nonzero), W.i32x4ExtractLane(2), W.i32Add, get(nonzero), W.i32x4ExtractLane(3), W.i32Add);
  body.push(k(-1), get(ok), W.i32x4AllTrue, W.select);
  return { name: "checkFloat", params: 2, returnsI32: true, locals: [[1, I32], [7, V128]], body };
}

/**
 * finishFloat(ptr, count): adds +0 to `count` fp32 values in place (the accumulators hold no -0) and
 * returns 1 when all are finite, else 0.
 */
export function finishFloatKernel(): WasmFunction {
  const [PTR, COUNT, i] = [0, 1, 2];
  const [ok, zero, inf, v] = [3, 4, 5, 6];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [k(-1), W.i32x4Splat, set(ok), k(0), W.i32x4Splat, set(zero), W.f32Const(Infinity), W.f32x4Splat, set(inf)];
  body.push(k(0), set(i), W.block, W.loop, get(i), get(COUNT), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(PTR), get(i), k(4), W.i32Mul, W.i32Add, W.v128Load(0), get(zero), W.f32x4Add, set(v));
  // |v| < infinity is false for infinities and NaN.
  body.push(get(ok), get(v), W.f32x4Abs, get(inf), W.f32x4Lt, W.v128And, set(ok));
  body.push(get(PTR), get(i), k(4), W.i32Mul, W.i32Add, get(v), W.v128Store(0));
  body.push(get(i), k(4), W.i32Add, set(i), W.br(0), W.end, W.end);
  body.push(get(ok), W.i32x4AllTrue);
  return { name: "finishFloat", params: 2, returnsI32: true, locals: [[1, I32], [4, V128]], body };
}

export type FloatPass = (ptr: number, count: number) => number;

export type Kernel = (a: number, w: number, acc: number, vectors: number, steps: number, aStride: number, rowBytes: number) => void;

/** The module: the two pass kernels, the int8 packer and the bf16 check and finish, and `mem`. */
export function passKernelModule(pages: number): WebAssembly.Module {
  return new WebAssembly.Module(
    encodeModule(pages, [passKernel("int8", [W.i32x4DotI16x8S, W.i32x4Add]), passKernel("float", [W.f32x4Mul, W.f32x4Add]), packKernel(), checkFloatKernel(), finishFloatKernel()]),
  );
}

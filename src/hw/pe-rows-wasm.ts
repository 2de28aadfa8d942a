/**
 * The array's whole-window row kernel in WebAssembly SIMD (pe-rows.ts wholeWindowInt and
 * wholeWindowFloat, four PEs per instruction): the array's partial sums, activations, weights and top
 * input live in the memory of one module instance per array (systolic-array.ts views them as
 * Int32Arrays or Float32Arrays). Built at start-up by wasm-module.ts's encoder; used when C is a
 * multiple of 4.
 * - int8: int32 wrap-around is the same in i32x4.mul/add as in Math.imul and `| 0`.
 * - bf16: f32x4.mul then f32x4.add, in the JavaScript order (`psum + a*w`). JavaScript computes
 *   fround(psum + a*w) in float64, the product exactly (it has at most 16 significant bits). The
 *   fp32 product is the same exact value whenever it neither overflows nor loses bits below 2^-149,
 *   which the caller proves before each call (pe-rows.ts inexactBits: every nonzero factor a bf16
 *   value in [2^-67, 2^64)). Then f32x4.add rounds psum + a*w once, as fround of the float64 sum
 *   does (double rounding is innocuous for the sum of two fp32 values: 53 >= 2*24 + 2), including
 *   -0, infinities and a NaN in psum or top (one NaN operand: both keep it, quieted).
 */
import { EXACT_EXPONENT_LO, EXACT_EXPONENT_SPAN } from "./pe-rows.js";
import { I32, V128, W, encodeModule, type Bytes } from "./wasm-module.js";

/** Cycles one `steps` call clocks at most (the staging buffers hold this many vectors and rows). */
export const STEP_BATCH = 256;

/** The registers of an R x C array in one module's memory (Int32Array for int8, Float32Array for bf16). */
export interface WasmRegisters<T extends Int32Array | Float32Array = Int32Array | Float32Array> {
  /** whole(psum, top, setup, bankWeights, R, C, N, jHi, pRow): one evaluate of a whole window. */
  readonly whole: (psum: number, top: number, setup: number, weights: number, R: number, C: number, N: number, jHi: number, pRow: number) => void;
  /**
   * steps(psum, top, setup, bankWeights, R, C, N, jHi, pRow, input, output, k, slot): k cycles of
   * (copy the bottom row as seen this cycle to output row i; whole(); latch input vector i into
   * activation slot `slot` and its mirror), the ring positions stepped each cycle. Returns the
   * cycles done: k, or for bf16 fewer: none from the first staged vector whose products could
   * round (firstInexact), and none after one whose bottom row holds an infinity or a NaN (the
   * accumulators latch a fault writing it, and the burst stops after that cycle).
   */
  readonly steps: (psum: number, top: number, setup: number, weights: number, R: number, C: number, N: number, jHi: number, pRow: number, input: number, output: number, k: number, slot: number) => number;
  readonly psum: T;
  readonly top: T;
  readonly setup: T;
  readonly weights: T;
  /** STEP_BATCH input vectors of R lanes (and zeros to the next 4 lanes), STEP_BATCH bottom rows of C columns. */
  readonly input: T;
  readonly output: T;
  /** The same memory as setup, weights and input, as bits (bf16 arrays check their factors there). */
  readonly setupBits: Int32Array;
  readonly weightBits: Int32Array;
  readonly inputBits: Int32Array;
}

/**
 * For each row r (psum ring row pRow + r, newest activation slot jHi - r, both wrapping), and each
 * group of 4 columns c: psum[c..c+3] = (r === 0 ? top : psum)[c..c+3] + setup[a-c .. a-c-3] *
 * weights[c..c+3], the activations loaded as one vector and reversed (older vectors sit lower).
 */
function wholeWindowCode(float: boolean): Bytes[] {
  const [PSUM, TOP, SETUP, WTS, R, C, N, JHI, PROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, c, p, a, w, S4, C4, src, v] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [get(N), k(8), W.i32Mul, set(S4), get(C), k(4), W.i32Mul, set(C4), get(WTS), set(w)];
  body.push(k(0), set(r), W.block, W.loop, get(r), get(R), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(PSUM), get(PROW), get(C4), W.i32Mul, W.i32Add, set(p));
  // a: the byte address of the activation of column 3 (slot N + jHi - 3 of row r's mirrored ring).
  body.push(get(SETUP), get(r), get(S4), W.i32Mul, W.i32Add, get(N), get(JHI), W.i32Add, k(3), W.i32Sub, k(4), W.i32Mul, W.i32Add, set(a));
  body.push(get(p), get(TOP), get(r), W.select, set(src));
  body.push(k(0), set(c), W.block, W.loop, get(c), get(C4), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(a), get(c), W.i32Sub, W.v128Load(0), set(v));
  body.push(get(p), get(c), W.i32Add);
  body.push(get(src), get(c), W.i32Add, W.v128Load(0));
  body.push(get(v), get(v), W.i32x4Reverse, get(w), get(c), W.i32Add, W.v128Load(0));
  body.push(...(float ? [W.f32x4Mul, W.f32x4Add] : [W.i32x4Mul, W.i32x4Add]), W.v128Store(0));
  body.push(get(c), k(16), W.i32Add, set(c), W.br(0), W.end, W.end);
  body.push(get(w), get(C4), W.i32Add, set(w));
  body.push(get(N), k(1), W.i32Sub, get(JHI), k(1), W.i32Sub, get(JHI), W.i32Eqz, W.select, set(JHI));
  body.push(k(0), get(PROW), k(1), W.i32Add, get(PROW), get(R), W.i32Eq, W.select, set(PROW));
  body.push(get(r), k(1), W.i32Add, set(r), W.br(0), W.end, W.end);
  return body;
}

/**
 * firstInexact(input, k, R): k, or fewer: the index of a vector at or before the first of the k
 * staged vectors (R lanes each, zero-padded to a multiple of 4) holding a lane that pe-rows.ts
 * inexactBits rejects, checked four lanes at a time (a group spanning two vectors names the first).
 */
function firstInexactCode(): Bytes[] {
  const [IN, K, R] = [0, 1, 2];
  const [e, count, u, m, MAG, LOW, LO, SPAN, ZERO] = [3, 4, 5, 6, 7, 8, 9, 10, 11];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [get(K), get(R), W.i32Mul, set(count)];
  body.push(k(0x7fffffff), W.i32x4Splat, set(MAG), k(0xffff), W.i32x4Splat, set(LOW), k(EXACT_EXPONENT_LO), W.i32x4Splat, set(LO), k(EXACT_EXPONENT_SPAN), W.i32x4Splat, set(SPAN));
  body.push(k(0), set(e), W.block, W.loop, get(e), get(count), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(IN), get(e), k(4), W.i32Mul, W.i32Add, W.v128Load(0), set(u), get(u), get(MAG), W.v128And, set(m));
  // Nonzero, and (low 16 bits set, or biased exponent outside LO .. LO + SPAN).
  body.push(get(m), get(ZERO), W.i32x4Ne, get(u), get(LOW), W.v128And, get(ZERO), W.i32x4Ne);
  body.push(get(m), k(23), W.i32x4ShrU, get(LO), W.i32x4Sub, get(SPAN), W.i32x4GtU, W.v128Or, W.v128And, W.v128AnyTrue);
  body.push(W.if, get(e), get(R), W.i32DivU, W.return, W.end);
  body.push(get(e), k(4), W.i32Add, set(e), W.br(0), W.end, W.end, get(K));
  return body;
}

/**
 * steps(): see WasmRegisters. Calls function `whole` once per cycle. bf16 (`float`) first ends the
 * batch before the first staged vector whose products could round (function `check`), ORs into
 * `bad` the lanes of the bottom rows it copies whose exponent is all ones, and stops after such a
 * cycle.
 */
function stepsCode(whole: number, float: boolean, check = -1): Bytes[] {
  const [PSUM, TOP, SETUP, WTS, R, C, N, JHI, PROW, IN, OUT, K, SLOT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [i, j, src, dst, C4, S4, N4, v] = [13, 14, 15, 16, 17, 18, 19, 20];
  const [row, exp, bad] = [21, 22, 23];
  const { localGet: get, localSet: set, i32Const: k } = W;
  const body: Bytes[] = [get(C), k(4), W.i32Mul, set(C4), get(N), k(8), W.i32Mul, set(S4), get(N), k(4), W.i32Mul, set(N4)];
  if (float) body.push(get(IN), get(K), get(R), W.call(check), set(K));
  body.push(k(0x7f800000), W.i32x4Splat, set(exp));
  body.push(k(0), set(i), W.block, W.loop, get(i), get(K), W.i32LtU, W.i32Eqz, W.brIf(1));
  // The bottom row as seen this cycle: ring row mod(R - t, R + 1), from pRow = mod(-t, R + 1).
  body.push(get(PSUM), get(R), get(PROW), k(1), W.i32Sub, get(PROW), W.i32Eqz, W.select, get(C4), W.i32Mul, W.i32Add, set(src));
  body.push(get(OUT), get(i), get(C4), W.i32Mul, W.i32Add, set(dst));
  body.push(k(0), set(j), W.block, W.loop, get(j), get(C4), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(src), get(j), W.i32Add, W.v128Load(0), set(row), get(dst), get(j), W.i32Add, get(row), W.v128Store(0));
  if (float) body.push(get(bad), get(row), get(exp), W.v128And, get(exp), W.i32x4Eq, W.v128Or, set(bad));
  body.push(get(j), k(16), W.i32Add, set(j), W.br(0), W.end, W.end);
  body.push(...[PSUM, TOP, SETUP, WTS, R, C, N, JHI, PROW].map(get), W.call(whole));
  // Latch: lane r of input vector i into setup[r*2N + slot] and setup[r*2N + slot + N].
  body.push(get(IN), get(i), get(R), W.i32Mul, k(4), W.i32Mul, W.i32Add, set(src));
  body.push(get(SETUP), get(SLOT), k(4), W.i32Mul, W.i32Add, set(dst));
  body.push(k(0), set(j), W.block, W.loop, get(j), get(R), W.i32LtU, W.i32Eqz, W.brIf(1));
  body.push(get(src), W.i32Load(0), set(v), get(dst), get(v), W.i32Store(0), get(dst), get(N4), W.i32Add, get(v), W.i32Store(0));
  body.push(get(src), k(4), W.i32Add, set(src), get(dst), get(S4), W.i32Add, set(dst), get(j), k(1), W.i32Add, set(j), W.br(0), W.end, W.end);
  // Next cycle: the newest slot is this one; the psum ring turns.
  body.push(get(SLOT), set(JHI), k(0), get(SLOT), k(1), W.i32Add, get(SLOT), get(N), k(1), W.i32Sub, W.i32Eq, W.select, set(SLOT));
  body.push(get(R), get(PROW), k(1), W.i32Sub, get(PROW), W.i32Eqz, W.select, set(PROW));
  body.push(get(i), k(1), W.i32Add, set(i));
  if (float) body.push(get(bad), W.v128AnyTrue, W.brIf(1));
  body.push(W.br(0), W.end, W.end, get(i));
  return body;
}

let compiled: WebAssembly.Module | null = null;

type Kernels = { mem: WebAssembly.Memory; whole: WasmRegisters["whole"]; steps: WasmRegisters["steps"]; wholeFloat: WasmRegisters["whole"]; stepsFloat: WasmRegisters["steps"] };

/** A module instance holding an R x C array's registers (N = R + C + 1 activation slots). */
export function wasmRegisters(R: number, C: number, N: number, int: true): WasmRegisters<Int32Array>;
export function wasmRegisters(R: number, C: number, N: number, int: false): WasmRegisters<Float32Array>;
export function wasmRegisters(R: number, C: number, N: number, int: boolean): WasmRegisters {
  const counts = [(R + 1) * C, C, R * 2 * N, 3 * R * C, STEP_BATCH * R + 4, STEP_BATCH * C];
  const bytes = counts.reduce((s, n) => s + 4 * n, 0);
  const steps = { params: 13, returnsI32: true, locals: [[8, I32], [3, V128]] as const };
  compiled ??= new WebAssembly.Module(
    encodeModule(1, [
      { name: "whole", params: 9, locals: [[8, I32], [1, V128]], body: wholeWindowCode(false) },
      { name: "steps", ...steps, body: stepsCode(0, false) },
      { name: "wholeFloat", params: 9, locals: [[8, I32], [1, V128]], body: wholeWindowCode(true) },
      { name: "stepsFloat", ...steps, body: stepsCode(2, true, 4) },
      { name: "firstInexact", params: 3, returnsI32: true, locals: [[2, I32], [7, V128]], body: firstInexactCode() },
    ]),
  );
  const exports = new WebAssembly.Instance(compiled, {}).exports as Kernels;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) exports.mem.grow(pages - 1);
  // The memory never grows again, so these views stay attached.
  const offsets = counts.map((_, i) => 4 * counts.slice(0, i).reduce((s, n) => s + n, 0));
  const buffer = exports.mem.buffer;
  const [psum, top, setup, weights, input, output] = counts.map((n, i) => (int ? new Int32Array(buffer, offsets[i], n) : new Float32Array(buffer, offsets[i], n)));
  const [, , setupBits, weightBits, inputBits] = counts.map((n, i) => new Int32Array(buffer, offsets[i], n));
  const whole = int ? exports.whole : exports.wholeFloat;
  return { whole, steps: int ? exports.steps : exports.stepsFloat, psum, top, setup, weights, input, output, setupBits, weightBits, inputBits };
}

/** wasmRegisters, or null where WebAssembly memory cannot be had (the JavaScript kernels then run). */
export function wasmRegistersOrNull(R: number, C: number, N: number, int: true): WasmRegisters<Int32Array> | null;
export function wasmRegistersOrNull(R: number, C: number, N: number, int: false): WasmRegisters<Float32Array> | null;
export function wasmRegistersOrNull(R: number, C: number, N: number, int: boolean): WasmRegisters | null {
  try {
    return int ? wasmRegisters(R, C, N, true) : wasmRegisters(R, C, N, false);
  } catch (e) {
    if (e instanceof RangeError || e instanceof WebAssembly.RuntimeError || e instanceof WebAssembly.CompileError) return null;
    throw e;
  }
}

/**
 * What a report shows beyond the summary figures, in the form result objects carry (and `--json`
 * prints): a timeline of a program run, the per-PE registers of the array over a window of cycles,
 * and images. Large numeric blocks are base64 typed arrays so a saved result stays small and exact.
 */

/** A typed array as base64 of its little-endian bytes. */
export interface PackedArray {
  readonly type: "uint8" | "int8" | "int32" | "float32" | "float64";
  readonly length: number;
  readonly base64: string;
}

type Packable = Uint8Array | Int8Array | Int32Array | Float32Array | Float64Array;

function typeName(a: Packable): PackedArray["type"] {
  if (a instanceof Uint8Array) return "uint8";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Float32Array) return "float32";
  return "float64";
}

export function packArray(a: Packable): PackedArray {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return { type: typeName(a), length: a.length, base64: bytes.toString("base64") };
}

const CONSTRUCTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** The typed array back; throws a plain Error on a malformed block (the caller names the file). */
export function unpackArray(p: PackedArray): Packable {
  const make = CONSTRUCTORS[p.type];
  if (make === undefined) throw new Error(`unknown array type "${String(p.type)}"`);
  const bytes = Buffer.from(p.base64, "base64");
  if (bytes.length !== p.length * make.BYTES_PER_ELEMENT) {
    throw new Error(`a ${p.type} array of ${p.length} elements needs ${p.length * make.BYTES_PER_ELEMENT} bytes, the data has ${bytes.length}`);
  }
  const copy = new Uint8Array(bytes);
  return new make(copy.buffer, 0, p.length);
}

/**
 * One lane's stretch of cycles: unit (index into `lanes`), first and last cycle (inclusive, relative
 * to `fromCycle`), state code (index into `states`) and the instruction's pc (-1 for stall causes).
 */
export type TimelineSegment = [lane: number, start: number, end: number, state: number, pc: number];

export interface Timeline {
  /** What was captured, e.g. "training step 1" or "the whole run". */
  readonly label: string;
  /** Absolute cycle of relative cycle 0. */
  readonly fromCycle: number;
  /** Cycles captured. */
  readonly cycles: number;
  /** True when the capture stopped at its cycle or segment limit before the run ended. */
  readonly truncated: boolean;
  readonly limitCycles: number;
  readonly lanes: readonly string[];
  readonly states: readonly string[];
  readonly segments: readonly TimelineSegment[];
  /** Instruction text by pc, for every pc in `segments`. */
  readonly texts: Readonly<Record<string, string>>;
}

export interface ArrayRegion {
  readonly r0: number;
  readonly r1: number;
  readonly c0: number;
  readonly c1: number;
}

/**
 * The PE registers of a region over consecutive cycles, as the PE trace gives them. Sample i of
 * cycle k, PE (r, c) is at k * P + (r - r0) * (c1 - c0) + (c - c0), with P the region's PEs.
 */
export interface ArrayView {
  readonly arrayRows: number;
  readonly arrayCols: number;
  readonly dtype: string;
  /** The region shown (clipped to the array and to the PE limit). */
  readonly region: ArrayRegion;
  /** The region asked for, when it was larger than what is shown. */
  readonly requested: ArrayRegion;
  /** Absolute cycle numbers captured, consecutive. */
  readonly cycles: readonly number[];
  readonly truncated: boolean;
  readonly limitSamples: number;
  readonly limitPes: number;
  readonly bank: PackedArray;
  readonly actIn: PackedArray;
  readonly weight: PackedArray;
  readonly psumIn: PackedArray;
  readonly psumOut: PackedArray;
  /** Per cycle and unit (TRACE_UNITS order): pc (-1 none) and state (0 idle, 1 busy, 2 stalled). */
  readonly unitPc: PackedArray;
  readonly unitState: PackedArray;
  /** Per cycle: the matrix unit's stall cause (index into `stallCauses`). */
  readonly stall: PackedArray;
  readonly units: readonly string[];
  readonly stallCauses: readonly string[];
  readonly texts: Readonly<Record<string, string>>;
}

/**
 * Images of weights (one per hidden unit or filter), each scaled by its own largest magnitude:
 * pixel = round(127 * w / scale) as int8, so a picture shows the sign and shape of the weights.
 */
export interface WeightImages {
  readonly title: string;
  /** What one image is: "unit" (a dense layer's hidden unit) or "filter" (a convolution's). */
  readonly noun: string;
  readonly height: number;
  readonly width: number;
  /** Images in the data (at most the limit). */
  readonly count: number;
  /** Units or filters the layer has. */
  readonly total: number;
  readonly scales: readonly number[];
  readonly pixels: PackedArray;
}

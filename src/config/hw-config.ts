/**
 * The machine's parameters. A HwConfig is built from a preset, then overrides, then validation
 * (errors name the JSON path), then derive(); the result is frozen and passed explicitly.
 */
import { showValue, UserInputError } from "../errors.js";
import { MAX_ARRAY_DIMENSION, memoryLimitProblems } from "./limits.js";

export type DType = "int8" | "bf16";

export interface HwParams {
  /** Preset this configuration started from. */
  name: string;
  /** Systolic array rows R: the length of an input vector (contraction dimension of one tile). */
  rows: number;
  /** Systolic array columns C: outputs produced per input vector. */
  cols: number;
  dtype: DType;
  clockMHz: number;
  /** Unified buffer capacity in bytes (elements of dtype). */
  unifiedBufferBytes: number;
  /** Accumulator rows, each `cols` wide, 32-bit. */
  accumulatorRows: number;
  /** Weight FIFO depth in tiles. */
  weightFifoTiles: number;
  /** Weight memory capacity in bytes: each weight takes 4 (fp32 master) + elementBytes (dtype copy). */
  weightMemoryBytes: number;
  /** Weight-memory channel, bytes per cycle (an integer): RDW's dtype copies and VSGD's masters share it. */
  weightBytesPerCycle: number;
  /** Host link, bytes per cycle (an integer): RHM, WHM and WHMA. */
  hostBytesPerCycle: number;
  /** Unified-buffer row accesses per cycle: read ports and write ports (the DMA has its own port). */
  unifiedBufferReadPorts: number;
  unifiedBufferWritePorts: number;
  /** Accumulator row reads per cycle (matrix psum inputs, ACT, VSGD); the result write port is the matrix unit's own. */
  accumulatorReadPorts: number;
  /** Activation unit pipeline depth in cycles. */
  activationLatency: number;
  /** Vector unit lanes (elements per cycle) and pipeline depth. */
  vectorLanes: number;
  vectorLatency: number;
  /**
   * Energy table (docs/ENERGY.md; 45 nm, Horowitz ISSCC 2014 unless noted): dynamic energies in pJ
   * per operation, SRAM per 64-bit access at three capacities, static power by area share.
   */
  energyMacInt8Pj: number;
  energyMacBf16Pj: number;
  energySram8KiBPj: number;
  energySram32KiBPj: number;
  energySram1MiBPj: number;
  energyRegisterBitPj: number;
  energyActivationElementPj: number;
  energyVectorElementPj: number;
  energyWeightMemory64bPj: number;
  energyHostLinkBitPj: number;
  staticPowerPerPeUw: number;
  staticPowerPerSramMiBW: number;
  staticPowerOtherW: number;
}

export interface HwConfig extends HwParams {
  /** Bytes per element of dtype in the unified buffer, the FIFO and the array. */
  readonly elementBytes: number;
  readonly unifiedBufferElements: number;
  readonly weightMemoryElements: number;
  /** Peak multiply-accumulates per cycle (R*C). */
  readonly peakMacsPerCycle: number;
}

const MiB = 1024 * 1024;

/** The one energy table every preset shares; sources and derivations in docs/ENERGY.md. */
export const ENERGY_TABLE_45NM = Object.freeze({
  energyMacInt8Pj: 0.3, // 8-bit multiply 0.2 + 32-bit add 0.1
  energyMacBf16Pj: 1.48, // bf16 multiply 1.1 * (8/11)^2 = 0.58 + fp32 add 0.9
  energySram8KiBPj: 10,
  energySram32KiBPj: 20,
  energySram1MiBPj: 100,
  energyRegisterBitPj: 0.009, // Aladdin, 40 nm
  energyActivationElementPj: 8.3, // 2 fp32 multiplies + 1 fp32 add
  energyVectorElementPj: 4.6, // 1 fp32 multiply + 1 fp32 add
  energyWeightMemory64bPj: 1950, // DRAM 1.3-2.6 nJ, midpoint
  energyHostLinkBitPj: 1.93, // PCIe Gen4 PHY transmitter, 28 nm
  staticPowerPerPeUw: 102.5390625, // TPU v1: 28 W idle * 24% (matrix unit) / 65536 PEs
  staticPowerPerSramMiBW: 0.35, // TPU v1: 28 W * (29% + 6%) / (24 + 4) MiB
  staticPowerOtherW: 11.48, // TPU v1: 28 W * the other 41% of the die
});

export const PRESETS: Readonly<Record<string, HwParams>> = Object.freeze({
  "tpu-v1": {
    name: "tpu-v1",
    rows: 256,
    cols: 256,
    dtype: "int8",
    clockMHz: 700,
    unifiedBufferBytes: 24 * MiB,
    accumulatorRows: 4096,
    weightFifoTiles: 4,
    weightMemoryBytes: 256 * MiB,
    weightBytesPerCycle: 48, // 34 GB/s at 700 MHz
    hostBytesPerCycle: 20, // PCIe Gen3 x16, 14 GB/s at 700 MHz
    unifiedBufferReadPorts: 2,
    unifiedBufferWritePorts: 1,
    accumulatorReadPorts: 2,
    activationLatency: 4,
    vectorLanes: 256,
    vectorLatency: 4,
    ...ENERGY_TABLE_45NM,
  },
  "tpu-v2": {
    name: "tpu-v2",
    rows: 128,
    cols: 128,
    dtype: "bf16",
    clockMHz: 700,
    unifiedBufferBytes: 16 * MiB,
    accumulatorRows: 4096,
    weightFifoTiles: 4,
    weightMemoryBytes: 256 * MiB,
    weightBytesPerCycle: 256, // HBM share of one MXU
    hostBytesPerCycle: 32,
    unifiedBufferReadPorts: 2,
    unifiedBufferWritePorts: 1,
    accumulatorReadPorts: 2,
    activationLatency: 4,
    vectorLanes: 128,
    vectorLatency: 4,
    ...ENERGY_TABLE_45NM,
  },
  small: {
    name: "small",
    rows: 8,
    cols: 8,
    dtype: "bf16",
    clockMHz: 700,
    unifiedBufferBytes: 1 * MiB,
    accumulatorRows: 1024,
    weightFifoTiles: 4,
    weightMemoryBytes: 16 * MiB,
    weightBytesPerCycle: 16,
    hostBytesPerCycle: 16,
    unifiedBufferReadPorts: 2,
    unifiedBufferWritePorts: 1,
    accumulatorReadPorts: 2,
    activationLatency: 2,
    vectorLanes: 8,
    vectorLatency: 2,
    ...ENERGY_TABLE_45NM,
  },
});

const INTEGER_FIELDS = [
  "rows",
  "cols",
  "unifiedBufferBytes",
  "accumulatorRows",
  "weightFifoTiles",
  "weightMemoryBytes",
  "weightBytesPerCycle",
  "hostBytesPerCycle",
  "unifiedBufferReadPorts",
  "unifiedBufferWritePorts",
  "accumulatorReadPorts",
  "vectorLanes",
] as const;
const POSITIVE_FIELDS = ["clockMHz", ...(Object.keys(ENERGY_TABLE_45NM) as (keyof typeof ENERGY_TABLE_45NM)[])] as const;
const NON_NEGATIVE_INTEGER_FIELDS = ["activationLatency", "vectorLatency"] as const;

/**
 * preset + overrides -> validated, derived, frozen config. `path` prefixes JSON paths in errors
 * (e.g. "$.hardware" when the overrides come from a workload spec). Every problem is reported in one
 * error, the first one's path in front, as workload specs are.
 */
export function buildHwConfig(
  preset: string,
  overrides: Record<string, unknown> = {},
  path = "$",
  file?: string,
): HwConfig {
  const base = Object.hasOwn(PRESETS, preset) ? PRESETS[preset] : undefined;
  if (!base) {
    throw new UserInputError(`unknown preset "${preset}" (known: ${Object.keys(PRESETS).join(", ")})`, {
      file,
      jsonPath: `${path}.preset`,
    });
  }
  const merged: Record<string, unknown> = Object.assign(Object.create(null), base);
  const problems: HwProblem[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (!Object.hasOwn(base, key)) problems.push({ key, message: `unknown hardware parameter "${key}"` });
    else merged[key] = value;
  }
  const cfg = validateAndDerive(merged, problems);
  if (problems.length > 0 || cfg === undefined) {
    const [first, ...rest] = problems;
    const detail = [first.message, ...rest.map((q) => `${path}.${q.key}: ${q.message}`)].join("; ");
    throw new UserInputError(detail, { file, jsonPath: `${path}.${first.key}` });
  }
  return cfg;
}

interface HwProblem {
  key: string;
  message: string;
}

function validateAndDerive(p: Record<string, unknown>, problems: HwProblem[]): HwConfig | undefined {
  const fail = (key: string, what: string): void => {
    problems.push({ key, message: `${what} (got ${showValue(p[key])})` });
  };
  for (const k of INTEGER_FIELDS) {
    const v = p[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) fail(k, "must be an integer >= 1");
  }
  for (const k of NON_NEGATIVE_INTEGER_FIELDS) {
    const v = p[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) fail(k, "must be an integer >= 0");
  }
  for (const k of POSITIVE_FIELDS) {
    const v = p[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) fail(k, "must be a number > 0");
  }
  if (p.dtype !== "int8" && p.dtype !== "bf16") fail("dtype", 'must be "int8" or "bf16"');
  if (typeof p.name !== "string") fail("name", "must be a string");
  for (const k of ["rows", "cols"] as const) {
    if ((p[k] as number) > MAX_ARRAY_DIMENSION) fail(k, `array dimensions are limited to ${MAX_ARRAY_DIMENSION} (docs/LIMITS.md)`);
  }
  // Sizes are derived only from values that passed; a bad one is already reported.
  if (problems.length > 0) return undefined;
  const params = p as unknown as HwParams;
  const elementBytes = params.dtype === "int8" ? 1 : 2;
  const cfg: HwConfig = {
    ...params,
    elementBytes,
    unifiedBufferElements: Math.floor(params.unifiedBufferBytes / elementBytes),
    // fp32 master + dtype copy per weight (docs/ARCHITECTURE.md "Weight memory").
    weightMemoryElements: Math.floor(params.weightMemoryBytes / (4 + elementBytes)),
    peakMacsPerCycle: params.rows * params.cols,
  };
  if (cfg.unifiedBufferElements < 1) fail("unifiedBufferBytes", "must hold at least one element");
  if (cfg.weightMemoryElements < 1) fail("weightMemoryBytes", `must hold at least one weight (${4 + elementBytes} bytes: fp32 master + ${params.dtype} copy)`);
  for (const q of memoryLimitProblems(cfg)) problems.push({ key: q.param, message: `is too large for the simulator (got ${showValue(p[q.param])}): ${q.message}` });
  return problems.length > 0 ? undefined : Object.freeze(cfg);
}


/** "16x16" or "3x5" -> [rows, cols]; errors name the flag. */
export function parseArraySize(text: string, where = "--array"): [number, number] {
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UserInputError(`expected RxC such as 16x16, got "${text}"`, { field: where });
  const r = Number(m[1]);
  const c = Number(m[2]);
  if (r < 1 || c < 1) throw new UserInputError(`array dimensions must be >= 1, got "${text}"`, { field: where });
  if (r > 4096 || c > 4096) throw new UserInputError(`array dimensions are limited to 4096, got "${text}"`, { field: where });
  return [r, c];
}

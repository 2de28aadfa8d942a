/**
 * The simulator's own limits (docs/LIMITS.md): how much host memory one simulated chip may take.
 * Every memory of the chip is a typed array in the host process, allocated when the chip is built;
 * these sizes are computed from the configuration first, so an impossible machine is refused at once
 * with the limit and the excess named, instead of dying in the allocator (or the V8 heap) later.
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Host memory one simulated memory (unified buffer, weight memory, ...) may take. */
export const MAX_MEMORY_HOST_BYTES = 2 * GiB;
/** Host memory all the memories of one simulated chip may take together. */
export const MAX_CHIP_HOST_BYTES = 4 * GiB;
/** Rows and columns of the systolic array (detailed mode keeps several R x C register planes). */
export const MAX_ARRAY_DIMENSION = 4096;

/** The configuration fields a memory's size depends on (HwConfig after derive()). */
export interface SizedConfig {
  readonly rows: number;
  readonly cols: number;
  readonly unifiedBufferElements: number;
  readonly weightMemoryElements: number;
  readonly accumulatorRows: number;
  readonly weightFifoTiles: number;
  readonly activationLatency: number;
  readonly vectorLanes: number;
  readonly vectorLatency: number;
}

/** One typed array of the chip: which parameter sizes it, and its host bytes (src/hw allocations). */
export interface MemoryDemand {
  /** The parameter to change, for the message. */
  readonly param: string;
  readonly what: string;
  readonly hostBytes: number;
  /** How one element is held, for the message. */
  readonly per: string;
}

/**
 * The chip's large allocations, as src/hw makes them (tpu.ts, accumulators.ts, weight-fifo.ts,
 * activation-unit.ts, vector-unit.ts). Weight memory holds only the fp32 masters (the dtype copy is
 * converted on read), `weightMemoryBytes / (4 + elementBytes)` of them.
 */
export function memoryDemands(c: SizedConfig): MemoryDemand[] {
  const vectorStages = c.vectorLatency + 2; // Lv + 1 pipeline slots and VEC's operand latch
  return [
    { param: "unifiedBufferBytes", what: "unified buffer", hostBytes: c.unifiedBufferElements * 4, per: "4 bytes per element" },
    { param: "weightMemoryBytes", what: "weight memory", hostBytes: c.weightMemoryElements * 4, per: "4 bytes per fp32 master weight" },
    { param: "accumulatorRows", what: "accumulators", hostBytes: c.accumulatorRows * c.cols * 4, per: "rows x cols x 4 bytes" },
    { param: "weightFifoTiles", what: "weight FIFO", hostBytes: c.weightFifoTiles * c.rows * c.cols * 4, per: "tiles x rows x cols x 4 bytes" },
    { param: "activationLatency", what: "activation pipeline", hostBytes: (c.activationLatency + 1) * c.cols * 4, per: "(stages + 1) x cols x 4 bytes" },
    {
      param: vectorStages > c.vectorLanes ? "vectorLatency" : "vectorLanes",
      what: "vector pipeline",
      hostBytes: vectorStages * c.vectorLanes * 4,
      per: "(stages + 2) x lanes x 4 bytes",
    },
  ];
}

/** Problems with the host memory a chip would take, each naming the parameter; [] when it fits. */
export function memoryLimitProblems(c: SizedConfig): { param: string; message: string }[] {
  const demands = memoryDemands(c);
  const problems = demands
    .filter((d) => d.hostBytes > MAX_MEMORY_HOST_BYTES)
    .map((d) => ({
      param: d.param,
      message:
        `the ${d.what} would take ${formatBytes(d.hostBytes)} of host memory in the simulator (${d.per}), ` +
        `${overBy(d.hostBytes, MAX_MEMORY_HOST_BYTES)} the limit of ${formatBytes(MAX_MEMORY_HOST_BYTES)} per memory (docs/LIMITS.md)`,
    }));
  const total = demands.reduce((s, d) => s + d.hostBytes, 0);
  if (problems.length === 0 && total > MAX_CHIP_HOST_BYTES) {
    const largest = demands.reduce((a, b) => (b.hostBytes > a.hostBytes ? b : a));
    problems.push({
      param: largest.param,
      message:
        `the chip's memories would take ${formatBytes(total)} of host memory together (${demands.map((d) => `${d.what} ${formatBytes(d.hostBytes)}`).join(", ")}), ` +
        `${overBy(total, MAX_CHIP_HOST_BYTES)} the limit of ${formatBytes(MAX_CHIP_HOST_BYTES)} per chip (docs/LIMITS.md)`,
    });
  }
  return problems;
}

/** "3.5 GiB", "640 MiB", "12 bytes". */
export function formatBytes(n: number): string {
  const units: [number, string][] = [[GiB, "GiB"], [MiB, "MiB"], [KiB, "KiB"]];
  for (const [size, unit] of units) if (n >= size) return `${trim(n / size)} ${unit}`;
  return `${n} bytes`;
}

/** "2.5x over", "1,000,000x over". */
export function overBy(need: number, limit: number): string {
  return `${trim(need / limit)}x over`;
}

function trim(x: number): string {
  return x >= 1000 ? Math.round(x).toLocaleString("en-US") : String(Number(x.toPrecision(3)));
}

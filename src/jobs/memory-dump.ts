/**
 * Memory contents after `tpusim run`: the regions the program wrote (unified buffer, accumulators,
 * host and weight memory, one region per distinct destination of its instructions), and regions asked
 * for with `--dump MEM:ADDR:ROWSxCOLS[:STRIDE]`. Values are as the memories hold them: unified-buffer
 * values in the data type, accumulators int32 or fp32, host float64, weight memory fp32.
 */
import type { HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";
import type { Instruction } from "../isa/opcodes.js";
import type { Program } from "../isa/program.js";

export type DumpMemory = "ub" | "acc" | "host" | "wm";

export interface DumpRegion {
  memory: DumpMemory;
  /** Element address (accumulators: first row). */
  address: number;
  rows: number;
  cols: number;
  /** Elements from one row's start to the next (accumulators: always the row width). */
  stride: number;
}

export interface MemoryDump extends DumpRegion {
  /** "pc 2 MMUL, pc 5 MMUL" for written regions; "--dump" for asked ones. */
  source: string;
  /** rows x cols values, or null when left out to keep the output small (see `omitted`). */
  values: number[][] | null;
}

/** Values shown for the written regions together; past this, regions are listed without values. */
export const WRITTEN_VALUES_LIMIT = 4096;
/** Largest region one --dump may ask for. */
export const DUMP_VALUES_LIMIT = 1_000_000;

const MEMORY_NAMES: Record<DumpMemory, string> = { ub: "unified buffer", acc: "accumulators", host: "host memory", wm: "weight memory" };

/** `ub:0:4x4`, `acc:16:2x8`, `host:32:4x4:8` (the stride last, default the row length). */
export function parseDump(text: string, hw: HwConfig): DumpRegion {
  const m = /^\s*(ub|acc|host|wm):(\d+):(\d+)[xX](\d+)(?::(\d+))?\s*$/.exec(text);
  if (!m) throw new UserInputError(`expected MEM:ADDR:ROWSxCOLS[:STRIDE] with MEM one of ub, acc, host, wm (e.g. ub:0:4x4), got "${text}"`, { field: "--dump" });
  const memory = m[1] as DumpMemory;
  const [address, rows, cols] = [Number(m[2]), Number(m[3]), Number(m[4])];
  const stride = memory === "acc" ? hw.cols : m[5] === undefined ? cols : Number(m[5]);
  if (rows < 1 || cols < 1) throw new UserInputError(`"${text}": rows and columns must be >= 1`, { field: "--dump" });
  if (memory === "acc" && m[5] !== undefined) throw new UserInputError(`"${text}": accumulator rows are ${hw.cols} wide; give no stride`, { field: "--dump" });
  if (rows * cols > DUMP_VALUES_LIMIT) throw new UserInputError(`"${text}" asks for ${rows * cols} values, more than ${DUMP_VALUES_LIMIT} at once`, { field: "--dump" });
  const region = { memory, address, rows, cols, stride };
  checkInside(region, memorySize(memory, hw, Number.POSITIVE_INFINITY), text);
  return region;
}

/** Elements (accumulators: rows) of a memory; host memory's size is known once the program is loaded. */
function memorySize(memory: DumpMemory, hw: HwConfig, hostElements: number): number {
  return memory === "ub" ? hw.unifiedBufferElements : memory === "acc" ? hw.accumulatorRows : memory === "wm" ? hw.weightMemoryElements : hostElements;
}

function checkInside(r: DumpRegion, size: number, text: string): void {
  const end = r.memory === "acc" ? r.address + r.rows : r.address + (r.rows - 1) * r.stride + r.cols;
  if (r.memory === "acc" && r.cols > r.stride) throw new UserInputError(`"${text}": accumulator rows have ${r.stride} columns`, { field: "--dump" });
  if (end > size) throw new UserInputError(`"${text}" ends at ${end - 1}, past the end of the ${MEMORY_NAMES[r.memory]} (${size} ${r.memory === "acc" ? "rows" : "elements"})`, { field: "--dump" });
}

/** Host regions can be checked only once host memory is sized (after loading the program). */
export function checkHostDumps(regions: readonly DumpRegion[], hostElements: number): void {
  for (const r of regions) if (r.memory === "host") checkInside(r, hostElements, `host:${r.address}:${r.rows}x${r.cols}:${r.stride}`);
}

/** Where one instruction writes, as a region (null: it writes no memory). */
function destination(ins: Instruction, hw: HwConfig): DumpRegion | null {
  const f = ins.f;
  switch (ins.op) {
    case "RHM":
    case "ACT":
      return { memory: "ub", address: f.ub, rows: f.rows, cols: f.cols, stride: f.ustride };
    case "VEC":
    case "VSMX":
      return { memory: "ub", address: f.dst, rows: f.rows, cols: f.cols, stride: f.dstride };
    case "VTR":
      return { memory: "ub", address: f.dst, rows: f.cols, cols: f.rows, stride: f.dstride };
    case "MMUL":
      return { memory: "acc", address: f.acc, rows: f.rows, cols: hw.cols, stride: hw.cols };
    case "WHM":
    case "WHMA":
      return { memory: "host", address: f.host, rows: f.rows, cols: f.cols, stride: f.hstride };
    case "VSGD":
      return { memory: "wm", address: f.wm, rows: f.rows, cols: f.cols, stride: f.wstride };
    default:
      return null;
  }
}

/** The distinct regions the program's instructions write, in memory order, with the instructions that write each. */
export function writtenRegions(program: Program, hw: HwConfig): { region: DumpRegion; source: string }[] {
  const byKey = new Map<string, { region: DumpRegion; writers: string[] }>();
  program.instructions.forEach((ins, pc) => {
    const region = destination(ins, hw);
    if (region === null || region.rows < 1 || region.cols < 1) return;
    const key = `${region.memory}:${region.address}:${region.rows}x${region.cols}:${region.stride}`;
    const entry = byKey.get(key) ?? { region, writers: [] };
    entry.writers.push(`pc ${pc} ${ins.op}`);
    byKey.set(key, entry);
  });
  const order: DumpMemory[] = ["ub", "acc", "host", "wm"];
  return [...byKey.values()]
    .sort((a, b) => order.indexOf(a.region.memory) - order.indexOf(b.region.memory) || a.region.address - b.region.address)
    .map((e) => ({ region: e.region, source: e.writers.length > 3 ? `${e.writers.slice(0, 3).join(", ")} and ${e.writers.length - 3} more` : e.writers.join(", ") }));
}

/** The memories after a run, as the dump reads them. */
export interface MemoryContents {
  ub: ArrayLike<number>;
  acc: ArrayLike<number>;
  host: ArrayLike<number>;
  wm: ArrayLike<number>;
}

export function readRegion(mem: MemoryContents, r: DumpRegion): number[][] {
  const source = mem[r.memory];
  const base = r.memory === "acc" ? r.address * r.stride : r.address;
  const out: number[][] = [];
  for (let i = 0; i < r.rows; i++) {
    const row: number[] = [];
    for (let j = 0; j < r.cols; j++) row.push(Number(source[base + i * r.stride + j] ?? Number.NaN));
    out.push(row);
  }
  return out;
}

/**
 * The written regions (values while the total stays within WRITTEN_VALUES_LIMIT) followed by the
 * asked ones (always with values). `omitted` counts written regions listed without values.
 */
export function collectDumps(
  mem: MemoryContents,
  written: readonly { region: DumpRegion; source: string }[],
  asked: readonly DumpRegion[],
): { dumps: MemoryDump[]; omitted: number } {
  let budget = WRITTEN_VALUES_LIMIT;
  let omitted = 0;
  const dumps: MemoryDump[] = written.map(({ region, source }) => {
    const n = region.rows * region.cols;
    if (n > budget) {
      omitted++;
      return { ...region, source, values: null };
    }
    budget -= n;
    return { ...region, source, values: readRegion(mem, region) };
  });
  for (const region of asked) dumps.push({ ...region, source: "--dump", values: readRegion(mem, region) });
  return { dumps, omitted };
}

/** A dump for people: a heading, then the values in aligned columns. */
export function formatDump(d: MemoryDump): string {
  const span = d.memory === "acc" ? (d.rows === 1 ? `row ${d.address}` : `rows ${d.address}..${d.address + d.rows - 1}`) : `at ${d.address}${d.stride !== d.cols ? `, stride ${d.stride}` : ""}`;
  const head = `${MEMORY_NAMES[d.memory]} ${span}, ${d.rows}x${d.cols} (${d.source})`;
  if (d.values === null) return `${head}: ${d.rows * d.cols} values, not shown (see --dump)`;
  const text = d.values.map((row) => row.map((v) => (Object.is(v, -0) ? "-0" : String(v))));
  const width = Math.max(...text.flat().map((s) => s.length));
  return [`${head}:`, ...text.map((row) => "  " + row.map((s) => s.padStart(width)).join("  "))].join("\n");
}

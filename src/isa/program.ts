/** A program: instructions plus the data it preloads into host memory or weight memory. */
import type { Instruction } from "./opcodes.js";

export type DataMemory = "host" | "weights";

export interface DataSegment {
  readonly memory: DataMemory;
  /** Element address of values[0]. */
  readonly address: number;
  readonly values: Float32Array;
}

export interface Program {
  readonly instructions: readonly Instruction[];
  readonly data: readonly DataSegment[];
}

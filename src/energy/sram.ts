/**
 * Energy of one 64-bit SRAM access as a function of the memory's capacity (docs/ENERGY.md "SRAM").
 * Horowitz gives three points (8 KiB, 32 KiB, 1 MiB); between them the energy is linear in
 * log2(capacity), and beyond them it follows the nearest segment. It never drops below 64 register
 * bits: a memory smaller than a few KiB is a register file, not an SRAM macro.
 */
import type { HwConfig } from "../config/hw-config.js";

const LOG2_8KIB = 13;
const LOG2_32KIB = 15;
const LOG2_1MIB = 20;

/** pJ per 64-bit access of an SRAM of `capacityBytes`. */
export function sramAccessPj(capacityBytes: number, hw: HwConfig): number {
  const x = Math.log2(Math.max(1, capacityBytes));
  const e =
    x <= LOG2_32KIB
      ? hw.energySram8KiBPj + ((hw.energySram32KiBPj - hw.energySram8KiBPj) * (x - LOG2_8KIB)) / (LOG2_32KIB - LOG2_8KIB)
      : hw.energySram32KiBPj + ((hw.energySram1MiBPj - hw.energySram32KiBPj) * (x - LOG2_32KIB)) / (LOG2_1MIB - LOG2_32KIB);
  return Math.max(64 * hw.energyRegisterBitPj, e);
}

/** pJ per byte moved through an SRAM of `capacityBytes`; a write costs what a read does. */
export function sramBytePj(capacityBytes: number, hw: HwConfig): number {
  return sramAccessPj(capacityBytes, hw) / 8;
}

/** The capacities the model charges accesses at: the memory a single access touches. */
export interface SramCapacities {
  unifiedBuffer: number;
  /** One column's accumulator memory (`accumulatorRows` x 4 bytes): each column slice is its own RAM. */
  accumulatorColumn: number;
  weightFifo: number;
}

export function sramCapacities(hw: HwConfig): SramCapacities {
  return {
    unifiedBuffer: hw.unifiedBufferBytes,
    accumulatorColumn: hw.accumulatorRows * 4,
    weightFifo: hw.weightFifoTiles * hw.rows * hw.cols * hw.elementBytes,
  };
}

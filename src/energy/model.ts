/**
 * The energy model (docs/ENERGY.md): a run's counters times the hardware's per-operation energies,
 * plus static power times the run's time. Pure: the same counters and machine give the same joules.
 * Every energy is a hardware parameter (src/config/hw-config.ts), so `--set` overrides it.
 */
import type { HwConfig } from "../config/hw-config.js";
import type { RunStats } from "../sim/stats.js";
import { sramBytePj, sramCapacities } from "./sram.js";

/** The parts energy is charged to, in report order. */
export const ENERGY_PARTS = [
  "macArray",
  "unifiedBuffer",
  "accumulators",
  "weightFifo",
  "weightMemory",
  "hostLink",
  "activation",
  "vector",
  "static",
] as const;
export type EnergyPart = (typeof ENERGY_PARTS)[number];

/** Joules per part. */
export type EnergyParts = Record<EnergyPart, number>;

/** The per-operation energies the model charges, in pJ, as derived from the machine. */
export interface EnergyRates {
  /** One useful MAC: the arithmetic of the array's dtype. */
  macPj: number;
  /** The PE pipeline registers a MAC writes: its activation register (elementBytes) and its psum register (4 bytes). */
  macRegistersPj: number;
  unifiedBufferBytePj: number;
  accumulatorBytePj: number;
  weightFifoBytePj: number;
  weightRegisterPj: number;
  weightMemoryBytePj: number;
  hostLinkBytePj: number;
  activationElementPj: number;
  vectorElementPj: number;
  staticPowerW: number;
}

const PSUM_BYTES = 4;
const MiB = 1024 * 1024;

export function energyRates(hw: HwConfig): EnergyRates {
  const caps = sramCapacities(hw);
  const registerBytePj = 8 * hw.energyRegisterBitPj;
  return {
    macPj: hw.dtype === "int8" ? hw.energyMacInt8Pj : hw.energyMacBf16Pj,
    macRegistersPj: (hw.elementBytes + PSUM_BYTES) * registerBytePj,
    unifiedBufferBytePj: sramBytePj(caps.unifiedBuffer, hw),
    accumulatorBytePj: sramBytePj(caps.accumulatorColumn, hw),
    weightFifoBytePj: sramBytePj(caps.weightFifo, hw),
    weightRegisterPj: hw.elementBytes * registerBytePj,
    weightMemoryBytePj: hw.energyWeightMemory64bPj / 8,
    hostLinkBytePj: 8 * hw.energyHostLinkBitPj,
    activationElementPj: hw.energyActivationElementPj,
    vectorElementPj: hw.energyVectorElementPj,
    staticPowerW: staticPowerW(hw),
  };
}

/**
 * Idle power, scaled from TPU v1's 28 W by what the machine has: per PE (the matrix unit's area
 * share), per MiB of unified buffer and accumulators (their share), plus a fixed rest.
 */
export function staticPowerW(hw: HwConfig): number {
  const sramMiB = (hw.unifiedBufferBytes + hw.accumulatorRows * hw.cols * PSUM_BYTES) / MiB;
  return hw.rows * hw.cols * hw.staticPowerPerPeUw * 1e-6 + sramMiB * hw.staticPowerPerSramMiBW + hw.staticPowerOtherW;
}

/** Joules per part for a run's counters on machine `hw`. */
export function energyOf(stats: RunStats, hw: HwConfig, rates: EnergyRates = energyRates(hw)): EnergyParts {
  const pj = 1e-12;
  const b = stats.bytes;
  const seconds = stats.cycles / (hw.clockMHz * 1e6);
  return {
    macArray: stats.macs * (rates.macPj + rates.macRegistersPj) * pj,
    unifiedBuffer: (b.unifiedBufferRead + b.unifiedBufferWritten) * rates.unifiedBufferBytePj * pj,
    accumulators: (b.accumulatorRead + b.accumulatorWritten) * rates.accumulatorBytePj * pj,
    weightFifo:
      ((b.weightFifoWritten + b.weightFifoRead) * rates.weightFifoBytePj + stats.ops.weightRegisterWrites * rates.weightRegisterPj) * pj,
    weightMemory: (b.weightMemoryRead + b.weightMemoryWritten) * rates.weightMemoryBytePj * pj,
    hostLink: (b.hostRead + b.hostWritten) * rates.hostLinkBytePj * pj,
    activation: stats.ops.activationElements * rates.activationElementPj * pj,
    vector: stats.ops.vectorElements * rates.vectorElementPj * pj,
    static: rates.staticPowerW * seconds,
  };
}

export function totalEnergy(parts: EnergyParts): number {
  let sum = 0;
  for (const p of ENERGY_PARTS) sum += parts[p];
  return sum;
}

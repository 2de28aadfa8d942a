/** The machine a job runs on: a preset (or a workload's hardware section), then command-line overrides. */
import { buildHwConfig, parseArraySize, type HwConfig } from "../config/hw-config.js";
import { UserInputError } from "../errors.js";

export interface HardwareFlags {
  preset?: string;
  /** "RxC". */
  array?: string;
  dtype?: string;
  /** "name=value" hardware parameter overrides. */
  set?: readonly string[];
}

export interface HardwareBase {
  preset: string;
  overrides: Readonly<Record<string, unknown>>;
}

export function resolveHardware(flags: HardwareFlags, base: HardwareBase = { preset: "tpu-v2", overrides: {} }): HwConfig {
  const preset = flags.preset ?? base.preset;
  const overrides: Record<string, unknown> = flags.preset ? {} : { ...base.overrides };
  if (flags.array !== undefined) {
    const [rows, cols] = parseArraySize(flags.array);
    overrides.rows = rows;
    overrides.cols = cols;
  }
  if (flags.dtype !== undefined) overrides.dtype = flags.dtype;
  for (const item of flags.set ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(item);
    if (!m) throw new UserInputError(`expected name=value, got "${item}"`, { field: "--set" });
    const n = Number(m[2]);
    overrides[m[1]] = Number.isFinite(n) && m[2].trim() !== "" ? n : m[2];
  }
  return buildHwConfig(preset, overrides, "--set", undefined);
}

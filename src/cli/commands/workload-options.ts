/** Command-line overrides of a workload spec (--epochs, --batch), checked like the spec itself. */
import { UsageError } from "../options.js";
import type { WorkloadSpec } from "../../workloads/types.js";

export function withWorkloadOverrides(spec: WorkloadSpec, argv: Record<string, unknown>): WorkloadSpec {
  return {
    ...spec,
    epochs: (argv.epochs as number | undefined) ?? spec.epochs,
    batch: (argv.batch as number | undefined) ?? spec.batch,
  };
}

/** yargs check: each named option, when given, is a whole number >= 1. */
export function positiveInt(names: readonly string[]) {
  return (argv: Record<string, unknown>): true => {
    for (const n of names) {
      const v = argv[n];
      if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 1)) {
        throw new UsageError(`--${n} must be a whole number >= 1, got ${String(v)}`);
      }
    }
    return true;
  };
}

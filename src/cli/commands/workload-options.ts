/** Command-line overrides of a workload spec (--epochs, --batch, --lr, --seed), checked like the spec itself. */
import type { Argv } from "yargs";
import { UsageError } from "../options.js";
import type { WorkloadSpec } from "../../workloads/types.js";

/** Random (numerics/random.ts) keeps 32 bits of the seed, as the workload schema does. */
const MAX_SEED = 0xffffffff;

export function withWorkloadOverrides(spec: WorkloadSpec, argv: Record<string, unknown>): WorkloadSpec {
  return {
    ...spec,
    epochs: (argv.epochs as number | undefined) ?? spec.epochs,
    batch: (argv.batch as number | undefined) ?? spec.batch,
    learningRate: (argv.lr as number | undefined) ?? spec.learningRate,
    seed: (argv.seed as number | undefined) ?? spec.seed,
  };
}

/** --lr, --seed and --quiet (train and eval). */
export function withTrainingOverrides<T>(y: Argv<T>) {
  return y
    .option("lr", { type: "number", describe: "learning rate (default: the workload's learningRate)" })
    .option("seed", { type: "number", describe: "seed of the initial weights and the shuffle (default: the workload's)" })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "no progress or per-epoch lines on stderr; only the result" })
    .check((argv) => {
      const lr = argv.lr as number | undefined;
      // The machine applies the rate as fp32: one that rounds to 0 there would not train.
      if (lr !== undefined && !(Number.isFinite(lr) && Math.fround(lr) > 0)) throw new UsageError(`--lr must be a number > 0, got ${lr}`);
      const seed = argv.seed as number | undefined;
      if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
        throw new UsageError(`--seed must be a whole number in [0, ${MAX_SEED}], got ${seed}`);
      }
      return true;
    });
}

/** Which workload settings a run used, and where each came from: for the summary and the JSON object. */
export function settingsUsed(spec: WorkloadSpec, argv: Record<string, unknown>, names: readonly ("learningRate" | "seed" | "batch" | "epochs")[]) {
  const flag = { learningRate: "lr", seed: "seed", batch: "batch", epochs: "epochs" } as const;
  const settings: Record<string, { value: number; from: string }> = {};
  for (const n of names) settings[n] = { value: spec[n], from: argv[flag[n]] === undefined ? "workload" : `--${flag[n]}` };
  return settings;
}

/** "lr 0.5 (--lr), seed 1 (workload)". */
export function formatSettings(settings: Record<string, { value: number; from: string }>): string {
  const label: Record<string, string> = { learningRate: "lr", seed: "seed", batch: "batch", epochs: "epochs" };
  return Object.entries(settings).map(([k, s]) => `${label[k]} ${s.value} (${s.from})`).join(", ");
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

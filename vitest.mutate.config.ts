import { defineConfig } from "vitest/config";

/**
 * The test set for `npm run mutate` (Stryker, see docs/MUTATION.md): only the tests that drive the
 * simulator's units, controller, hazards and fast mode's predictors. CLI, job, browser, training and
 * the WASM-kernel tests are left out: they are slow and exercise code outside the mutated files.
 */
export default defineConfig({
  test: {
    include: ["test/hw/**/*.test.ts", "test/sim/**/*.test.ts"],
    exclude: [
      // The WASM SIMD pass kernels are not mutated (docs/MUTATION.md); these are the slowest files.
      "test/sim/pass-kernels.test.ts",
      // Large products (K = 2^17) and repeated runs: seconds each, and the equivalence, naive-chip
      // and timing tests already compare every memory bit for bit and every trace row.
      "test/sim/matmul.test.ts",
      "test/sim/determinism.test.ts",
    ],
    // One module graph for all the test files of a mutant's run instead of one per file: Stryker's
    // runner starts a fresh worker per file when isolate is on (vitest's default), and each mutant
    // is covered by tests in up to all 29 files. Stryker activates the mutant at run time (beforeAll of
    // its setup file, which vitest re-imports for every file), so a shared module cache is safe.
    isolate: false,
    // fast-check ends at the first failure (no shrinking); a hung run ends in the watchdog's fault.
    setupFiles: ["test/mutation/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Fewer random programs per property than `npm test` runs, so a mutant that survives costs
    // seconds, not tens of seconds. The seeds are fixed so the run is reproducible: the naive-chip
    // test otherwise draws a new seed on every run, i.e. other programs for every mutant than the
    // dry run that decided which tests cover it.
    env: { TPUSIM_EQUIVALENCE_RUNS: "40", TPUSIM_NAIVE_SEED: "20251201" },
  },
});

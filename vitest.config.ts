import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    // CLI tests build dist and spawn their runs in beforeAll: on a busy 2-core machine that takes
    // longer than vitest's 10 s default for hooks.
    hookTimeout: 120_000,
    pool: "forks",
  },
});

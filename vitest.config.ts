import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    // CLI suites spawn their cases in beforeAll; on two shared cores that takes longer than the 10 s default.
    hookTimeout: 120_000,
    pool: "forks",
  },
});

import { defineConfig } from "vitest/config";

// Tests start real processes on real ports; the machines have two cores, so files run two at a time.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
  },
});

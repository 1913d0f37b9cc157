import { defineConfig } from "vitest/config";

// Tests start real processes on real ports; the machines have two cores, so files run two at a time.
// The storage conformance suite runs twice: against one storage process, and against the three-zone
// cluster (a router in front of three Raft-replicated storage nodes).
export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: { name: "all", include: ["packages/*/test/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "storage-3az",
          include: ["packages/storage/test/conformance/**/*.test.ts"],
          env: { STORAGE_TARGET: "hakobune-3az" },
        },
      },
    ],
  },
});

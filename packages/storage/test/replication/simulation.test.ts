/**
 * Seeded simulations of groups that start with three and five nodes, under loss, delay, reordering,
 * duplication, partitions, crash-restarts and membership changes, checking Raft's safety properties after every step and that every
 * acknowledged write survives (see simulator.ts). `RAFT_SEEDS=<n>` runs more seeds; `RAFT_SEED=<n>`
 * replays one.
 */
import { describe, expect, it } from "vitest";
import { runSimulation, type SimulationReport } from "./simulator.js";

const replaySeed = process.env.RAFT_SEED === undefined ? undefined : Number(process.env.RAFT_SEED);
/** 150 by default: membership changes made each run dearer, and the suite keeps its time budget. */
const seedCount = Number(process.env.RAFT_SEEDS ?? 150);
/** About 20 ms per seed on a slow machine; leave room for larger RAFT_SEEDS runs. */
const timeoutMs = Math.max(60_000, seedCount * 100);

function seeds(count: number, offset: number): number[] {
  if (replaySeed !== undefined) return [replaySeed];
  return Array.from({ length: count }, (_, k) => offset + k);
}

function totals(reports: SimulationReport[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const report of reports) {
    for (const [key, value] of Object.entries(report)) if (key !== "seed") sum[key] = (sum[key] ?? 0) + value;
  }
  return sum;
}

describe("Raft simulation", () => {
  it(
    "keeps every safety property and every acknowledged write, three nodes",
    () => {
      const reports = seeds(seedCount, 1).map((seed) => runSimulation({ seed, nodeCount: 3 }));
      const sum = totals(reports);
      console.log("three nodes:", JSON.stringify(sum));
      // The runs must exercise what they claim to: writes, reads, crashes, elections, snapshots.
      expect(sum.acknowledgedWrites).toBeGreaterThan(0);
      if (replaySeed === undefined) {
        expect(sum.confirmedReads).toBeGreaterThan(0);
        expect(sum.crashes).toBeGreaterThan(0);
        expect(sum.snapshotsSent).toBeGreaterThan(0);
        expect(sum.leaderTerms).toBeGreaterThan(reports.length);
        expect(sum.configChanges).toBeGreaterThan(0);
        expect(sum.removedNodes).toBeGreaterThan(0);
        expect(sum.refusedConfigChanges).toBeGreaterThan(0);
      }
    },
    timeoutMs,
  );

  it(
    "keeps every safety property and every acknowledged write, five nodes",
    () => {
      const reports = seeds(Math.ceil(seedCount / 4), 100_001).map((seed) =>
        runSimulation({ seed, nodeCount: 5 }),
      );
      const sum = totals(reports);
      console.log("five nodes:", JSON.stringify(sum));
      expect(sum.acknowledgedWrites).toBeGreaterThan(0);
      if (replaySeed === undefined) expect(sum.configChanges).toBeGreaterThan(0);
    },
    timeoutMs,
  );
});

/**
 * How big an item group is, from the engine's per-partition byte counters, and keeping those counters
 * aligned with the groups. Each table's engine partitions start as the cluster's initial equal ranges
 * and are split in halves along with the groups, so a group's range is normally a union of whole
 * engine partitions and its size is exact; where a table's partition is wider than the group (a table
 * created after the split), the group is counted its share of the partition, assuming keys hash
 * evenly.
 */
import type { StorageEngine } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import type { HashRange } from "../partitions/index.js";

/** Halvings of one engine partition at most to reach a boundary: the hash has 32 bits. */
const maxHalvingsPerBoundary = 32;

/** The bytes of the items in `range`, over every table (see the module comment for tables not aligned). */
export function groupSizeBytes(engine: StorageEngine, range: HashRange): number {
  let total = 0;
  for (const name of engine.listTableNames()) {
    for (const { partition, sizeBytes } of engine.partitionStats(name)) {
      const start = Math.max(partition.startHash, range.startHash);
      const end = Math.min(partition.endHash, range.endHash);
      if (end <= start) continue;
      total += (sizeBytes * (end - start)) / (partition.endHash - partition.startHash);
    }
  }
  return total;
}

/**
 * Splits every table's engine partitions in halves until none straddles `boundary`, so that the
 * counters of the ranges on either side are exact. Idempotent (a split applied again after a crash
 * finds nothing to do).
 */
export async function alignEnginePartitions(engine: StorageEngine, boundary: number): Promise<void> {
  for (const name of engine.listTableNames()) {
    for (let halving = 0; halving < maxHalvingsPerBoundary; halving++) {
      const table = engine.getTable(name);
      const straddling = table?.partitions.find(
        (partition) => partition.startHash < boundary && boundary < partition.endHash,
      );
      if (!straddling) break;
      try {
        await engine.splitPartition(name, straddling.id);
      } catch (error) {
        // The table was deleted meanwhile: its counters go with it.
        if (error instanceof DynamoError) break;
        throw error;
      }
    }
  }
}

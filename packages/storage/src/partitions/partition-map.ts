/**
 * The partition map of a table: the ordered list of partitions that together cover the whole hash
 * space [0, 2^32) with no gap and no overlap. A partition is first-class — an id, a hash range and (in
 * the engine) its own change sequence — because replication will make each one a Raft group placed on
 * storage nodes. Everything here is pure: the engine persists the map, this module only computes it.
 */
import { type HashRange, hashSpaceSize } from "./hash.js";

/** One partition of a table: the items whose partition key hashes into [startHash, endHash). */
export interface PartitionRecord extends HashRange {
  /** Stable and unique across tables and splits: `<tableId>-<startHash hex>-<endHash hex>`. */
  id: string;
}

/** Raised when a partition map breaks its invariants: always a bug, never bad client input. */
export class PartitionMapError extends Error {
  readonly code = "PARTITION_MAP_INVALID";
  override readonly name = "PartitionMapError";
}

/** Most partitions one table may be created with, a bound on the map's size. */
export const maxInitialPartitions = 1024;

function hex(value: number): string {
  return value.toString(16).padStart(8, "0");
}

/** The id of the partition of table `tableId` covering `range`; ranges are unique within a table. */
export function partitionId(tableId: number, range: HashRange): string {
  return `${tableId}-${hex(range.startHash)}-${hex(range.endHash)}`;
}

function partition(tableId: number, startHash: number, endHash: number): PartitionRecord {
  return { id: partitionId(tableId, { startHash, endHash }), startHash, endHash };
}

/** A new table's map: `count` partitions of (nearly) equal hash ranges. */
export function createPartitionMap(tableId: number, count: number): PartitionRecord[] {
  if (!Number.isInteger(count) || count < 1 || count > maxInitialPartitions) {
    throw new PartitionMapError(
      `partition count must be an integer in [1, ${maxInitialPartitions}], got ${count}`,
    );
  }
  const partitions: PartitionRecord[] = [];
  for (let i = 0; i < count; i++) {
    partitions.push(
      partition(
        tableId,
        Math.floor((i * hashSpaceSize) / count),
        Math.floor(((i + 1) * hashSpaceSize) / count),
      ),
    );
  }
  assertPartitionMap(partitions);
  return partitions;
}

/** Throws `PartitionMapError` unless the partitions are ordered and cover [0, 2^32) exactly once. */
export function assertPartitionMap(partitions: readonly PartitionRecord[]): void {
  if (partitions.length === 0) throw new PartitionMapError("a partition map needs at least one partition");
  let expectedStart = 0;
  const ids = new Set<string>();
  for (const { id, startHash, endHash } of partitions) {
    if (startHash !== expectedStart) {
      throw new PartitionMapError(
        `partition ${id} starts at ${startHash}, expected ${expectedStart}: gap or overlap`,
      );
    }
    if (!Number.isInteger(endHash) || endHash <= startHash) {
      throw new PartitionMapError(`partition ${id} has an empty or invalid range [${startHash}, ${endHash})`);
    }
    if (ids.has(id)) throw new PartitionMapError(`duplicate partition id ${id}`);
    ids.add(id);
    expectedStart = endHash;
  }
  if (expectedStart !== hashSpaceSize) {
    throw new PartitionMapError(`partitions end at ${expectedStart}, expected ${hashSpaceSize}`);
  }
}

/** The partition whose range holds `hash` (binary search). */
export function partitionFor(partitions: readonly PartitionRecord[], hash: number): PartitionRecord {
  let low = 0;
  let high = partitions.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = partitions[middle]!;
    if (hash < candidate.startHash) high = middle - 1;
    else if (hash >= candidate.endHash) low = middle + 1;
    else return candidate;
  }
  throw new PartitionMapError(`no partition holds hash ${hash}`);
}

/**
 * The map with partition `id` replaced by its two halves. Item keys start with the hash, so a split
 * moves no data: each half's items are already a contiguous key range.
 */
export function splitPartition(
  tableId: number,
  partitions: readonly PartitionRecord[],
  id: string,
): { partitions: PartitionRecord[]; lower: PartitionRecord; upper: PartitionRecord } {
  const index = partitions.findIndex((candidate) => candidate.id === id);
  if (index < 0) throw new PartitionMapError(`no partition ${id}`);
  const parent = partitions[index]!;
  if (parent.endHash - parent.startHash < 2)
    throw new PartitionMapError(`partition ${id} is too small to split`);
  const middle = parent.startHash + Math.floor((parent.endHash - parent.startHash) / 2);
  const lower = partition(tableId, parent.startHash, middle);
  const upper = partition(tableId, middle, parent.endHash);
  const next = [...partitions.slice(0, index), lower, upper, ...partitions.slice(index + 1)];
  assertPartitionMap(next);
  return { partitions: next, lower, upper };
}

/**
 * Change records: every write appends one to its partition's change log — sequence number, table, key,
 * old and new image, time — which replication and change streams read in sequence order. Each
 * partition keeps only its latest `maxChangeRecordsPerPartition` records.
 */
import type { Item } from "../values/types.js";

export type ChangeKind = "INSERT" | "MODIFY" | "REMOVE";

export interface ChangeRecord {
  /** Starts at 1 in a new table's partitions and grows by exactly 1 per record within a partition. */
  sequence: number;
  tableName: string;
  partitionId: string;
  kind: ChangeKind;
  /** The key attributes of the written item. */
  key: Item;
  /** The item before the write; absent for INSERT. */
  oldImage?: Item;
  /** The item after the write; absent for REMOVE. */
  newImage?: Item;
  /** Wall-clock time of the commit, milliseconds since the epoch. */
  timeMs: number;
}

/** A partition's persistent counters, updated in the same transaction as its items. */
export interface PartitionState {
  itemCount: number;
  sizeBytes: number;
  /** Sequence of the oldest retained change record (`lastSequence + 1` when none is retained). */
  firstSequence: number;
  /** Sequence of the newest change record; 0 before the first write. */
  lastSequence: number;
}

export function emptyPartitionState(): PartitionState {
  return { itemCount: 0, sizeBytes: 0, firstSequence: 1, lastSequence: 0 };
}

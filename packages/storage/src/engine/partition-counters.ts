/**
 * Partition counters (item count, size, change sequences) as the write path keeps them: in memory
 * between commits, stored once per group commit instead of once per write. Every write of a commit
 * updates the cached state; `storeChanged` writes each changed partition's state in the same LMDB
 * transaction as the writes it counts, so after any crash the stored counters match the stored items
 * exactly. The cache mirrors the store as of the current write transaction, which holds because the
 * engine calls `forgetTable` whenever it writes a table's counters by another way, and `forgetAll`
 * when a commit fails and the store rolls back.
 */
import type { PartitionRecord } from "../partitions/partition-map.js";
import type { PartitionState } from "./change-record.js";
import { partitionStateKey } from "./store-keys.js";

export interface CounterStore {
  /** Reads a partition's stored state inside the current write transaction. */
  read(key: Buffer): PartitionState | undefined;
  /** Writes a partition's state inside the current write transaction. */
  write(key: Buffer, state: PartitionState): void;
}

interface CachedCounters {
  tableId: number;
  key: Buffer;
  state: PartitionState;
}

/** Raised when a write names a partition whose counters the store does not have. */
export class MissingPartitionCountersError extends Error {
  readonly code = "MISSING_PARTITION_COUNTERS";
  override readonly name = "MissingPartitionCountersError";
  constructor(partitionId: string) {
    super(`missing counters of partition ${partitionId}`);
  }
}

/**
 * Most partitions whose counters stay cached; beyond it the cache starts again from the store (one
 * read per partition), so memory stays bounded however many tables and partitions exist.
 */
export const maxCachedPartitions = 65_536;

export class PartitionCounters {
  readonly #store: CounterStore;
  /** By partition record, the cheap lookup of every write; a record is never changed in place. */
  readonly #byRecord = new Map<PartitionRecord, CachedCounters>();
  /**
   * By counter key (latin1): one entry per stored state even if a table's records are ever replaced
   * by equal ones, so two cached copies of one partition's counters can never overwrite each other.
   */
  readonly #byKey = new Map<string, CachedCounters>();
  readonly #changed = new Set<CachedCounters>();

  constructor(store: CounterStore) {
    this.#store = store;
  }

  /**
   * The live state of a partition, to be changed in place by a write inside the current write
   * transaction; it is stored by the next `storeChanged`.
   */
  stateForWrite(tableId: number, partition: PartitionRecord): PartitionState {
    let cached = this.#byRecord.get(partition);
    if (cached === undefined) {
      if (this.#byRecord.size >= maxCachedPartitions && this.#changed.size === 0) this.forgetAll();
      const key = partitionStateKey(tableId, partition);
      const keyText = key.toString("latin1");
      cached = this.#byKey.get(keyText);
      if (cached === undefined) {
        const stored = this.#store.read(key);
        if (!stored) throw new MissingPartitionCountersError(partition.id);
        cached = { tableId, key, state: { ...stored } };
        this.#byKey.set(keyText, cached);
      }
      this.#byRecord.set(partition, cached);
    }
    this.#changed.add(cached);
    return cached.state;
  }

  /** Writes the state of every partition changed since the last call, inside the current write transaction. */
  storeChanged(): void {
    for (const { key, state } of this.#changed) this.#store.write(key, state);
    this.#changed.clear();
  }

  /** Drops a table's cached counters: the engine is about to write or remove them itself. */
  forgetTable(tableId: number): void {
    for (const [partition, cached] of this.#byRecord) {
      if (cached.tableId === tableId) this.#byRecord.delete(partition);
    }
    for (const [keyText, cached] of this.#byKey) {
      if (cached.tableId === tableId) {
        this.#byKey.delete(keyText);
        this.#changed.delete(cached);
      }
    }
  }

  /** Drops everything cached: a commit failed, so the store no longer holds what the cache says. */
  forgetAll(): void {
    this.#byRecord.clear();
    this.#byKey.clear();
    this.#changed.clear();
  }
}

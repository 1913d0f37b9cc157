/**
 * Applies one write transaction's buffered writes inside the current LMDB write transaction: the
 * items themselves, one change record per changed item (old image, new image, the partition's next
 * sequence) with the partition's change log trimmed to its bound, and the partition counters.
 *
 * Each image is encoded to JSON once: the new item's text is both the stored item and the change
 * record's new image, and the old item's text comes from the read that found it.
 */
import { asBinary, type Database } from "lmdb";
import { partitionFor } from "../partitions/index.js";
import type { PartitionRecord } from "../partitions/partition-map.js";
import { itemSizeBytes } from "../values/size.js";
import type { Item } from "../values/types.js";
import { encodeChangeRecord } from "./change-encoding.js";
import type { ChangeRecord, PartitionState } from "./change-record.js";
import { keyAttributesOf } from "./item-location.js";
import type { PartitionCounters } from "./partition-counters.js";
import { changeRecordKey } from "./store-keys.js";
import type { TableRecord } from "./table-record.js";
import type { BufferedWrite, CommittedItem } from "./write-transaction.js";

interface JsonTextReader {
  getString(key: Buffer): string | undefined;
}

/** Most change records trimmed by one write; more only after `maxChangeRecordsPerPartition` is lowered. */
const maxTrimmedChangesPerWrite = 1_000;

export interface WriteApplierOptions {
  /** The items database (JSON values). */
  items: Database<Item, Buffer>;
  /** The change records database (JSON values). */
  changes: Database<ChangeRecord, Buffer>;
  counters: PartitionCounters;
  /** Change records kept per partition. */
  maxChangeRecordsPerPartition: number;
  /** The current record of a table; throws ResourceNotFoundException once it is deleted. */
  liveTable: (table: TableRecord) => TableRecord;
}

export class WriteApplier {
  readonly #items: Database<Item, Buffer>;
  readonly #changes: Database<ChangeRecord, Buffer>;
  readonly #counters: PartitionCounters;
  readonly #maxChangeRecordsPerPartition: number;
  readonly #liveTable: (table: TableRecord) => TableRecord;

  constructor(options: WriteApplierOptions) {
    this.#items = options.items;
    this.#changes = options.changes;
    this.#counters = options.counters;
    this.#maxChangeRecordsPerPartition = options.maxChangeRecordsPerPartition;
    this.#liveTable = options.liveTable;
  }

  /** The stored JSON text of the item at `key`: inside a write transaction as of it, else as of the latest commit. */
  readJson(key: Buffer): string | undefined {
    // lmdb-js reads a JSON database this way itself, before parsing; its declarations omit getString.
    return (this.#items as unknown as JsonTextReader).getString(key);
  }

  /** Applies `writes`, stamping their change records with `timeMs`. */
  apply(writes: readonly BufferedWrite[], timeMs: number): void {
    // Check first, write second: a transaction that fails must leave nothing in the shared LMDB batch.
    const tables = writes.map(({ table }) => this.#liveTable(table));
    writes.forEach((write, index) => {
      const table = tables[index]!;
      const committed = write.committed ?? this.#readCommitted(write.location.key);
      const old = committed.item;
      const item = write.item;
      if (old === undefined && item === undefined) return;
      const partition = partitionFor(table.partitions, write.location.hash);
      const state = this.#counters.stateForWrite(table.id, partition);
      const newImageJson = item === undefined ? undefined : JSON.stringify(item);
      if (newImageJson === undefined) this.#items.remove(write.location.key);
      else this.#items.put(write.location.key, asStoredValue<Item>(newImageJson));
      state.itemCount += (item ? 1 : 0) - (old ? 1 : 0);
      state.sizeBytes += (item ? itemSizeBytes(item) : 0) - (old ? itemSizeBytes(old) : 0);
      state.lastSequence++;
      const record = encodeChangeRecord({
        sequence: state.lastSequence,
        tableNameJson: JSON.stringify(table.name),
        partitionIdJson: JSON.stringify(partition.id),
        kind: old === undefined ? "INSERT" : item === undefined ? "REMOVE" : "MODIFY",
        keyJson: JSON.stringify(keyAttributesOf(table, item ?? old!)),
        oldImageJson: old === undefined ? undefined : (committed.json ?? JSON.stringify(old)),
        newImageJson,
        timeMs,
      });
      this.#changes.put(
        changeRecordKey(table.id, partition, state.lastSequence),
        asStoredValue<ChangeRecord>(record),
      );
      this.#trimChanges(table.id, partition, state);
    });
  }

  #readCommitted(key: Buffer): CommittedItem {
    const json = this.readJson(key);
    return { item: json === undefined ? undefined : (JSON.parse(json) as Item), json };
  }

  #trimChanges(tableId: number, partition: PartitionRecord, state: PartitionState): void {
    let trimmed = 0;
    while (
      state.lastSequence - state.firstSequence + 1 > this.#maxChangeRecordsPerPartition &&
      trimmed < maxTrimmedChangesPerWrite
    ) {
      this.#changes.remove(changeRecordKey(tableId, partition, state.firstSequence));
      state.firstSequence++;
      trimmed++;
    }
  }
}

/**
 * JSON text to store as it is in a database whose values are JSON: the database's encoder would
 * encode the string once more, as a JSON string.
 */
function asStoredValue<T>(json: string): T {
  return asBinary(Buffer.from(json, "utf8")) as unknown as T;
}

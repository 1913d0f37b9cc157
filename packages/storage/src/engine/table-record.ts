/**
 * What the engine keeps about a table: its name, numeric id (the prefix of its item keys), key schema,
 * partition map and the API layer's own description of it, which the engine stores without reading.
 */
import type { PartitionRecord } from "../partitions/partition-map.js";
import type { KeyAttributeType } from "../values/types.js";

export interface KeyAttribute {
  name: string;
  type: KeyAttributeType;
}

export interface KeySchema {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableRecord {
  readonly name: string;
  /** Never reused, even after the table is deleted, so stale keys can never be read as a new table's. */
  readonly id: number;
  readonly keySchema: KeySchema;
  readonly createdAtMs: number;
  /** The API layer's description of the table (the CreateTable input it wants back); opaque here. */
  readonly definition: unknown;
  /** Ordered by hash range; covers the whole hash space (see `assertPartitionMap`). */
  readonly partitions: readonly PartitionRecord[];
}

/** Item count and size of a table or a partition, kept up to date by every write. */
export interface StorageStats {
  itemCount: number;
  /** Sum of the items' DynamoDB sizes (`itemSizeBytes`). */
  sizeBytes: number;
}

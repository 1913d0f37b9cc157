/**
 * Where an item lives: its key attributes turned into the physical item key and partition key hash.
 * The API layer validates keys before they get here; these checks keep the engine's own invariants
 * (a key it stores is always complete, well typed and within LMDB's key size) whoever calls it.
 */
import { validationError } from "../errors.js";
import { hashPartitionKey } from "../partitions/hash.js";
import {
  itemKey,
  keyValueBytes,
  maxPartitionKeyBytes,
  maxSortKeyBytes,
  partitionKeyPrefix,
} from "../partitions/index.js";
import type { AttributeValue, Item } from "../values/types.js";
import type { KeyAttribute, TableRecord } from "./table-record.js";

export interface ItemLocation {
  /** The physical key in the items database. */
  key: Buffer;
  /** Hash of the partition key; selects the partition. */
  hash: number;
  /** The common prefix of all items with this partition key. */
  partitionPrefix: Buffer;
}

function keyBytesOf(
  attribute: KeyAttribute,
  value: AttributeValue | undefined,
  limitBytes: number,
): Uint8Array {
  if (value === undefined) {
    throw validationError(
      `One or more parameter values were invalid: Missing the key ${attribute.name} in the item`,
    );
  }
  const actual = Object.keys(value)[0];
  if (actual !== attribute.type) {
    throw validationError(
      `One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${actual}`,
    );
  }
  const bytes = keyValueBytes(value, attribute.type);
  if (bytes.length === 0) {
    throw validationError(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${attribute.type === "S" ? "string" : "binary"} value. Key: ${attribute.name}`,
    );
  }
  if (bytes.length > limitBytes) {
    throw validationError(
      `One or more parameter values were invalid: Size of key ${attribute.name} has exceeded the maximum size limit of ${limitBytes} bytes`,
    );
  }
  return bytes;
}

/** The partition key prefix of `partitionValue` in `table`. */
export function locatePartitionKey(
  table: TableRecord,
  partitionValue: AttributeValue | undefined,
): { prefix: Buffer; hash: number } {
  const attribute = table.keySchema.partitionKey;
  const bytes = keyBytesOf(attribute, partitionValue, maxPartitionKeyBytes);
  const hash = hashPartitionKey(attribute.type, bytes);
  return { prefix: partitionKeyPrefix(table.id, hash, bytes), hash };
}

/** Locates the item with the key attributes of `keyOrItem` (other attributes are ignored). */
export function locateItem(table: TableRecord, keyOrItem: Item): ItemLocation {
  const { partitionKey, sortKey } = table.keySchema;
  const { prefix, hash } = locatePartitionKey(table, keyOrItem[partitionKey.name]);
  const sortBytes = sortKey
    ? keyBytesOf(sortKey, keyOrItem[sortKey.name], maxSortKeyBytes)
    : new Uint8Array(0);
  return { key: itemKey(prefix, sortBytes), hash, partitionPrefix: prefix };
}

/** Just the key attributes of an item. */
export function keyAttributesOf(table: TableRecord, item: Item): Item {
  const { partitionKey, sortKey } = table.keySchema;
  const key: Item = { [partitionKey.name]: item[partitionKey.name]! };
  if (sortKey) key[sortKey.name] = item[sortKey.name]!;
  return key;
}

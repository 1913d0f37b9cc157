/**
 * The physical layout of item keys in the ordered store:
 *
 *     tableId (u32 BE) ‖ hash(partition key) (u32 BE) ‖ partition key length (u16 BE) ‖ partition key bytes ‖ sort key bytes
 *
 * so that a table's items are contiguous, a partition (a hash range) is contiguous, one partition key's
 * items are contiguous and ordered by sort key, and a parallel Scan segment is one key range. The
 * partition key is length-prefixed rather than order-preserving: items only need to be grouped by it,
 * and the prefix keeps the key short enough for LMDB whatever its bytes are.
 */

/** DynamoDB's limit on a partition key value, in bytes. */
export const maxPartitionKeyBytes = 2048;
/** DynamoDB's limit on a sort key value, in bytes. */
export const maxSortKeyBytes = 1024;
/**
 * Longest item key this layout produces: 10 header bytes, the partition key, and the sort key (whose
 * number encoding, at most 42 bytes, is below the string limit). Must stay within LMDB's 4026-byte key
 * limit for 8 KiB pages.
 */
export const maxItemKeyBytes = 4 + 4 + 2 + maxPartitionKeyBytes + maxSortKeyBytes;

const tableIdBytes = 4;
const headerBytes = tableIdBytes + 4 + 2;
/** Largest table id, leaving `maxTableId + 1` to mark the end of the last table's keys. */
export const maxTableId = 0xffff_fffe;

/** The first key of every item of table `tableId`; `tableKeyStart(tableId + 1)` is past its last one. */
export function tableKeyStart(tableId: number): Buffer {
  if (!Number.isInteger(tableId) || tableId < 0 || tableId > maxTableId + 1) {
    throw new RangeError(`table id out of range: ${tableId}`);
  }
  const key = Buffer.alloc(tableIdBytes);
  key.writeUInt32BE(tableId, 0);
  return key;
}

/** The first key of table `tableId` whose partition key hash is at least `hash` (which may be 2^32). */
export function hashKeyStart(tableId: number, hash: number): Buffer {
  if (hash > 0xffff_ffff) return tableKeyStart(tableId + 1);
  const key = Buffer.alloc(tableIdBytes + 4);
  key.writeUInt32BE(tableId, 0);
  key.writeUInt32BE(hash, tableIdBytes);
  return key;
}

/** The common prefix of all item keys of one partition key: everything but the sort key. */
export function partitionKeyPrefix(tableId: number, hash: number, partitionKey: Uint8Array): Buffer {
  if (partitionKey.length > maxPartitionKeyBytes) {
    throw new RangeError(`partition key of ${partitionKey.length} bytes exceeds ${maxPartitionKeyBytes}`);
  }
  const key = Buffer.alloc(headerBytes + partitionKey.length);
  key.writeUInt32BE(tableId, 0);
  key.writeUInt32BE(hash, tableIdBytes);
  key.writeUInt16BE(partitionKey.length, tableIdBytes + 4);
  key.set(partitionKey, headerBytes);
  return key;
}

/** The full item key: the partition key prefix followed by the sort key bytes (empty without a sort key). */
export function itemKey(prefix: Uint8Array, sortKey: Uint8Array): Buffer {
  if (sortKey.length > maxSortKeyBytes) {
    throw new RangeError(`sort key of ${sortKey.length} bytes exceeds ${maxSortKeyBytes}`);
  }
  const key = Buffer.alloc(prefix.length + sortKey.length);
  key.set(prefix, 0);
  key.set(sortKey, prefix.length);
  return key;
}

/** The partition key hash an item key carries. */
export function hashOfItemKey(key: Uint8Array): number {
  return Buffer.from(key.buffer, key.byteOffset, key.length).readUInt32BE(tableIdBytes);
}

/** The table id an item key (or any key starting with `tableKeyStart`) carries. */
export function tableIdOfKey(key: Uint8Array): number {
  return Buffer.from(key.buffer, key.byteOffset, key.length).readUInt32BE(0);
}

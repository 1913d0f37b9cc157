/**
 * Keys of the engine's per-partition records: a partition's counters and its change log. Both start
 * with the table id, so deleting a table is one key range per database, and a partition's change
 * records are contiguous and ordered by sequence.
 */
import type { PartitionRecord } from "../partitions/partition-map.js";

const partitionKeyBytes = 12;
const twoTo32 = 2 ** 32;

/** tableId (u32 BE) ‖ startHash (u32 BE) ‖ endHash − 1 (u32 BE): the key of a partition's counters. */
export function partitionStateKey(tableId: number, partition: PartitionRecord): Buffer {
  const key = Buffer.alloc(partitionKeyBytes);
  writePartition(key, tableId, partition);
  return key;
}

/** The partition's key followed by the sequence (u64 BE): the key of one change record. */
export function changeRecordKey(tableId: number, partition: PartitionRecord, sequence: number): Buffer {
  if (!Number.isSafeInteger(sequence) || sequence < 0)
    throw new RangeError(`bad change sequence ${sequence}`);
  const key = Buffer.alloc(partitionKeyBytes + 8);
  writePartition(key, tableId, partition);
  key.writeUInt32BE(Math.floor(sequence / twoTo32), partitionKeyBytes);
  key.writeUInt32BE(sequence % twoTo32, partitionKeyBytes + 4);
  return key;
}

function writePartition(key: Buffer, tableId: number, partition: PartitionRecord): void {
  key.writeUInt32BE(tableId, 0);
  key.writeUInt32BE(partition.startHash, 4);
  key.writeUInt32BE(partition.endHash - 1, 8);
}

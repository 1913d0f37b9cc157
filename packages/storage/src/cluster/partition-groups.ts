/**
 * The cluster's initial partition map: `partitions` equal ranges of the 32-bit hash space, each a Raft
 * group named `p<i>`, plus the metadata group `meta`. Every table is created with the same number of
 * engine partitions, so a table's partition i starts as exactly group i's range. Splits change the map
 * from there (`group-map.ts`).
 */

import type { KeySchema } from "../engine/index.js";
import { hashPartitionKey, keyValueBytes, segmentHashRange } from "../partitions/index.js";
import type { Item } from "../values/types.js";

export const metaGroup = "meta";
/** Most item groups a cluster may have, splits included; each costs a Raft group on every node. */
export const maxPartitionGroups = 64;

export function partitionGroupName(index: number): string {
  return `p${index}`;
}

/** The index of the group whose hash range holds `hash`. */
export function partitionIndexOf(hash: number, partitions: number): number {
  for (let index = 0; index < partitions; index++) {
    if (hash < segmentHashRange(index, partitions).endHash) return index;
  }
  return partitions - 1;
}

/**
 * The group of the item whose key (or item) is `keyOrItem` under `keySchema`, or undefined when the
 * partition key is missing or of the wrong type (the node that runs the request reports that).
 */
export function partitionIndexOfKey(
  keySchema: KeySchema,
  keyOrItem: unknown,
  partitions: number,
): number | undefined {
  if (keyOrItem === null || typeof keyOrItem !== "object") return undefined;
  const { name, type } = keySchema.partitionKey;
  const value = (keyOrItem as Item)[name];
  if (value === null || typeof value !== "object" || !(type in value)) return undefined;
  try {
    return partitionIndexOf(hashPartitionKey(type, keyValueBytes(value, type)), partitions);
  } catch {
    return undefined;
  }
}

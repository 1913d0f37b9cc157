/**
 * The cluster's group names and their bound: the metadata group `meta`, and item groups `p<i>` for the
 * `partitions` equal ranges a new cluster starts with (the map itself, and how splits change it, is in
 * `group-map.ts`).
 */

export const metaGroup = "meta";
/** Most item groups a cluster may have, splits included; each costs a Raft group on every node. */
export const maxPartitionGroups = 64;

export function partitionGroupName(index: number): string {
  return `p${index}`;
}

/**
 * The cluster's partition map, as the metadata group replicates it: every item group with its hash
 * range [startHash, endHash) and the nodes holding its replicas. Groups only ever split in two, so
 * every range is a half of a half … of one of the initial equal ranges, and a group's range only
 * shrinks. That makes the map a join of facts that can arrive in any order: a record replaces an
 * older one of the same group only when its range is strictly inside, and where records overlap
 * (a split recorded for a child before its parent's), the narrowest range containing a hash is the
 * current owner. A group's replicas change when healing replaces a lost node: each record carries
 * the `version` it was observed at (the group's commit index when its committed configuration was
 * read), and the newest version's replicas win, independently of the range. Pure: no I/O, so the
 * same functions serve nodes, routers and tests.
 */
import type { KeySchema } from "../engine/index.js";
import { hashPartitionKey, keyValueBytes, segmentHashRange } from "../partitions/index.js";
import type { Item } from "../values/types.js";
import { partitionGroupName } from "./partition-groups.js";

/** One item group: its name, the partition-key hashes it owns, and the nodes holding its replicas. */
export interface GroupRecord {
  name: string;
  startHash: number;
  endHash: number;
  /** Node ids holding a voting replica. */
  replicas: string[];
  /**
   * When `replicas` was observed: the group's commit index at which they were its committed
   * configuration. 0 (or absent) for the replicas a group started with.
   */
  version?: number;
}

/** The initial map of a new cluster: `partitions` equal ranges `p0` … `p<n-1>`, each on `replicas`. */
export function initialGroupMap(partitions: number, replicas: readonly string[]): GroupRecord[] {
  return Array.from({ length: partitions }, (_, index) => ({
    name: partitionGroupName(index),
    ...segmentHashRange(index, partitions),
    replicas: [...replicas],
  }));
}

/**
 * The name of the group split off at `midHash`: derived from the range alone, so every replica
 * applying the split names it alike, and unique forever, since a midpoint lies strictly inside its
 * parent's range where no other group starts, and groups never merge.
 */
export function splitGroupName(midHash: number): string {
  return `p-${midHash.toString(16).padStart(8, "0")}`;
}

/** The midpoint a range splits at, or undefined when it is too narrow to split. */
export function splitMidpoint(range: { startHash: number; endHash: number }): number | undefined {
  if (range.endHash - range.startHash < 2) return undefined;
  return range.startHash + Math.floor((range.endHash - range.startHash) / 2);
}

function contains(range: { startHash: number; endHash: number }, hash: number): boolean {
  return hash >= range.startHash && hash < range.endHash;
}

/** The record owning `hash`: the narrowest range that contains it (see the module comment). */
export function groupOfHash<T extends { startHash: number; endHash: number }>(
  groups: Iterable<T>,
  hash: number,
): T | undefined {
  let best: T | undefined;
  for (const group of groups) {
    if (!contains(group, hash)) continue;
    if (!best || group.endHash - group.startHash < best.endHash - best.startHash) best = group;
  }
  return best;
}

/** The partition-key hash of `keyOrItem` under `keySchema`, or undefined when the key is missing or ill-typed. */
export function partitionKeyHash(keySchema: KeySchema, keyOrItem: unknown): number | undefined {
  if (keyOrItem === null || typeof keyOrItem !== "object") return undefined;
  const { name, type } = keySchema.partitionKey;
  const value = (keyOrItem as Item)[name];
  if (value === null || typeof value !== "object" || !(type in value)) return undefined;
  try {
    return hashPartitionKey(type, keyValueBytes(value, type));
  } catch {
    return undefined;
  }
}

/**
 * `groups` with `records` merged in: a group not yet known is added; a known one takes the record's
 * range only when it is strictly inside the one it has (ranges only shrink), and the record's
 * replicas only when its version is newer. Returns the same array when nothing changed, so that a
 * repeated record is idempotent.
 */
export function mergeGroupRecords(
  groups: readonly GroupRecord[],
  records: readonly GroupRecord[],
): readonly GroupRecord[] {
  const byName = new Map(groups.map((group) => [group.name, group]));
  let changed = false;
  for (const record of records) {
    const known = byName.get(record.name);
    if (known === undefined) {
      byName.set(record.name, { ...record, replicas: [...record.replicas] });
      changed = true;
      continue;
    }
    const narrower =
      record.startHash >= known.startHash &&
      record.endHash <= known.endHash &&
      record.endHash - record.startHash < known.endHash - known.startHash;
    const newer = (record.version ?? 0) > (known.version ?? 0);
    if (!narrower && !newer) continue;
    const range = narrower ? record : known;
    const members = newer ? record : known;
    byName.set(record.name, {
      name: record.name,
      startHash: range.startHash,
      endHash: range.endHash,
      replicas: [...members.replicas],
      ...(members.version !== undefined ? { version: members.version } : {}),
    });
    changed = true;
  }
  if (!changed) return groups;
  return [...byName.values()].sort((a, b) => a.startHash - b.startHash || b.endHash - a.endHash);
}

/**
 * The map as it stands once every recorded split is taken into account: for each group, the part of
 * its range no narrower group owns. A settled map has exactly one group per range, adjacent and
 * covering the hash space; while a parent's split is not recorded yet, its record still spans its
 * child's range and the child wins there.
 */
export function currentGroups(groups: readonly GroupRecord[]): GroupRecord[] {
  return groups.filter((group) => {
    const owner = groupOfHash(groups, group.startHash);
    return owner?.name === group.name;
  });
}

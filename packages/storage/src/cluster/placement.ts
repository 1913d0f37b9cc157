/**
 * Where replicas go: the zone of every node, the replicas a new cluster gives each group (one node per
 * zone), and the node that takes over a lost replica (a live node of the lost node's zone that does
 * not hold the group, fewest groups first, else one of another zone). Pure: no I/O, so nodes, routers
 * and tests share it.
 */
import { StorageUsageError } from "../api/run.js";

/** Copies of every group the cluster keeps (and restores after losing a node). */
export const replicationFactor = 3;

/**
 * The zone of a node no `--node-zones` entry names: a zone of its own, `az-<id>` (so a cluster that
 * names no zones places every group on every node, as before nodes could outnumber replicas).
 */
export function defaultZoneOf(nodeId: string): string {
  return `az-${nodeId}`;
}

/** Parses `a1=az-a,a2=az-a,b1=az-b` into node id → zone. */
export function parseNodeZones(text: string, flag: string): Map<string, string> {
  const zones = new Map<string, string>();
  for (const part of text.split(",")) {
    const [id, zone, extra] = part.split("=").map((piece) => piece.trim());
    if (
      !id ||
      !zone ||
      extra !== undefined ||
      !/^[A-Za-z0-9_-]+$/.test(id) ||
      !/^[A-Za-z0-9_.-]+$/.test(zone)
    ) {
      throw new StorageUsageError(`${flag} must be a list like a1=az-a,b1=az-b, got "${part}".`);
    }
    if (zones.has(id)) throw new StorageUsageError(`${flag} names node ${id} twice.`);
    zones.set(id, zone);
  }
  return zones;
}

/** Every node's zone: the explicit ones, the default rule for the rest. */
export function zonesOfNodes(
  nodeIds: Iterable<string>,
  explicit: ReadonlyMap<string, string> = new Map(),
): Map<string, string> {
  return new Map([...nodeIds].map((id) => [id, explicit.get(id) ?? defaultZoneOf(id)]));
}

/**
 * The replicas of every group of a new cluster: the first node (by id) of each zone. With one node
 * per zone that is every node, as before spare nodes existed; the others start as spares that
 * healing draws on.
 */
export function initialReplicas(zones: ReadonlyMap<string, string>): string[] {
  const firstOfZone = new Map<string, string>();
  for (const id of [...zones.keys()].sort()) {
    const zone = zones.get(id)!;
    if (!firstOfZone.has(zone)) firstOfZone.set(zone, id);
  }
  return [...firstOfZone.values()].sort();
}

export interface ReplacementChoice {
  /** The node whose replica is lost. */
  lost: string;
  /** Nodes holding a vote in the group now: never chosen. */
  members: readonly string[];
  /** Nodes already following the group without a vote (learners): chosen before others of their rank. */
  learners?: readonly string[];
  zones: ReadonlyMap<string, string>;
  /** Nodes that answer their status now. */
  live: ReadonlySet<string>;
  /** Groups each node holds, to spread replacements. */
  groupCounts: ReadonlyMap<string, number>;
}

/**
 * The node to rebuild `lost`'s replica on: a live non-member in the lost node's zone, else in a zone
 * the group has no live member in, else any live non-member; within a rank a learner of the group
 * first (it holds the data already), then fewest groups, then by id, so that every caller chooses
 * alike. Undefined when no node is left.
 */
export function chooseReplacement(choice: ReplacementChoice): string | undefined {
  const { lost, members, zones, live, groupCounts } = choice;
  const learners = choice.learners ?? [];
  const candidates = [...live].filter((node) => !members.includes(node) && zones.has(node));
  const lostZone = zones.get(lost);
  const coveredZones = new Set(members.filter((node) => live.has(node)).map((node) => zones.get(node)));
  const rank = (node: string): number => {
    const zone = zones.get(node);
    if (zone === lostZone) return 0;
    return coveredZones.has(zone) ? 2 : 1;
  };
  candidates.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      Number(!learners.includes(a)) - Number(!learners.includes(b)) ||
      (groupCounts.get(a) ?? 0) - (groupCounts.get(b) ?? 0) ||
      (a < b ? -1 : 1),
  );
  return candidates[0];
}

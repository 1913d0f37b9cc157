/**
 * Healing through the front door: three zones of two storage nodes each and a router as real
 * processes, a write load through the AWS SDK with retries off. A new cluster places every group on
 * a1, b1 and c1; a1 is SIGKILLed, and once it has been gone `--replace-after-ms` the metadata leader
 * rebuilds its replicas on a2 (the spare of its zone). The admin view must then show every group with
 * three reachable replicas in three zones, nothing acknowledged may be lost, a1 started again must
 * drop the replicas it lost (and their items), and — because three copies are back — the cluster
 * must still take writes after a node of a second zone is killed too. A second cluster loses both
 * nodes of zone a: the replicas then go to the spares of the other zones.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdminPartition, adminPartitions } from "./cluster-processes.js";
import { startWriteLoad, unreadableWrites, writesMissingOnNode } from "./write-load.js";
import { nodeStatus, startZoneCluster, waitFor, type ZoneCluster } from "./zone-cluster.js";
import { clientWithTable } from "./zone-fault.js";

const table = "healing";
const partitions = 2;
/** Groups of the cluster: `meta` and the item groups. */
const groups = partitions + 1;
/** How long a node may be unreachable before it is replaced, in this test. Milliseconds. */
const replaceAfterMs = 2_000;
const writers = 2;
/** Writes acknowledged before each fault, and after it. */
const writesPerPhase = 150;
/** Time for leaders, loads and healing. Milliseconds. */
const leaderTimeoutMs = 60_000;
const loadTimeoutMs = 60_000;
const healTimeoutMs = 90_000;

/** Every group's replica nodes, when each group has three reachable replicas in `zoneCount` zones. */
async function healedReplicas(
  cluster: ZoneCluster,
  zoneCount = 3,
): Promise<Map<string, string[]> | undefined> {
  let partitionsShown: AdminPartition[];
  try {
    partitionsShown = await adminPartitions(cluster.routerUrl);
  } catch {
    return undefined;
  }
  if (partitionsShown.length < groups) return undefined;
  const replicas = new Map<string, string[]>();
  for (const partition of partitionsShown) {
    const zones = new Set(partition.replicas.map((replica) => replica.zone));
    const healthy =
      partition.replicas.length === 3 &&
      zones.size === zoneCount &&
      partition.leader !== undefined &&
      partition.replicas.every((replica) => replica.reachable && replica.lag !== undefined);
    if (!healthy) return undefined;
    replicas.set(partition.id, partition.replicas.map((replica) => replica.node).sort());
  }
  return replicas;
}

/** The sum over the given nodes of `storage_replacements_total` with `outcome`. */
async function replacements(
  cluster: ZoneCluster,
  nodes: readonly string[],
  outcome: string,
): Promise<number> {
  let total = 0;
  for (const node of nodes) {
    const text = await (await fetch(`${cluster.nodeUrl(node)}/metrics`)).text();
    const line = text
      .split("\n")
      .find((row) => row.startsWith(`storage_replacements_total{outcome="${outcome}"`));
    total += line === undefined ? 0 : Number(line.split(" ").at(-1));
  }
  return total;
}

/**
 * Three zones of two nodes, with a table, started before the tests of the enclosing block and stopped
 * after them; the client never retries. Returns the way to reach them.
 */
function useHealingCluster(): () => { cluster: ZoneCluster; client: DynamoDBClient } {
  let started: { cluster: ZoneCluster; client: DynamoDBClient } | undefined;
  beforeAll(async () => {
    const cluster = await startZoneCluster({
      partitions,
      nodesPerZone: 2,
      nodeArgs: ["--replace-after-ms", String(replaceAfterMs)],
    });
    started = {
      cluster,
      client: await clientWithTable(cluster, table, { groups, timeoutMs: leaderTimeoutMs }),
    };
  }, 120_000);
  afterAll(async () => {
    started?.client.destroy();
    await started?.cluster.stop();
  });
  return () => started!;
}

describe("healing a lost storage node", () => {
  const healing = useHealingCluster();

  it("places every group on one node per zone, leaving the second node of each zone spare", async () => {
    const { cluster } = healing();
    const shown = await waitFor("the initial placement", leaderTimeoutMs, () => healedReplicas(cluster));
    expect([...shown.keys()].sort()).toEqual(["meta", "p0", "p1"]);
    for (const replicas of shown.values()) expect(replicas).toEqual(["a1", "b1", "c1"]);
  });

  it("refuses a join without the group's range and a membership change on a non-member", async () => {
    const { cluster } = healing();
    const join = await fetch(`${cluster.nodeUrl("a2")}/cluster/groups/p0/join`, {
      method: "POST",
      body: JSON.stringify({}),
    });
    expect(join.status).toBe(400);
    const change = await fetch(`${cluster.nodeUrl("b2")}/cluster/groups/p0/config`, {
      method: "POST",
      body: JSON.stringify({ type: "addLearner", node: "c2" }),
    });
    expect(change.status).toBe(404);
    const badChange = await fetch(`${cluster.nodeUrl("a1")}/cluster/groups/meta/config`, {
      method: "POST",
      body: JSON.stringify({ type: "dropEverything", node: "c2" }),
    });
    expect(badChange.status).toBe(400);
  });

  it("rebuilds a killed node's replicas on its zone's spare, losing nothing acknowledged", async () => {
    const { cluster, client } = healing();
    const load = startWriteLoad(client, table, writers);
    try {
      await load.untilAcknowledged(writesPerPhase, loadTimeoutMs);
      await cluster.kill("a1");
      const healed = await waitFor("three replicas in three zones again", healTimeoutMs, () =>
        healedReplicas(cluster),
      );
      for (const [group, replicas] of healed) {
        expect(replicas, group).toEqual(["a2", "b1", "c1"]);
      }
      await load.untilAcknowledged(load.acknowledged.size + writesPerPhase, loadTimeoutMs);
    } finally {
      await load.stop();
    }
    expect(load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    expect(await unreadableWrites(client, table, load.acknowledged)).toEqual([]);
    expect(await replacements(cluster, ["a2", "b1", "b2", "c1", "c2"], "done")).toBeGreaterThanOrEqual(
      groups,
    );

    // The lost node comes back: it finds itself removed and drops those replicas and their items.
    await cluster.restart("a1");
    await waitFor("a1 to drop its removed replicas", healTimeoutMs, async () => {
      const status = await nodeStatus(cluster.nodeUrl("a1"));
      return status !== undefined && status.groups.length === 0 ? true : undefined;
    });
    const missingOnA1 = await writesMissingOnNode(cluster.nodeUrl("a1"), table, load.acknowledged);
    expect(missingOnA1).toHaveLength(load.acknowledged.size);
    expect((await healedReplicas(cluster))?.get("p0")).toEqual(["a2", "b1", "c1"]);

    // Only because three copies were restored does losing a second zone's node leave a majority.
    await cluster.kill("b1");
    const second = startWriteLoad(client, table, writers);
    try {
      await second.untilAcknowledged(writesPerPhase, loadTimeoutMs);
    } finally {
      await second.stop();
    }
    expect(second.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    expect(await unreadableWrites(client, table, second.acknowledged)).toEqual([]);
    const stillThere = new Map([...load.acknowledged].filter(([key]) => !second.acknowledged.has(key)));
    expect(await unreadableWrites(client, table, stillThere)).toEqual([]);
  }, 300_000);
});

describe("healing when the lost node's zone has no node left", () => {
  const healing = useHealingCluster();

  it("rebuilds the replicas on spares of the other zones", async () => {
    const { cluster, client } = healing();
    const load = startWriteLoad(client, table, writers);
    try {
      await load.untilAcknowledged(writesPerPhase, loadTimeoutMs);
      await cluster.kill("a2");
      await cluster.kill("a1");
      const healed = await waitFor("three replicas in the two zones left", healTimeoutMs, () =>
        healedReplicas(cluster, 2),
      );
      for (const [group, replicas] of healed) {
        expect(
          replicas.filter((node) => node === "b1" || node === "c1"),
          group,
        ).toEqual(["b1", "c1"]);
        expect(["b2", "c2"], group).toContain(replicas.find((node) => node !== "b1" && node !== "c1"));
      }
      await load.untilAcknowledged(load.acknowledged.size + writesPerPhase, loadTimeoutMs);
    } finally {
      await load.stop();
    }
    expect(load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    expect(await unreadableWrites(client, table, load.acknowledged)).toEqual([]);
  }, 300_000);
});

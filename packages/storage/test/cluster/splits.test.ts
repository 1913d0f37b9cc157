/**
 * Online partition splits, through the front door: three storage nodes (one per zone) and a router as
 * real processes, started with one item group and a small `--split-bytes`, under a load of SDK writers
 * (PutItem, BatchWriteItem and TransactWriteItems, retries off). The group must split while the load
 * runs, with no client error; the admin view must show adjacent groups covering the hash space; every
 * acknowledged item must be readable with ConsistentRead, and Query and Scan must return exactly the
 * written set. A node killed after the first split, while more splits happen without it, must catch
 * up when it comes back, the groups split off in its absence included.
 */

import { fileURLToPath } from "node:url";
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionKeyHash } from "../../src/cluster/group-map.js";
import { createClient } from "../support/targets.js";
import { adminPartitions, createStringKeyTable, runProcess } from "./cluster-processes.js";
import { nodeItems, startWriteLoad, unreadableWrites, writesMissingOnNode } from "./write-load.js";
import {
  hasCaughtUp,
  leadersAmong,
  startZoneCluster,
  waitFor,
  type ZoneCluster,
  zoneIds,
} from "./zone-cluster.js";

const table = "splits";
/** Small enough that a few thousand small items split the first group more than once. Bytes. */
const splitBytes = 12_000;
/** Applied entries between compactions: small, so that the node that was away catches up from snapshots. */
const compactEvery = 40;
const writers = 6;
/** Concurrent TransactWriteItems loops. */
const transactionLoops = 3;
/** Bounds of the waits. Milliseconds. */
const leaderTimeoutMs = 15_000;
const splitTimeoutMs = 90_000;
const catchUpTimeoutMs = 60_000;
/** Writes of each batch and transaction loop at most, so that a loop left running still ends. */
const maxBatchRounds = 2_000;
/** Items deleted while a node is away, which it must drop when it catches up. */
const deletesWhileAway = 50;
/** Pages of a Scan read at most (1 MB each). */
const maxScanPages = 100;
const hashSpaceSize = 2 ** 32;

let cluster: ZoneCluster;
let client: DynamoDBClient;

beforeAll(async () => {
  cluster = await startZoneCluster({
    partitions: 1,
    nodeArgs: ["--split-bytes", String(splitBytes), "--compact-every", String(compactEvery)],
  });
  client = createClient(cluster.routerUrl);
  await waitFor("a leader in both groups", leaderTimeoutMs, async () =>
    (await leadersAmong(cluster, zoneIds)).size === 2 ? true : undefined,
  );
  await createStringKeyTable(client, table);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await cluster?.stop();
});

interface ItemGroup {
  id: string;
  startHash: number;
  endHash: number;
}

/** The item groups of the admin view, in hash order. */
async function itemGroups(): Promise<ItemGroup[]> {
  const partitions = await adminPartitions(cluster.routerUrl);
  return partitions
    .filter((partition) => partition.kind === "items" && partition.keyRange !== undefined)
    .map((partition) => ({ id: partition.id, ...partition.keyRange! }))
    .sort((a, b) => a.startHash - b.startHash);
}

/** Whether the groups' ranges are adjacent and cover [0, 2^32) exactly once. */
function coverHashSpace(groups: readonly ItemGroup[]): boolean {
  let expected = 0;
  for (const group of groups) {
    if (group.startHash !== expected || group.endHash <= group.startHash) return false;
    expected = group.endHash;
  }
  return expected === hashSpaceSize;
}

/**
 * A loop of BatchWriteItem (ten items) and `transactionLoops` of TransactWriteItems (two items, most
 * often in two groups, so that groups about to split hold locks) beside the PutItem load;
 * every acknowledged item goes into `acknowledged` (key → value), every error into `errors`.
 */
function startBatchAndTransactionLoops(acknowledged: Map<string, number>, errors: unknown[]) {
  let stopping = false;
  const batches = async () => {
    for (let round = 0; !stopping && round < maxBatchRounds; round++) {
      const keys = Array.from({ length: 10 }, (_, index) => `b${round}-${index}`);
      try {
        const output = await client.send(
          new BatchWriteItemCommand({
            RequestItems: {
              [table]: keys.map((key) => ({
                PutRequest: { Item: { pk: { S: key }, value: { N: String(round) } } },
              })),
            },
          }),
        );
        const unprocessed = new Set(
          (output.UnprocessedItems?.[table] ?? []).map((request) => request.PutRequest?.Item?.pk?.S),
        );
        for (const key of keys) if (!unprocessed.has(key)) acknowledged.set(key, round);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  const transactions = async (loop: number) => {
    for (let round = 0; !stopping && round < maxBatchRounds; round++) {
      const keys = [`t${loop}-${round}-a`, `t${loop}-${round}-b`];
      try {
        await client.send(
          new TransactWriteItemsCommand({
            TransactItems: keys.map((key) => ({
              Put: { TableName: table, Item: { pk: { S: key }, value: { N: String(round) } } },
            })),
          }),
        );
        for (const key of keys) acknowledged.set(key, round);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  const running = Promise.all([
    batches(),
    ...Array.from({ length: transactionLoops }, (_, loop) => transactions(loop)),
  ]);
  return {
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/** Every item of the table by a consistent Scan through the router: key → value. */
async function scanAll(): Promise<Map<string, string | undefined>> {
  const items = new Map<string, string | undefined>();
  let startKey: Record<string, never> | undefined;
  for (let page = 0; page < maxScanPages; page++) {
    const output = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of output.Items ?? []) items.set(item.pk!.S!, item.value?.N);
    startKey = output.LastEvaluatedKey as Record<string, never> | undefined;
    if (startKey === undefined) return items;
  }
  throw new Error(`the Scan did not end within ${maxScanPages} pages`);
}

describe("online partition splits", () => {
  const acknowledged = new Map<string, number>();

  it("splits a growing group under a write load with no client error, and serves every write", async () => {
    const load = startWriteLoad(client, table, writers);
    const loopErrors: unknown[] = [];
    const loops = startBatchAndTransactionLoops(acknowledged, loopErrors);
    let groups: ItemGroup[];
    try {
      groups = await explained(
        waitFor("the first group to split twice", splitTimeoutMs, async () => {
          const current = await itemGroups();
          return current.length >= 3 && coverHashSpace(current) ? current : undefined;
        }),
      );
    } finally {
      await Promise.all([load.stop(), loops.stop()]);
    }
    for (const [key, value] of load.acknowledged) acknowledged.set(key, value);
    const metrics = await (await fetch(`${cluster.routerUrl}/metrics`)).text();
    const retries = metrics.split("\n").filter((line) => line.startsWith("storage_router_retries_total{"));
    process.stdout.write(
      `splits: ${groups.length} groups (${groups.map((group) => group.id).join(", ")}) after ${acknowledged.size} writes; router retries: ${retries.join("; ") || "none"}\n`,
    );
    expect(load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    expect(loopErrors.map(String)).toEqual([]);
    expect(groups[0]!.id).toBe("p0");
    expect(coverHashSpace(groups)).toBe(true);

    expect(await unreadableWrites(client, table, acknowledged)).toEqual([]);
    const scanned = await scanAll();
    expect(scanned.size).toBe(acknowledged.size);
    expect([...acknowledged].filter(([key, value]) => scanned.get(key) !== String(value))).toEqual([]);
    const sample = [...acknowledged.keys()].filter((_, index) => index % 97 === 0);
    for (const key of sample) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: key } },
          ConsistentRead: true,
        }),
      );
      expect(Items).toEqual([{ pk: { S: key }, value: { N: String(acknowledged.get(key)) } }]);
    }
  }, 180_000);

  it("catches up a node killed after a split, the groups split off while it was away included", async () => {
    const before = await itemGroups();
    await cluster.kill("c");
    const load = startWriteLoad(client, table, writers);
    try {
      await explained(
        waitFor("another split while node c is down", splitTimeoutMs, async () => {
          const current = await itemGroups();
          return current.length > before.length && coverHashSpace(current) ? true : undefined;
        }),
      );
    } finally {
      await load.stop();
    }
    expect(load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    // The load's keys start again at w0-0: what it wrote now replaces what it wrote before.
    for (const [key, value] of load.acknowledged) acknowledged.set(key, value);
    // Deleted while node c is away: its engine still holds them, and must lose them on catching up.
    const deleted = [...acknowledged.keys()].filter((key) => key.startsWith("b")).slice(0, deletesWhileAway);
    for (const key of deleted) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: key } } }));
      acknowledged.delete(key);
    }
    const groups = await itemGroups();
    await cluster.restart("c");
    const restartedAt = performance.now();
    await explained(
      waitFor("node c to host every group and catch up", catchUpTimeoutMs, async () =>
        (await hasCaughtUp(cluster, "c")) && (await nodeHosts("c", groups)) ? true : undefined,
      ),
    );
    process.stdout.write(
      `splits: node c caught up with ${groups.length} groups in ${(performance.now() - restartedAt).toFixed(0)} ms\n`,
    );
    expect(await writesMissingOnNode(cluster.nodeUrl("c"), table, acknowledged)).toEqual([]);
    const held = new Set((await nodeItems(cluster.nodeUrl("c"), table)).keys());
    expect(deleted.filter((key) => held.has(key))).toEqual([]);
    expect(held.size).toBe(acknowledged.size);
    expect(await unreadableWrites(client, table, acknowledged)).toEqual([]);
    const scanned = await scanAll();
    expect(scanned.size).toBe(acknowledged.size);
  }, 240_000);

  it("refuses a lock for a key outside the group's range with a map-changed marker", async () => {
    // What a coordinator with an older map would ask: the lowest group to lock a key it no longer owns.
    const [first] = await itemGroups();
    const leader = (await leadersAmong(cluster, zoneIds)).get(first!.id);
    expect(leader).toBeDefined();
    const outside = [...acknowledged.keys()].find((key) => {
      const hash = partitionKeyHash({ partitionKey: { name: "pk", type: "S" } }, { pk: { S: key } })!;
      return hash >= first!.endHash;
    });
    expect(outside).toBeDefined();
    const response = await fetch(`${cluster.nodeUrl(leader!)}/cluster/txn/lock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        group: first!.id,
        txId: "stale-map",
        coordinator: first!.id,
        metaIndex: 0,
        keys: [{ table, tableId: await tableIdOf(), key: { pk: { S: outside } } }],
      }),
    });
    expect(response.status).toBe(421);
    expect(await response.json()).toMatchObject({ code: "GROUP_MAP_CHANGED", mapChanged: true });
  }, 30_000);

  it("refuses a node started with a split size that is not a positive integer", async () => {
    for (const bad of ["0", "1.5", "ten"]) {
      const node = runProcess([
        fileURLToPath(new URL("../../dist/cluster/node-main.js", import.meta.url)),
        ...["--node-id", "x", "--data-dir", "unused", "--peers", "x=http://127.0.0.1:1"],
        ...["--split-bytes", bad],
      ]);
      const code = await new Promise((resolve) => node.child.once("exit", resolve));
      expect(code).toBe(2);
      expect(node.output()).toMatch(/--split-bytes must be an integer between 1 and/);
    }
  }, 30_000);
});

/** Output kept per process in an explanation. Characters. */
const maxExplainedOutput = 2_000;

/** `waiting`, failing with what every node reports and printed last when it fails. */
async function explained<T>(waiting: Promise<T>): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    const lines = await Promise.all(
      zoneIds.map(async (id) => {
        const status = await fetch(`${cluster.nodeUrl(id)}/cluster/status`, {
          signal: AbortSignal.timeout(1_000),
        }).then(
          (response) => response.text(),
          (failure: unknown) => `no status (${String(failure)})`,
        );
        return `node ${id}: ${status}\n${cluster.output(id).slice(-maxExplainedOutput)}`;
      }),
    );
    throw new Error(`${(error as Error).message}\n${lines.join("\n")}`);
  }
}

/** Whether node `id` reports a replica of every group in `groups`. */
async function nodeHosts(id: string, groups: readonly ItemGroup[]): Promise<boolean> {
  const response = await fetch(`${cluster.nodeUrl(id)}/cluster/status`).catch(() => undefined);
  if (response?.status !== 200) return false;
  const status = (await response.json()) as { groups: { group: string }[] };
  const hosted = new Set(status.groups.map((group) => group.group));
  return groups.every((group) => hosted.has(group.id));
}

async function tableIdOf(): Promise<string> {
  const response = await fetch(`${cluster.nodeUrl("a")}/cluster/dynamodb`, {
    method: "POST",
    headers: { "x-amz-target": "DescribeTable" },
    body: JSON.stringify({ TableName: table }),
  });
  return ((await response.json()) as { Table: { TableId: string } }).Table.TableId;
}

/**
 * The replicated store through its front door: three storage nodes and a router as real processes,
 * driven by the AWS SDK with retries off (so any error the router lets through fails the test). The
 * leader of a partition is SIGKILLed under a write load: every acknowledged write must stay readable
 * with ConsistentRead, writes must go on without an error, and the killed node must catch up after
 * a restart (from a snapshot: the log is compacted every few entries here).
 */

import { spawnSync } from "node:child_process";
import {
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/targets.js";
import {
  type AdminPartition,
  adminPartitions,
  createStringKeyTable,
  pollUntil,
  runProcess,
  startTestCluster,
  type TestCluster,
} from "./cluster-processes.js";

const table = "fault-table";

let cluster: TestCluster;
let client: DynamoDBClient;

function partition(view: AdminPartition[], id: string): AdminPartition {
  const found = view.find((entry) => entry.id === id);
  if (!found) throw new Error(`no partition ${id} in the admin view`);
  return found;
}

async function put(key: string, value: number): Promise<void> {
  await client.send(
    new PutItemCommand({ TableName: table, Item: { pk: { S: key }, value: { N: String(value) } } }),
  );
}

async function consistentGet(key: string) {
  return (
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }))
  ).Item;
}

beforeAll(async () => {
  cluster = await startTestCluster({ partitions: 2, compactEvery: 20 });
  client = createClient(cluster.routerUrl);
  await pollUntil("a leader in every group", async () => {
    const view = await adminPartitions(cluster.routerUrl);
    return view.every((entry) => entry.leader !== undefined) ? true : undefined;
  });
  await createStringKeyTable(client, table);
});

afterAll(async () => {
  client?.destroy();
  await cluster?.stop();
});

describe("a three-zone store", () => {
  it("describes every partition with its range, replicas in three zones, leader, term, commit and lag", async () => {
    const view = await adminPartitions(cluster.routerUrl);
    expect(view.map((entry) => entry.id)).toEqual(["meta", "p0", "p1"]);
    expect(partition(view, "p0").keyRange).toEqual({
      startHash: 0,
      endHash: 2 ** 31,
      description: "partition key hash in [0x00000000, 0x80000000)",
    });
    for (const entry of view) {
      expect(entry.replicas.map((replica) => replica.zone).sort()).toEqual(["az-a", "az-b", "az-c"]);
      expect(entry.term).toBeGreaterThan(0);
      expect(entry.commitIndex).toBeGreaterThan(0);
      expect(entry.replicas.filter((replica) => replica.role === "leader")).toHaveLength(1);
      for (const replica of entry.replicas) expect(replica.lag).toBeGreaterThanOrEqual(0);
    }
  });

  it("exports replication metrics Prometheus can parse: one leader per group, none missing", async () => {
    const texts = await Promise.all(
      [...cluster.nodes.values()].map(async (node) => (await fetch(`${node.url}/metrics`)).text()),
    );
    for (const text of texts) {
      const check = spawnSync("/usr/bin/promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(text).toMatch(/^storage_partitions_without_leader\{[^}]*\} 0$/m);
    }
    const leaders = new Map<string, number>();
    for (const text of texts) {
      for (const [, group, value] of text.matchAll(
        /^storage_raft_leader\{[^}]*partition="([^"]+)"[^}]*\} (\d)$/gm,
      )) {
        leaders.set(group!, (leaders.get(group!) ?? 0) + Number(value));
      }
    }
    expect([...leaders.keys()].sort()).toEqual(["meta", "p0", "p1"]);
    for (const count of leaders.values()) expect(count).toBe(1);
    expect(texts.join("\n")).toMatch(/^storage_replication_lag_entries\{[^}]*follower="[^"]+"[^}]*\} \d+$/m);
    // Every node has synced its Raft log (the writes before this test, and the elections).
    for (const text of texts) {
      const syncs = Number(/^storage_raft_log_sync_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
      const records = Number(/^storage_raft_log_records_total(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
      expect(syncs).toBeGreaterThan(0);
      expect(records).toBeGreaterThanOrEqual(syncs);
      expect(text).toMatch(/^storage_raft_log_written_bytes_total(?:\{[^}]*\})? [1-9]\d*$/m);
    }
  });

  it("lets a client read its own writes with eventually consistent GetItem and Query", async () => {
    // A follower applies a write a round after its leader acknowledges it: a read it answered at once
    // would often miss the write. The router sends these reads to the key's leader instead.
    for (let round = 0; round < 100; round++) {
      const key = `ryw-${round % 7}`;
      await put(key, round);
      const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } } }));
      expect(got.Item?.value?.N).toBe(String(round));
      const queried = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: key } },
        }),
      );
      expect(queried.Items?.map((item) => item.value?.N)).toEqual([String(round)]);
    }
  });

  it("has followers apply in batches, yet a read barrier on a follower sees every acknowledged write", async () => {
    /** GetItem sent straight to a node's internal API, as the router would, with or without read-your-writes. */
    const readAt = async (url: string, key: string, readYourWrites: boolean) => {
      const response = await fetch(`${url}/cluster/dynamodb`, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.0",
          "x-amz-target": "GetItem",
          ...(readYourWrites ? { "x-hakobune-read-your-writes": "1" } : {}),
        },
        body: JSON.stringify({ TableName: table, Key: { pk: { S: key } } }),
      });
      const body = (await response.json()) as { Item?: { value?: { N?: string } } };
      return body.Item?.value?.N;
    };
    const urls = [...cluster.nodes.values()].map((node) => node.url);
    for (let round = 0; round < 30; round++) {
      const key = `held-back-${round % 5}`;
      await put(key, 1000 + round);
      // Two of the three nodes follow the key's group: the barrier makes them apply what they hold back.
      for (const url of urls) expect(await readAt(url, key, true)).toBe(String(1000 + round));
    }
    // Held-back entries are applied within the delay even when no other write follows.
    await put("held-back-last", 7);
    for (const url of urls) {
      await pollUntil(`held-back-last applied at ${url}`, async () =>
        (await readAt(url, "held-back-last", false)) === "7" ? true : undefined,
      );
    }
  });

  it("decides conditional writes and updates on the leader", async () => {
    await put("conditional", 1);
    await expect(
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: "conditional" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { pk: { S: "conditional" } },
            UpdateExpression: "ADD #v :one",
            ExpressionAttributeNames: { "#v": "value" },
            ExpressionAttributeValues: { ":one": { N: "1" } },
          }),
        ),
      ),
    );
    expect((await consistentGet("conditional"))?.value).toEqual({ N: "11" });
  });

  it("splits a batch write between partition groups, and refuses a batch with one bad item whole", async () => {
    const keys = Array.from({ length: 16 }, (_, index) => `batch-${index}`);
    const puts = keys.map((key) => ({ PutRequest: { Item: { pk: { S: key } } } }));
    await expect(
      client.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: [...puts.slice(1), { PutRequest: { Item: { pk: { N: "1" } } } }] },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException" });
    for (const key of keys) expect(await consistentGet(key)).toBeUndefined();
    const output = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: puts }, ReturnConsumedCapacity: "TOTAL" }),
    );
    expect(output.UnprocessedItems).toEqual({});
    expect(output.ConsumedCapacity).toEqual([{ TableName: table, CapacityUnits: keys.length }]);
    for (const key of keys) expect(await consistentGet(key)).toEqual({ pk: { S: key } });
  });

  it("keeps every acknowledged write and keeps writing when the leader is SIGKILLed, and the node catches up", async () => {
    const acknowledged = new Map<string, number>();
    for (let index = 0; index < 30; index++) {
      await put(`before-${index}`, index);
      acknowledged.set(`before-${index}`, index);
    }
    const victim = partition(await adminPartitions(cluster.routerUrl), "p0").leader!;
    const errors: unknown[] = [];
    let written = 0;
    let stopWriting = false;
    const writer = (async () => {
      for (let index = 0; !stopWriting && index < 5_000; index++) {
        try {
          await put(`during-${index}`, index);
          acknowledged.set(`during-${index}`, index);
          written++;
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    await pollUntil("writes before the kill", async () => (written >= 10 ? true : undefined));
    const killedAt = Date.now();
    await cluster.kill(victim);
    const newLeader = await pollUntil("a new leader of p0", async () => {
      const leader = partition(await adminPartitions(cluster.routerUrl), "p0").leader;
      return leader !== undefined && leader !== victim ? leader : undefined;
    });
    const failoverMs = Date.now() - killedAt;
    console.log(`p0: leader ${victim} SIGKILLed; ${newLeader} leads after ${failoverMs} ms`);
    const writtenAtFailover = written;
    await pollUntil("writes after the failover", async () =>
      written >= writtenAtFailover + 40 ? true : undefined,
    );
    stopWriting = true;
    await writer;
    expect(errors).toEqual([]);

    for (const [key, value] of acknowledged) {
      expect((await consistentGet(key))?.value, key).toEqual({ N: String(value) });
    }

    await cluster.restart(victim);
    const caughtUp = await pollUntil(`node ${victim} to catch up`, async () => {
      const view = await adminPartitions(cluster.routerUrl);
      const behind = view.some((entry) => {
        const replica = entry.replicas.find((candidate) => candidate.node === victim);
        return !replica?.reachable || (replica.appliedIndex ?? 0) < (entry.commitIndex ?? 0);
      });
      return behind ? undefined : view;
    });
    const rejoined = partition(caughtUp, "p0").replicas.find((replica) => replica.node === victim)!;
    expect(rejoined.snapshotIndex).toBeGreaterThan(0);
    // Read the rejoined node's own copy (an eventually consistent read is served locally).
    const victimUrl = cluster.nodes.get(victim)!.url;
    for (const [key, value] of acknowledged) {
      const response = await fetch(`${victimUrl}/cluster/dynamodb`, {
        method: "POST",
        headers: { "x-amz-target": "GetItem" },
        body: JSON.stringify({ TableName: table, Key: { pk: { S: key } } }),
      });
      expect(((await response.json()) as { Item?: { value: unknown } }).Item?.value, key).toEqual({
        N: String(value),
      });
    }
  });

  it("refuses unsigned requests at the router", async () => {
    const response = await fetch(cluster.routerUrl, {
      method: "POST",
      headers: {
        "x-amz-target": "DynamoDB_20120810.ListTables",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toMatch(/MissingAuthenticationToken/);
  });

  it("refuses to start a node with missing flags or on another node's data directory", async () => {
    const missing = runProcess([
      new URL("../../dist/cluster/node-main.js", import.meta.url).pathname,
      "--node-id",
      "a",
    ]);
    const missingCode = await new Promise((resolve) => missing.child.once("exit", resolve));
    expect(missingCode).toBe(2);
    expect(missing.output()).toMatch(/--peers are required/);

    const node = cluster.nodes.get("a")!;
    const peers = [...cluster.nodes.values()].map((entry) => `${entry.id}=${entry.url}`).join(",");
    const impostor = runProcess([
      new URL("../../dist/cluster/node-main.js", import.meta.url).pathname,
      ...["--node-id", "b", "--port", "0", "--data-dir", node.dataDir, "--peers", peers, "--partitions", "2"],
    ]);
    const impostorCode = await new Promise((resolve) => impostor.child.once("exit", resolve));
    expect(impostorCode).toBe(2);
    expect(impostor.output()).toMatch(/belongs to node a/);
  });
});

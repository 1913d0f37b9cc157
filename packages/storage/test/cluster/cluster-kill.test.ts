/**
 * Every node of the replicated store SIGKILLed at once under a write load, then restarted: a node
 * applies committed entries to its item engine without flushing it (the Raft log is what is durable),
 * so after the restart each node must resume from exactly what its engine holds. Every acknowledged
 * write must then be readable with ConsistentRead, counters must match the items, and the store must
 * take writes again. Driven through the router with the AWS SDK, retries off.
 */

import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/targets.js";
import { createStringKeyTable, pollUntil, startTestCluster, type TestCluster } from "./cluster-processes.js";

const writers = 8;
/** Each writer's bound on writes, however slow the machine. */
const maxWritesPerWriter = 2_000;
const table = "kill-all-table";
const counterKey = "counter";

let cluster: TestCluster;
let client: DynamoDBClient;

async function consistentGet(key: string) {
  return (
    await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } }, ConsistentRead: true }))
  ).Item;
}

async function scanCount(): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  for (let page = 0; page < 1_000; page++) {
    const output = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start, Select: "COUNT" }),
    );
    count += output.Count ?? 0;
    start = output.LastEvaluatedKey as Record<string, never> | undefined;
    if (!start) return count;
  }
  throw new Error("the scan did not end");
}

describe("replicated store: every node SIGKILLed under writes", () => {
  beforeAll(async () => {
    // Two groups and compaction every 40 entries: restarts resume from snapshots and from logs.
    cluster = await startTestCluster({ partitions: 2, compactEvery: 40 });
    client = createClient(cluster.routerUrl);
    await createStringKeyTable(client, table);
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await cluster?.stop();
  });

  it("keeps every acknowledged write and exact counters across a restart of the whole cluster", async () => {
    const acknowledged = new Map<string, number>();
    let acknowledgedIncrements = 0;
    let attemptedIncrements = 0;
    let stopWriting = false;
    let written = 0;
    const load = Array.from({ length: writers }, async (_, writer) => {
      for (let index = 0; !stopWriting && index < maxWritesPerWriter; index++) {
        const key = `w${writer}-${index}`;
        try {
          if (index % 4 === 3) {
            attemptedIncrements++;
            await client.send(
              new UpdateItemCommand({
                TableName: table,
                Key: { pk: { S: counterKey } },
                UpdateExpression: "ADD hits :one",
                ExpressionAttributeValues: { ":one": { N: "1" } },
              }),
            );
            acknowledgedIncrements++;
          } else {
            await client.send(
              new PutItemCommand({ TableName: table, Item: { pk: { S: key }, value: { N: String(index) } } }),
            );
            acknowledged.set(key, index);
          }
          written++;
        } catch {
          // Writes in flight when the nodes die fail; only acknowledged ones are checked.
        }
      }
    });
    await pollUntil("writes before the kill", async () => (written >= 200 ? true : undefined));
    await Promise.all(["a", "b", "c"].map((id) => cluster.kill(id)));
    stopWriting = true;
    await Promise.all(load);
    const acknowledgedAtKill = acknowledged.size;
    expect(acknowledgedAtKill).toBeGreaterThan(0);

    await Promise.all(["a", "b", "c"].map((id) => cluster.restart(id)));
    // Writable again: a put goes through once leaders are elected.
    await pollUntil("a write after the restart", async () => {
      await client.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: "after" }, value: { N: "1" } } }),
      );
      return true;
    });

    for (const [key, value] of acknowledged) {
      expect((await consistentGet(key))?.value, key).toEqual({ N: String(value) });
    }
    const hits = Number((await consistentGet(counterKey))?.hits?.N ?? "0");
    expect(hits).toBeGreaterThanOrEqual(acknowledgedIncrements);
    expect(hits).toBeLessThanOrEqual(attemptedIncrements);
    // Writes that failed in flight may or may not have been committed; nothing else may exist.
    const count = await scanCount();
    const hasCounter = acknowledgedIncrements > 0 || hits > 0 ? 1 : 0;
    expect(count).toBeGreaterThanOrEqual(acknowledgedAtKill + 1 + hasCounter);
    expect(count).toBeLessThanOrEqual(acknowledgedAtKill + 1 + 1 + writers);
    // The item counters were replayed exactly: every node's count comes to its items (once caught up).
    for (const node of cluster.nodes.values()) {
      const itemCount = async () => {
        const described = await fetch(`${node.url}/cluster/dynamodb`, {
          method: "POST",
          headers: { "x-amz-target": "DescribeTable" },
          body: JSON.stringify({ TableName: table }),
        });
        return ((await described.json()) as { Table: { ItemCount: number } }).Table.ItemCount;
      };
      await pollUntil(`ItemCount ${count} on node ${node.id}`, async () =>
        (await itemCount()) === count ? true : undefined,
      ).catch(() => undefined);
      expect(await itemCount(), `ItemCount on node ${node.id}`).toBe(count);
    }
  }, 120_000);
});

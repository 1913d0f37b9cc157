/**
 * Losing a whole availability zone under a write load, through the front door: three storage nodes
 * (one per zone) and a router as real processes, eight writers through the AWS SDK with retries off.
 * The zone whose node leads the most groups is SIGKILLed. While two zones of three are alive, clients
 * must see no error; every acknowledged write must stay readable with ConsistentRead; and the zone,
 * started again, must catch up. With two zones down, writes must fail with a clear error. The time until every group has a leader again and the latency before,
 * during and after are printed, never asserted.
 */

import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unreadableWrites, writesMissingOnNode } from "./write-load.js";
import { hasCaughtUp, startZoneCluster, waitFor, type ZoneCluster, zoneIds } from "./zone-cluster.js";
import {
  clientWithTable,
  faultPartitions,
  writesAfter,
  writesBefore,
  writeThroughZoneFault,
  type ZoneFaultOutcome,
} from "./zone-fault.js";

const table = "zone-loss";
/** Time the restarted zone may take to catch up. Milliseconds. */
const catchUpTimeoutMs = 20_000;

let cluster: ZoneCluster;
let client: DynamoDBClient;
let outcome: ZoneFaultOutcome;

beforeAll(async () => {
  cluster = await startZoneCluster({ partitions: faultPartitions });
  client = await clientWithTable(cluster, table);
});

afterAll(async () => {
  client?.destroy();
  await cluster?.stop();
});

describe("losing a zone", () => {
  it("keeps acknowledging writes without a client error while the zone leading the most groups is SIGKILLed", async () => {
    outcome = await writeThroughZoneFault(cluster, client, table, "SIGKILLed", (victim) =>
      cluster.kill(victim),
    );
    expect(outcome.load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
  });

  it("reads every acknowledged write back with ConsistentRead while the zone is down", async () => {
    expect(outcome.load.acknowledged.size).toBeGreaterThan(writesBefore + writesAfter);
    expect(await unreadableWrites(client, table, outcome.load.acknowledged)).toEqual([]);
  });

  it("answers bad and conditional requests with their usual errors while the zone is down", async () => {
    await expect(
      client.send(new PutItemCommand({ TableName: table, Item: { pk: { N: "1" } } })),
    ).rejects.toMatchObject({ name: "ValidationException" });
    await expect(
      client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: "w0-0" }, value: { N: "-1" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(await unreadableWrites(client, table, new Map([["w0-0", 0]]))).toEqual([]);
  });

  it("catches up when the zone comes back: it applies what the leaders committed and holds every write", async () => {
    await cluster.restart(outcome.victim);
    await waitFor(`node ${outcome.victim} to catch up`, catchUpTimeoutMs, async () =>
      (await hasCaughtUp(cluster, outcome.victim)) ? true : undefined,
    );
    expect(
      await writesMissingOnNode(cluster.nodeUrl(outcome.victim), table, outcome.load.acknowledged),
    ).toEqual([]);
  });

  it("refuses writes with ServiceUnavailable while two zones are down, and takes them again once one returns", async () => {
    const [first, second] = zoneIds.filter((id) => id !== outcome.victim);
    await Promise.all([cluster.kill(first!), cluster.kill(second!)]);
    await expect(
      client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "without-majority" } } })),
    ).rejects.toMatchObject({ name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
    await cluster.restart(first!);
    await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: "majority-again" } } }));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "majority-again" } }, ConsistentRead: true }),
    );
    expect(Item).toEqual({ pk: { S: "majority-again" } });
  });
});

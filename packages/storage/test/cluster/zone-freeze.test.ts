/**
 * A zone that hangs under a write load: the storage node leading the most groups is SIGSTOPped. Unlike
 * a killed process, whose port refuses at once, a frozen one accepts connections and never answers,
 * which is how a hung machine or a lost network looks to its callers; this needs no privileges, so it
 * runs where network namespaces cannot be made. Clients (eight writers through the AWS SDK, retries
 * off) must see no error, every acknowledged write must stay readable with ConsistentRead, and the
 * node, resumed with its stale belief that it leads, must follow the new leaders and catch up.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unreadableWrites, writesMissingOnNode } from "./write-load.js";
import { hasCaughtUp, startZoneCluster, waitFor, type ZoneCluster } from "./zone-cluster.js";
import {
  clientWithTable,
  faultPartitions,
  writesAfter,
  writesBefore,
  writeThroughZoneFault,
  type ZoneFaultOutcome,
} from "./zone-fault.js";

const table = "zone-freeze";
/** Time the resumed zone may take to catch up. Milliseconds. */
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

describe("a zone that hangs", () => {
  it("keeps acknowledging writes without a client error while the zone leading the most groups is frozen", async () => {
    outcome = await writeThroughZoneFault(cluster, client, table, "SIGSTOPped", (victim) =>
      cluster.freeze(victim),
    );
    expect(outcome.load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
  });

  it("reads every acknowledged write back with ConsistentRead while the zone is frozen", async () => {
    expect(outcome.load.acknowledged.size).toBeGreaterThan(writesBefore + writesAfter);
    expect(await unreadableWrites(client, table, outcome.load.acknowledged)).toEqual([]);
  });

  it("catches up when the zone resumes: it follows the new leaders and holds every write", async () => {
    cluster.thaw(outcome.victim);
    await waitFor(`node ${outcome.victim} to catch up`, catchUpTimeoutMs, async () =>
      (await hasCaughtUp(cluster, outcome.victim)) ? true : undefined,
    );
    expect(
      await writesMissingOnNode(cluster.nodeUrl(outcome.victim), table, outcome.load.acknowledged),
    ).toEqual([]);
  });
});

/**
 * Cutting a whole availability zone off the network under a write load. Each zone's storage node runs
 * in its own network namespace with its own address, joined to the router's namespace by a bridge;
 * the zone whose node leads the most groups has its link taken down, so its packets vanish without an
 * answer (unlike a killed process, whose port refuses at once), while the node itself keeps running
 * and may still believe it leads. Clients (eight writers through the AWS SDK, retries off) must see no
 * error, every acknowledged write must stay readable with ConsistentRead, and once the link is back
 * the zone must follow the new leaders and catch up. The time until every group has a leader again
 * and the latency before, during and after are printed, never asserted.
 *
 * Needs root and iproute2 to create namespaces; where that is impossible the tests are skipped and
 * their names and output say why.
 */

import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
import { createZoneNetwork, networkNamespacesUnavailable, type ZoneNetwork } from "./zone-network.js";

const table = "zone-partition";
/** The nodes' internal port: each has an address of its own, so one port serves all. */
const nodePort = 7000;
/** Time the healed zone may take to catch up. Milliseconds. */
const catchUpTimeoutMs = 20_000;

const unavailable = networkNamespacesUnavailable();
if (unavailable !== undefined) console.log(`zone partition tests skipped: ${unavailable}`);

let network: ZoneNetwork | undefined;
let cluster: ZoneCluster | undefined;
let client: DynamoDBClient | undefined;
let outcome: ZoneFaultOutcome;

beforeAll(async () => {
  if (unavailable !== undefined) return;
  const zones = createZoneNetwork(zoneIds);
  network = zones;
  cluster = await startZoneCluster({
    partitions: faultPartitions,
    place: (id) => ({ host: zones.addressOf(id), port: nodePort, launcher: zones.launcherOf(id) }),
  });
  client = await clientWithTable(cluster, table);
});

afterAll(async () => {
  try {
    client?.destroy();
    await cluster?.stop();
  } finally {
    network?.remove();
  }
});

describe.skipIf(unavailable !== undefined)(
  `cutting a zone off the network${unavailable === undefined ? "" : ` (skipped: ${unavailable})`}`,
  () => {
    it("keeps acknowledging writes without a client error while the zone leading the most groups is unreachable", async () => {
      outcome = await writeThroughZoneFault(cluster!, client!, table, "cut off", (victim) =>
        network!.cut(victim),
      );
      expect(outcome.load.errors.map(({ key, error }) => `${key}: ${String(error)}`)).toEqual([]);
    });

    it("reads every acknowledged write back with ConsistentRead while the zone is cut off", async () => {
      expect(outcome.load.acknowledged.size).toBeGreaterThan(writesBefore + writesAfter);
      expect(await unreadableWrites(client!, table, outcome.load.acknowledged)).toEqual([]);
    });

    it("catches up when the link is back: the zone follows the new leaders and holds every write", async () => {
      network!.heal(outcome.victim);
      await waitFor(`node ${outcome.victim} to catch up`, catchUpTimeoutMs, async () =>
        (await hasCaughtUp(cluster!, outcome.victim)) ? true : undefined,
      );
      expect(
        await writesMissingOnNode(cluster!.nodeUrl(outcome.victim), table, outcome.load.acknowledged),
      ).toEqual([]);
    });
  },
);

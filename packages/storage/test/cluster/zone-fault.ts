/**
 * The course of a zone fault test, shared by the ways a zone can fail: an SDK client with retries off
 * (so any error the router lets through reaches the test), a table, and a write load during which the
 * zone whose node leads the most groups is made to fail. Prints how long it took until every group
 * had a leader in the other zones again and the latency before, during and after; asserts neither.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createClient } from "../support/targets.js";
import { createStringKeyTable } from "./cluster-processes.js";
import { latencyByPhase, startWriteLoad, type WriteLoad } from "./write-load.js";
import { leadersAmong, waitFor, type ZoneCluster, zoneIds } from "./zone-cluster.js";

/** Item groups of a zone fault test; with the metadata group, four leaders to spread over three zones. */
export const faultPartitions = 3;
const groups = faultPartitions + 1;
const writers = 8;
/** Writes acknowledged before the fault, and after every group has a leader again. */
export const writesBefore = 200;
export const writesAfter = 300;
/** Bounds of the waits. Milliseconds. */
const leaderTimeoutMs = 15_000;
const loadTimeoutMs = 25_000;

export interface ZoneFaultOutcome {
  /** The node (and zone) that failed. */
  victim: string;
  /** The load, stopped: its acknowledged writes and the errors clients saw. */
  load: WriteLoad;
}

/**
 * A client for the cluster's router that never retries, and a table `table` with a string key `pk`,
 * created once each of the cluster's `groups` (a zone fault test's by default) has a leader.
 */
export async function clientWithTable(
  cluster: ZoneCluster,
  table: string,
  options: { groups: number; timeoutMs: number } = { groups, timeoutMs: leaderTimeoutMs },
): Promise<DynamoDBClient> {
  const client = createClient(cluster.routerUrl);
  await waitFor("a leader in every group", options.timeoutMs, async () =>
    (await leadersAmong(cluster, cluster.nodeIds)).size === options.groups ? true : undefined,
  );
  await createStringKeyTable(client, table);
  return client;
}

/**
 * Runs the write load, makes the zone leading the most groups fail by `fail` (`what` names the fault
 * in the printed line), waits until the other zones lead every group and have acknowledged
 * `writesAfter` more writes, then stops the load. The failed zone stays failed.
 */
export async function writeThroughZoneFault(
  cluster: ZoneCluster,
  client: DynamoDBClient,
  table: string,
  what: string,
  fail: (victim: string) => Promise<void> | void,
): Promise<ZoneFaultOutcome> {
  const load = startWriteLoad(client, table, writers);
  try {
    await load.untilAcknowledged(writesBefore, loadTimeoutMs);
    const leaders = await leadersAmong(cluster, zoneIds);
    const led = (id: string) => [...leaders].filter(([, node]) => node === id).map(([group]) => group);
    const victim = [...zoneIds].sort((a, b) => led(b).length - led(a).length)[0]!;
    if (led(victim).length === 0) throw new Error("no zone leads a group before the fault");

    const faultAt = performance.now();
    await fail(victim);
    const survivors = zoneIds.filter((id) => id !== victim);
    await waitFor("a leader of every group in the other zones", leaderTimeoutMs, async () =>
      (await leadersAmong(cluster, survivors)).size === groups ? true : undefined,
    );
    const recoveredAt = performance.now();
    await load.untilAcknowledged(load.acknowledged.size + writesAfter, loadTimeoutMs);
    await load.stop();
    console.log(
      `zone az-${victim} (leading ${led(victim).join(", ")}) ${what}: every group has a leader again ` +
        `after ${(recoveredAt - faultAt).toFixed(0)} ms\n` +
        `latency of ${writers} writers: ${latencyByPhase(load.requests, faultAt, recoveredAt)}`,
    );
    return { victim, load };
  } finally {
    await load.stop();
  }
}

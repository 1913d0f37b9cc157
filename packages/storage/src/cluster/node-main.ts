#!/usr/bin/env node
/**
 * Runs one storage node in the foreground:
 * `node dist/cluster/node-main.js --node-id a --zone az-a --port 7001 --data-dir D --peers a=URL,b=URL,c=URL`.
 */
import { parseArgs } from "node:util";
import { StorageUsageError } from "../api/run.js";
import { parseBoundedInteger, parseNodeList, stopSignal } from "./command-line.js";
import { ClusterConfigError } from "./errors.js";
import { maxPartitionGroups } from "./partition-groups.js";
import { defaultZoneOf, parseNodeZones } from "./placement.js";
import {
  defaultPartitions,
  defaultReplaceAfterMs,
  defaultSplitBytes,
  defaultTickMs,
  startStorageNode,
} from "./storage-node.js";

/** Largest --split-bytes: 1 PiB, far past any partition worth keeping whole. */
const maxSplitBytes = 2 ** 50;
/** Largest --replace-after-ms: 30 days. */
const maxReplaceAfterMs = 30 * 24 * 3_600_000;

export const nodeUsage = `Usage: node-main.js --node-id ID --zone ZONE --port N --data-dir DIR --peers ID=URL,… [options]

Runs one storage node of a replicated storage cluster in the foreground.

Options:
  --node-id ID          this node's id, one of --peers (never reuse an id for a node that lost its disk)
  --zone ZONE           availability zone label (default: its --node-zones entry, else az-<node id>)
  --port N              port of the node's internal API (default 0: any free port)
  --host HOST           interface to bind (default 127.0.0.1)
  --data-dir DIR        folder for this node's Raft log and item store
  --peers LIST          every node of the cluster, this one included: a=http://host:port,b=…
  --node-zones LIST     the zone of every node, the same on every node: a1=az-a,a2=az-a,b1=az-b,…
                        (a node not named is in a zone of its own, az-<id>); a new cluster places
                        each group on the first node (by id) of each zone, the others are spares
  --replace-after-ms N  a node unreachable this long is replaced in every group it holds, on a
                        live node of its zone if any, else of another zone (default ${defaultReplaceAfterMs}: 5 minutes)
  --partitions N        item groups a new cluster starts with, the same on every node (default ${defaultPartitions},
                        at most ${maxPartitionGroups}); splits add more, up to ${maxPartitionGroups}
  --split-bytes N       a group whose items exceed N bytes splits in two by key-hash range, online
                        (default ${defaultSplitBytes}: 10 GiB, DynamoDB's partition size)
  --tick-ms N           Raft tick (default ${defaultTickMs})
  --compact-every N     applied entries between log compactions (default 10000)
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "node-id": { type: "string" },
      zone: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      peers: { type: "string" },
      "node-zones": { type: "string" },
      "replace-after-ms": { type: "string" },
      partitions: { type: "string" },
      "split-bytes": { type: "string" },
      "tick-ms": { type: "string" },
      "compact-every": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(nodeUsage);
    return 0;
  }
  const nodeId = values["node-id"];
  const dataDir = values["data-dir"];
  if (!nodeId || !dataDir || !values.peers) {
    throw new StorageUsageError("--node-id, --data-dir and --peers are required (see --help).");
  }
  const nodeZones =
    values["node-zones"] === undefined ? undefined : parseNodeZones(values["node-zones"], "--node-zones");
  const node = await startStorageNode({
    nodeId,
    zone: values.zone ?? nodeZones?.get(nodeId) ?? defaultZoneOf(nodeId),
    ...(nodeZones !== undefined ? { nodeZones } : {}),
    ...(values["replace-after-ms"] !== undefined
      ? {
          replaceAfterMs: parseBoundedInteger(
            values["replace-after-ms"],
            "--replace-after-ms",
            1,
            maxReplaceAfterMs,
          ),
        }
      : {}),
    port: values.port === undefined ? 0 : parseBoundedInteger(values.port, "--port", 0, 65535),
    host: values.host ?? "127.0.0.1",
    dataDir,
    peers: parseNodeList(values.peers, "--peers"),
    ...(values.partitions !== undefined
      ? { partitions: parseBoundedInteger(values.partitions, "--partitions", 1, maxPartitionGroups) }
      : {}),
    ...(values["split-bytes"] !== undefined
      ? { splitBytes: parseBoundedInteger(values["split-bytes"], "--split-bytes", 1, maxSplitBytes) }
      : {}),
    ...(values["tick-ms"] !== undefined
      ? { tickMs: parseBoundedInteger(values["tick-ms"], "--tick-ms", 1, 10_000) }
      : {}),
    ...(values["compact-every"] !== undefined
      ? {
          compactEveryEntries: parseBoundedInteger(
            values["compact-every"],
            "--compact-every",
            1,
            100_000_000,
          ),
        }
      : {}),
  });
  process.stdout.write(`storage node ${nodeId} listening on ${node.url} with data in ${dataDir}\n`);
  const signal = await stopSignal();
  process.stdout.write(`storage node ${nodeId} received ${signal}; stopping\n`);
  await node.close();
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (
    !(error instanceof StorageUsageError) &&
    !(error instanceof ClusterConfigError) &&
    !(error instanceof TypeError)
  ) {
    throw error;
  }
  process.stderr.write(`storage node: ${error.message}\n`);
  process.exitCode = 2;
}

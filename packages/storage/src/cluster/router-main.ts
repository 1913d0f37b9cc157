#!/usr/bin/env node
/** Runs a storage request router in the foreground: `node dist/cluster/router-main.js --port 8000 --nodes a=URL,b=URL,c=URL`. */
import { parseArgs } from "node:util";
import { StorageUsageError, storageCredentialsFromEnv } from "../api/run.js";
import { parseBoundedInteger, parseNodeList, stopSignal } from "./command-line.js";
import { parseNodeZones } from "./placement.js";
import { startRouter } from "./router.js";

export const routerUsage = `Usage: router-main.js --nodes ID=URL,… [--port N] [--host HOST]

Runs a request router of a replicated storage cluster: the DynamoDB API on --port.

Options:
  --nodes LIST   the storage nodes: a=http://host:port,b=…
  --port N       port of the DynamoDB API (default 8000)
  --host HOST    interface to bind (default 127.0.0.1)
  --node-zones LIST
                 the zone of every node, as given to the nodes: a1=az-a,a2=az-a,… (shown in
                 GET /admin/partitions while a node is unreachable; default az-<id>)
  --reuse-port   share --port with other routers on this machine (SO_REUSEPORT: the kernel spreads
                 new connections between them)
  --eventual-reads leader|any
                 how eventually consistent reads are answered: so that a client reads its own
                 writes (leader, the default: GetItem at the leader, other reads after a read
                 barrier) or from whatever the answering replica has applied (any)

Environment:
  HAKOBUNE_STORAGE_ACCESS_KEY_ID, HAKOBUNE_STORAGE_SECRET_ACCESS_KEY   the access key accepted
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      nodes: { type: "string" },
      "node-zones": { type: "string" },
      "eventual-reads": { type: "string" },
      "reuse-port": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(routerUsage);
    return 0;
  }
  if (!values.nodes) throw new StorageUsageError("--nodes is required (see --help).");
  const eventualReads = values["eventual-reads"] ?? "leader";
  if (eventualReads !== "leader" && eventualReads !== "any") {
    throw new StorageUsageError(`--eventual-reads must be "leader" or "any", got "${eventualReads}".`);
  }
  const router = await startRouter({
    port: values.port === undefined ? 8000 : parseBoundedInteger(values.port, "--port", 0, 65535),
    host: values.host ?? "127.0.0.1",
    nodes: parseNodeList(values.nodes, "--nodes"),
    credentials: [storageCredentialsFromEnv(process.env)],
    eventualReads,
    reusePort: values["reuse-port"] === true,
    ...(values["node-zones"] !== undefined
      ? { nodeZones: parseNodeZones(values["node-zones"], "--node-zones") }
      : {}),
  });
  process.stdout.write(`storage router listening on ${router.url}\n`);
  const signal = await stopSignal();
  process.stdout.write(`storage router received ${signal}; stopping\n`);
  await router.close();
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof StorageUsageError) && !(error instanceof TypeError)) throw error;
  process.stderr.write(`storage router: ${error.message}\n`);
  process.exitCode = 2;
}

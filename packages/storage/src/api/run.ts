/**
 * The storage service's command line, shared by `node packages/storage/dist/main.js` and
 * `hakobune storage`: flags win over the environment, which wins over the defaults. Runs until SIGTERM,
 * SIGINT or SIGHUP, then drains and exits.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startStorageServer } from "./server.js";
import { type Credentials, DEFAULT_CREDENTIALS } from "./sigv4.js";

export const defaultStoragePort = 8000;
export const defaultStorageHost = "127.0.0.1";
/** Past this bound on shutdown the process exits even if connections are still draining. */
export const storageShutdownTimeoutMs = 15_000;

export const storageUsage = `Usage: hakobune storage [--port N] [--data-dir DIR] [--host HOST]
                        [--zones N [--routers N] [--nodes-per-zone N] [--partitions N] [--split-bytes N]
                                   [--replace-after-ms N]]

Runs the DynamoDB-compatible storage service in the foreground; Ctrl-C or SIGTERM stops it.

Options:
  --port N         port to listen on (env HAKOBUNE_STORAGE_PORT, default ${defaultStoragePort})
  --data-dir DIR   folder for the store (env HAKOBUNE_STORAGE_DATA_DIR, default <HAKOBUNE_DATA_DIR or ./.hakobune>/storage)
  --host HOST      interface to bind (env HAKOBUNE_STORAGE_HOST, default ${defaultStorageHost})
  --zones N        run the replicated store: a request router on --port and N storage nodes, one per
                   zone, as separate processes (env HAKOBUNE_STORAGE_ZONES, default 1: a single node)
  --routers N      request routers sharing --port (default 1, at most 8; with --zones): each a process
                   of its own, the kernel spreading connections between them
  --nodes-per-zone N  storage nodes per zone (default 1); nodes beyond the first in a zone are spares
                   that take over the replicas of a lost node (with --zones)
  --partitions N   partition groups of a new replicated store (default 1, at most 64; with --zones)
  --split-bytes N  a partition group larger than this splits in two (default 10 GiB; with --zones)
  --replace-after-ms N  a storage node unreachable this long is replaced (default 300000; with --zones)

Environment:
  HAKOBUNE_STORAGE_ACCESS_KEY_ID, HAKOBUNE_STORAGE_SECRET_ACCESS_KEY
                   the one access key accepted instead of the default one (set both or neither)
`;

/** A bad flag or setting: the caller prints the sentence and exits 2. */
export class StorageUsageError extends Error {
  readonly code = "STORAGE_USAGE";
}

function parsePort(text: string, source: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    throw new StorageUsageError(`${source} must be a port number between 0 and 65535, got "${text}".`);
  }
  return Number(text);
}

/** The access key storage accepts, from HAKOBUNE_STORAGE_ACCESS_KEY_ID / _SECRET_ACCESS_KEY or the default. */
export function storageCredentialsFromEnv(env: NodeJS.ProcessEnv): Credentials {
  const accessKeyId = env.HAKOBUNE_STORAGE_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.HAKOBUNE_STORAGE_SECRET_ACCESS_KEY || undefined;
  if (accessKeyId === undefined && secretAccessKey === undefined) return DEFAULT_CREDENTIALS;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new StorageUsageError(
      "HAKOBUNE_STORAGE_ACCESS_KEY_ID and HAKOBUNE_STORAGE_SECRET_ACCESS_KEY must be set together.",
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** The flags that configure the replicated store (`--zones` 2 or more), for `parseArgs`. */
export const storageClusterFlags = {
  routers: { type: "string" },
  "nodes-per-zone": { type: "string" },
  partitions: { type: "string" },
  "split-bytes": { type: "string" },
  "replace-after-ms": { type: "string" },
} as const;

/** The replicated store's layout and limits from its flags; throws `StorageUsageError` for a bad one. */
export function clusterOptionsFromFlags(
  values: { [flag in keyof typeof storageClusterFlags]?: string | undefined },
  zones: number,
): {
  routers?: number;
  nodesPerZone?: number;
  partitions?: number;
  splitBytes?: number;
  replaceAfterMs?: number;
} {
  const cluster = {
    routers: positiveIntegerFlag(values.routers, "--routers", maxRouters),
    nodesPerZone: positiveIntegerFlag(values["nodes-per-zone"], "--nodes-per-zone", maxNodesPerZone),
    partitions: positiveIntegerFlag(values.partitions, "--partitions", maxPartitions),
    splitBytes: positiveIntegerFlag(values["split-bytes"], "--split-bytes", Number.MAX_SAFE_INTEGER),
    replaceAfterMs: positiveIntegerFlag(
      values["replace-after-ms"],
      "--replace-after-ms",
      Number.MAX_SAFE_INTEGER,
    ),
  };
  const given = Object.entries(cluster).filter(([, value]) => value !== undefined);
  if (zones === 1 && given.length > 0) {
    throw new StorageUsageError(
      `--${given[0]![0].replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} needs --zones 2 or more (it configures the replicated store).`,
    );
  }
  return Object.fromEntries(given);
}

/** Starts storage from a command line and serves until a stop signal; resolves with the exit code. */
export async function runStorageFromCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      zones: { type: "string" },
      ...storageClusterFlags,
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(storageUsage);
    return 0;
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, "--port")
      : env.HAKOBUNE_STORAGE_PORT
        ? parsePort(env.HAKOBUNE_STORAGE_PORT, "HAKOBUNE_STORAGE_PORT")
        : defaultStoragePort;
  const host = values.host ?? env.HAKOBUNE_STORAGE_HOST ?? defaultStorageHost;
  const dataDir =
    values["data-dir"] ??
    env.HAKOBUNE_STORAGE_DATA_DIR ??
    join(env.HAKOBUNE_DATA_DIR || ".hakobune", "storage");
  const zonesText = values.zones ?? env.HAKOBUNE_STORAGE_ZONES;
  const zones = zonesText === undefined || zonesText === "" ? 1 : parseStorageZones(zonesText);
  const cluster = clusterOptionsFromFlags(values, zones);
  return serveStorage({
    port,
    host,
    dataDir,
    credentials: storageCredentialsFromEnv(env),
    zones,
    ...cluster,
  });
}

/** Most storage nodes per zone, routers, and partition groups the flags accept (the cluster's own bounds). */
const maxNodesPerZone = 9;
const maxRouters = 8;
const maxPartitions = 64;

/** A flag that must be an integer in [1, max], or undefined when not given. */
function positiveIntegerFlag(text: string | undefined, flag: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new StorageUsageError(`${flag} must be an integer between 1 and ${max}, got "${text}".`);
  }
  return Number(text);
}

/** Most zones `--zones` accepts on one machine. */
const maxZones = 9;

/** Parses `--zones` / HAKOBUNE_STORAGE_ZONES: storage nodes (one per zone) of the local store. */
export function parseStorageZones(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > maxZones) {
    throw new StorageUsageError(`--zones must be an integer between 1 and ${maxZones}, got "${text}".`);
  }
  return Number(text);
}

/**
 * Serves storage in the foreground until a stop signal, then drains; resolves with the exit code.
 * With `zones` above 1 it runs the replicated store instead (see src/cluster/README.md).
 */
export async function serveStorage(options: {
  port: number;
  host: string;
  dataDir: string;
  credentials: Credentials;
  /** Storage nodes, one per zone, behind a router; 1 (the default) is the single-node server. */
  zones?: number;
  /** With zones above 1: the local cluster's layout and limits (see `LocalClusterOptions`). */
  routers?: number;
  nodesPerZone?: number;
  partitions?: number;
  splitBytes?: number;
  replaceAfterMs?: number;
}): Promise<number> {
  const { port, host, dataDir, credentials, routers, nodesPerZone, partitions, splitBytes, replaceAfterMs } =
    options;
  if ((options.zones ?? 1) > 1) {
    const { serveLocalCluster } = await import("../cluster/local-cluster.js");
    return serveLocalCluster({
      port,
      host,
      dataDir,
      credentials,
      zones: options.zones!,
      routers,
      nodesPerZone,
      partitions,
      splitBytes,
      replaceAfterMs,
    });
  }
  const server = await startStorageServer({ port, host, dataDir, credentials: [credentials] });
  process.stdout.write(
    `storage listening on ${server.url} with data in ${dataDir}\n` +
      `storage accepts access key id "${credentials.accessKeyId}" with secret access key "${credentials.secretAccessKey}" in any region\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(name, () => resolve(name));
  });
  process.stdout.write(`storage received ${signal}; draining and stopping\n`);
  const deadline = setTimeout(() => {
    process.stderr.write(`storage did not stop within ${storageShutdownTimeoutMs} ms; exiting anyway\n`);
    process.exit(1);
  }, storageShutdownTimeoutMs);
  await server.close();
  clearTimeout(deadline);
  process.stdout.write("storage stopped\n");
  return 0;
}

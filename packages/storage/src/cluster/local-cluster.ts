/**
 * The replicated store on one machine: `hakobune storage --zones 3` runs one storage node per zone as
 * a child process (each with its own data directory, `<data-dir>/node-<id>`) and the request router
 * in this process on the DynamoDB port. The nodes' internal ports are picked free at each start; a
 * node is known by its id, which its data directory remembers, not by its port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Credentials } from "../api/sigv4.js";
import { stopSignal } from "./command-line.js";
import { startRouter } from "./router.js";
import { defaultPartitions } from "./storage-node.js";

export interface LocalClusterOptions {
  /** Port of the router (the DynamoDB API). */
  port: number;
  host: string;
  dataDir: string;
  credentials: Credentials;
  /** Zones: `az-a`, `az-b`, … Default 3. */
  zones?: number;
  /**
   * Request routers, all on `port` (SO_REUSEPORT): this process's, and the others as child processes.
   * Default 1.
   */
  routers?: number;
  /**
   * Storage nodes per zone. Default 1: nodes `a`, `b`, `c` (one per zone, every group on each). With
   * more, nodes `a1`, `a2`, `b1`, …: a new cluster places each group on the first node of each zone,
   * and the others are spares that healing rebuilds a lost node's replicas on.
   */
  nodesPerZone?: number;
  /** A node unreachable this long is replaced. Default 5 minutes (see `defaultReplaceAfterMs`). */
  replaceAfterMs?: number;
  /** Partition groups. Default 1 (see `defaultPartitions`). */
  partitions?: number;
  /** Bytes past which a group splits. Default 10 GiB (see `defaultSplitBytes`). */
  splitBytes?: number;
}

/** Most zones the local topology starts. */
export const maxLocalZones = 9;
/** Free ports asked for per node before one is found that no other process of the cluster uses. */
const maxPortAttempts = 10;
/**
 * Starts of the whole set of nodes tried when one of them finds its port taken: a port is picked free
 * and then bound by the child, and another program of the machine can bind it in between.
 */
const maxStartAttempts = 5;
/** Most routers the local topology starts. */
export const maxLocalRouters = 8;
/** Most storage nodes per zone the local topology starts. */
export const maxLocalNodesPerZone = 9;
/** Bytes of a starting node's error output kept to explain why it stopped. */
const maxKeptErrorBytes = 16_384;
/** Time a node may take to print that it listens. */
const nodeStartTimeoutMs = 30_000;
/** Time a node may take to stop after SIGTERM before it is killed. */
const nodeStopTimeoutMs = 10_000;

const nodeMain = fileURLToPath(new URL("./node-main.js", import.meta.url));
const routerMain = fileURLToPath(new URL("./router-main.js", import.meta.url));

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A node could not listen: the port picked free for it was bound by another program first. */
class PortTakenError extends Error {}

function waitForListening(child: ChildProcess, id: string, what = "storage node"): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`${what} ${id} did not start:\n${output}`)),
      nodeStartTimeoutMs,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      output += chunk.toString("utf8");
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    let errors = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      errors = (errors + chunk.toString("utf8")).slice(-maxKeptErrorBytes);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (errors.includes("EADDRINUSE")) {
        reject(new PortTakenError(`${what} ${id} found its port taken`));
        return;
      }
      reject(new Error(`${what} ${id} exited with code ${code}:\n${output}${errors}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), nodeStopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Runs the local replicated store until a stop signal; resolves with the exit code. */
export async function serveLocalCluster(options: LocalClusterOptions): Promise<number> {
  const zones = options.zones ?? 3;
  if (!Number.isInteger(zones) || zones < 1 || zones > maxLocalZones) {
    throw new RangeError(`zones must be an integer in [1, ${maxLocalZones}], got ${zones}`);
  }
  const routers = options.routers ?? 1;
  if (!Number.isInteger(routers) || routers < 1 || routers > maxLocalRouters) {
    throw new RangeError(`routers must be an integer in [1, ${maxLocalRouters}], got ${routers}`);
  }
  const nodesPerZone = options.nodesPerZone ?? 1;
  if (!Number.isInteger(nodesPerZone) || nodesPerZone < 1 || nodesPerZone > maxLocalNodesPerZone) {
    throw new RangeError(
      `nodesPerZone must be an integer in [1, ${maxLocalNodesPerZone}], got ${nodesPerZone}`,
    );
  }
  const zoneLetters = Array.from({ length: zones }, (_, index) => String.fromCharCode(97 + index));
  // One node per zone keeps the ids (and data directories) a, b, c of clusters made before spares.
  const ids = zoneLetters.flatMap((letter) =>
    nodesPerZone === 1
      ? [letter]
      : Array.from({ length: nodesPerZone }, (_, index) => `${letter}${index + 1}`),
  );
  const zoneOf = (id: string) => `az-${id[0]}`;
  const nodeZoneList = ids.map((id) => `${id}=${zoneOf(id)}`).join(",");
  const spawnNodes = async (): Promise<{ peers: Map<string, string>; children: ChildProcess[] }> => {
    const peers = new Map<string, string>();
    // A port just freed can be handed out again: never give a node the router's port or another node's.
    const taken = new Set([options.port]);
    for (const id of ids) {
      let port = await freePort(options.host);
      for (let attempt = 1; taken.has(port) && attempt < maxPortAttempts; attempt++) {
        port = await freePort(options.host);
      }
      taken.add(port);
      peers.set(id, `http://${options.host}:${port}`);
    }
    const peerList = [...peers].map(([id, url]) => `${id}=${url}`).join(",");
    const children = ids.map((id) =>
      spawn(
        process.execPath,
        [
          nodeMain,
          "--node-id",
          id,
          "--zone",
          zoneOf(id),
          "--node-zones",
          nodeZoneList,
          "--port",
          new URL(peers.get(id)!).port,
          "--host",
          options.host,
          "--data-dir",
          join(options.dataDir, `node-${id}`),
          "--peers",
          peerList,
          "--partitions",
          String(options.partitions ?? defaultPartitions),
          ...(options.splitBytes !== undefined ? ["--split-bytes", String(options.splitBytes)] : []),
          ...(options.replaceAfterMs !== undefined
            ? ["--replace-after-ms", String(options.replaceAfterMs)]
            : []),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      ),
    );
    try {
      await Promise.all(children.map((child, index) => waitForListening(child, ids[index]!)));
    } catch (error) {
      await Promise.all(children.map(stopChild));
      throw error;
    }
    return { peers, children };
  };
  let started: Awaited<ReturnType<typeof spawnNodes>> | undefined;
  for (let attempt = 1; started === undefined; attempt++) {
    try {
      started = await spawnNodes();
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= maxStartAttempts) throw error;
      process.stderr.write(`${error.message}; starting the storage nodes again on other ports\n`);
    }
  }
  const { peers, children } = started;
  // The other routers share the port: each its own process, the kernel spreading connections.
  const routerChildren = Array.from({ length: routers - 1 }, () =>
    spawn(
      process.execPath,
      [
        routerMain,
        "--port",
        String(options.port),
        "--host",
        options.host,
        "--nodes",
        [...peers].map(([id, url]) => `${id}=${url}`).join(","),
        "--node-zones",
        nodeZoneList,
        "--reuse-port",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          HAKOBUNE_STORAGE_ACCESS_KEY_ID: options.credentials.accessKeyId,
          HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
        },
      },
    ),
  );
  let router: Awaited<ReturnType<typeof startRouter>> | undefined;
  try {
    router = await startRouter({
      port: options.port,
      host: options.host,
      nodes: peers,
      nodeZones: new Map(ids.map((id) => [id, zoneOf(id)])),
      credentials: [options.credentials],
      reusePort: routers > 1,
    });
    await Promise.all(
      routerChildren.map((child, index) => waitForListening(child, String(index + 2), "storage router")),
    );
  } catch (error) {
    await router?.close();
    await Promise.all([...routerChildren, ...children].map(stopChild));
    throw error;
  }
  process.stdout.write(
    `storage listening on ${router.url} (${routers === 1 ? "router" : `${routers} routers`} of ${ids.length} storage nodes in zones ${zoneLetters.map((letter) => `az-${letter}`).join(", ")}) with data in ${options.dataDir}\n` +
      `storage accepts access key id "${options.credentials.accessKeyId}" with secret access key "${options.credentials.secretAccessKey}" in any region\n`,
  );
  for (const [index, child] of children.entries()) {
    child.on("exit", (code, signal) => {
      process.stderr.write(`storage node ${ids[index]} exited (code ${code}, signal ${signal})\n`);
    });
  }
  for (const [index, child] of routerChildren.entries()) {
    child.on("exit", (code, signal) => {
      process.stderr.write(`storage router ${index + 2} exited (code ${code}, signal ${signal})\n`);
    });
  }
  const signal = await stopSignal();
  process.stdout.write(`storage received ${signal}; draining and stopping\n`);
  await Promise.all(routerChildren.map(stopChild));
  await router.close();
  await Promise.all(children.map(stopChild));
  process.stdout.write("storage stopped\n");
  return 0;
}

/**
 * A three-zone store as real processes for zone fault tests: one storage node per zone (ids a, b, c;
 * zones az-a, az-b, az-c) from the built `dist/cluster/node-main.js` and a router from
 * `dist/cluster/router-main.js` on the loopback interface. By default the nodes listen on free
 * loopback ports; a `place` function may instead give each zone's node its own address and a command
 * prefix that starts it elsewhere (inside the zone's network namespace). Also reads each node's own
 * Raft status, which stays fast while a zone is unreachable (the router's admin view waits for it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { NodeStatus } from "../../src/cluster/storage-node.js";
import { findFreePort } from "../support/free-port.js";
import { stopProcess } from "./cluster-processes.js";

const nodeMain = fileURLToPath(new URL("../../dist/cluster/node-main.js", import.meta.url));
const routerMain = fileURLToPath(new URL("../../dist/cluster/router-main.js", import.meta.url));

export const zoneIds = ["a", "b", "c"] as const;

/** Time a process may take to print that it listens. Milliseconds. */
const startTimeoutMs = 30_000;
/** Pause between checks that a process listens. Milliseconds. */
const startPollMs = 25;
/** Output kept per process to explain a failure. Bytes. */
const maxOutputBytes = 16_384;
/** Time one node may take to answer a status request. Milliseconds. */
const statusTimeoutMs = 500;

/** Where a zone's node runs. */
export interface ZonePlacement {
  host: string;
  port: number;
  /** Command prefix the node is started under (e.g. `ip netns exec NS`); empty to start it directly. */
  launcher: readonly string[];
}

export interface ZoneCluster {
  routerUrl: string;
  /** Every node's id (`a`, `b`, `c`, or `a1`, `a2`, … with several nodes per zone). */
  nodeIds: readonly string[];
  /** A node's zone: `az-` and the first letter of its id. */
  zoneOf(id: string): string;
  nodeUrl(id: string): string;
  /** SIGKILLs a zone's node: no chance to flush or say goodbye. */
  kill(id: string): Promise<void>;
  /**
   * SIGSTOPs a zone's node: it keeps its connections and its port accepts, but nothing answers, as
   * when a machine hangs.
   */
  freeze(id: string): void;
  /** SIGCONTs a frozen node: it goes on from where it stopped, unaware of the time it lost. */
  thaw(id: string): void;
  /** Starts a killed node again on the same address and data directory. */
  restart(id: string): Promise<void>;
  /** What a process printed last, to explain a failure. */
  output(id: string): string;
  stop(): Promise<void>;
}

interface RunningProcess {
  child: ChildProcess;
  output: () => string;
}

function run(command: readonly string[]): RunningProcess {
  const [program, ...args] = command;
  const child = spawn(program!, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-maxOutputBytes);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  child.once("error", (error) => append(Buffer.from(`failed to start: ${error.message}\n`)));
  return { child, output: () => text };
}

async function waitForListening({ child, output }: RunningProcess): Promise<void> {
  for (let waited = 0; !output().includes("listening on"); waited += startPollMs) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited early:\n${output()}`);
    if (waited > startTimeoutMs) throw new Error(`did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, startPollMs));
  }
}

async function loopbackPlacement(): Promise<ZonePlacement> {
  return { host: "127.0.0.1", port: await findFreePort(), launcher: [] };
}

export async function startZoneCluster(options: {
  partitions: number;
  place?: (id: string) => ZonePlacement | Promise<ZonePlacement>;
  /** More flags for every node (e.g. `--split-bytes N`). */
  nodeArgs?: readonly string[];
  /**
   * Nodes per zone (default 1: nodes a, b, c). With more, nodes a1, a2, b1, … told each other's
   * zones with `--node-zones` (the router too).
   */
  nodesPerZone?: number;
}): Promise<ZoneCluster> {
  const root = await mkdtemp(join(tmpdir(), "hakobune-zone-test-"));
  const perZone = options.nodesPerZone ?? 1;
  const nodeIds =
    perZone === 1
      ? [...zoneIds]
      : zoneIds.flatMap((zone) => Array.from({ length: perZone }, (_, index) => `${zone}${index + 1}`));
  const zoneOf = (id: string) => `az-${id[0]}`;
  const zoneArgs =
    perZone === 1 ? [] : ["--node-zones", nodeIds.map((id) => `${id}=${zoneOf(id)}`).join(",")];
  const placements = new Map<string, ZonePlacement>();
  for (const id of nodeIds) placements.set(id, await (options.place ?? loopbackPlacement)(id));
  const urlOf = (id: string) => {
    const placement = placements.get(id);
    if (!placement) throw new Error(`no node ${id}`);
    return `http://${placement.host}:${placement.port}`;
  };
  const peers = nodeIds.map((id) => `${id}=${urlOf(id)}`).join(",");
  const processes = new Map<string, RunningProcess>();
  const startNode = async (id: string) => {
    const { host, port, launcher } = placements.get(id)!;
    const node = run([
      ...launcher,
      process.execPath,
      nodeMain,
      ...["--node-id", id, "--zone", zoneOf(id), "--host", host, "--port", String(port)],
      ...zoneArgs,
      ...["--data-dir", join(root, id), "--peers", peers, "--partitions", String(options.partitions)],
      ...(options.nodeArgs ?? []),
    ]);
    processes.set(id, node);
    await waitForListening(node);
  };
  const routerPort = await findFreePort();
  const router = run([
    process.execPath,
    routerMain,
    ...["--port", String(routerPort), "--nodes", peers],
    ...zoneArgs,
  ]);
  processes.set("router", router);
  const stop = async () => {
    for (const { child } of processes.values()) child.kill("SIGCONT");
    await Promise.all([...processes.values()].map(({ child }) => stopProcess(child)));
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodeIds.map(startNode));
    await waitForListening(router);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    routerUrl: `http://127.0.0.1:${routerPort}`,
    nodeIds,
    zoneOf,
    nodeUrl: urlOf,
    kill: async (id) => stopProcess(processes.get(id)?.child, "SIGKILL"),
    freeze: (id) => void processes.get(id)?.child.kill("SIGSTOP"),
    thaw: (id) => void processes.get(id)?.child.kill("SIGCONT"),
    restart: startNode,
    output: (id) => processes.get(id)?.output() ?? "",
    stop,
  };
}

/** A node's own view of every group, or undefined when it does not answer in time. */
export async function nodeStatus(nodeUrl: string): Promise<NodeStatus | undefined> {
  try {
    const response = await fetch(`${nodeUrl}/cluster/status`, {
      signal: AbortSignal.timeout(statusTimeoutMs),
    });
    return response.status === 200 ? ((await response.json()) as NodeStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** Group → the node that leads it, as the given nodes report; a group none of them leads is absent. */
export async function leadersAmong(
  cluster: ZoneCluster,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const statuses = await Promise.all(
    ids.map(async (id) => [id, await nodeStatus(cluster.nodeUrl(id))] as const),
  );
  const leaders = new Map<string, { node: string; term: number }>();
  for (const [id, status] of statuses) {
    for (const group of status?.groups ?? []) {
      const known = leaders.get(group.group);
      if (group.role === "leader" && (!known || known.term < group.term)) {
        leaders.set(group.group, { node: id, term: group.term });
      }
    }
  }
  return new Map([...leaders].map(([group, { node }]) => [group, node]));
}

/** Pause between probes of `waitFor`. Milliseconds. */
const waitPollMs = 25;

/** Resolves with the first value `probe` returns other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, waitPollMs));
  }
  throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
}

/**
 * Whether node `id` has, in every group, learned the leader's term (so a leader cut off before has
 * stepped down) and applied everything the leader has committed (the load must be stopped, or the
 * commit index keeps moving).
 */
export async function hasCaughtUp(cluster: ZoneCluster, id: string): Promise<boolean> {
  const statuses = await Promise.all(zoneIds.map((node) => nodeStatus(cluster.nodeUrl(node))));
  const own = statuses[zoneIds.indexOf(id as (typeof zoneIds)[number])];
  if (!own) return false;
  return own.groups.every((group) => {
    const leader = statuses
      .flatMap((status) => status?.groups.filter((entry) => entry.group === group.group) ?? [])
      .filter((entry) => entry.role === "leader")
      .sort((a, b) => b.term - a.term)[0];
    return leader !== undefined && group.term === leader.term && group.appliedIndex >= leader.commitIndex;
  });
}

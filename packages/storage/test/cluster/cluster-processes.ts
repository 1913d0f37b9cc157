/**
 * Runs a replicated store as real processes for tests: storage nodes from the built
 * `dist/cluster/node-main.js` and a router from `dist/cluster/router-main.js`, each on a free loopback
 * port, so that a test can SIGKILL or restart one node. Also reads the router's admin view.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { findFreePort } from "../support/free-port.js";

const nodeMain = fileURLToPath(new URL("../../dist/cluster/node-main.js", import.meta.url));
const routerMain = fileURLToPath(new URL("../../dist/cluster/router-main.js", import.meta.url));

/** Time a process may take to print that it listens. Milliseconds. */
const startTimeoutMs = 30_000;
/** Time a stopped process may take to exit before it is killed. Milliseconds. */
const stopTimeoutMs = 10_000;
/** Output kept per process to explain a failure. Bytes. */
const maxOutputBytes = 16_384;

export interface ClusterNodeProcess {
  id: string;
  url: string;
  dataDir: string;
  child: ChildProcess | undefined;
  output: () => string;
}

export interface TestCluster {
  routerUrl: string;
  nodes: Map<string, ClusterNodeProcess>;
  /** SIGKILLs a node (no chance to flush or say goodbye). */
  kill(id: string): Promise<void>;
  /** Starts a stopped node again on the same port and data directory. */
  restart(id: string): Promise<void>;
  stop(): Promise<void>;
}

export interface AdminReplica {
  node: string;
  zone: string | undefined;
  reachable: boolean;
  role: string | undefined;
  term: number | undefined;
  commitIndex: number | undefined;
  appliedIndex: number | undefined;
  snapshotIndex: number | undefined;
  lag: number | undefined;
}

export interface AdminPartition {
  id: string;
  kind: "metadata" | "items";
  keyRange?: { startHash: number; endHash: number };
  leader: string | undefined;
  term: number | undefined;
  commitIndex: number | undefined;
  replicas: AdminReplica[];
}

export async function adminPartitions(routerUrl: string): Promise<AdminPartition[]> {
  const response = await fetch(`${routerUrl}/admin/partitions`);
  if (response.status !== 200) throw new Error(`GET /admin/partitions answered ${response.status}`);
  return ((await response.json()) as { partitions: AdminPartition[] }).partitions;
}

export function runProcess(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString("utf8")).slice(-maxOutputBytes);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return { child, output: () => text };
}

export async function waitForListening(child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (!output().includes("listening on")) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited early:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`did not start:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function startTestCluster(options: {
  partitions: number;
  compactEvery?: number;
}): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), "hakobune-cluster-test-"));
  const nodes = new Map<string, ClusterNodeProcess>();
  for (const id of ["a", "b", "c"]) {
    nodes.set(id, {
      id,
      url: `http://127.0.0.1:${await findFreePort()}`,
      dataDir: join(root, id),
      child: undefined,
      output: () => "",
    });
  }
  const peers = [...nodes.values()].map((node) => `${node.id}=${node.url}`).join(",");
  const startNode = async (node: ClusterNodeProcess) => {
    const { child, output } = runProcess([
      nodeMain,
      ...["--node-id", node.id, "--zone", `az-${node.id}`, "--port", new URL(node.url).port],
      ...["--data-dir", node.dataDir, "--peers", peers, "--partitions", String(options.partitions)],
      ...(options.compactEvery ? ["--compact-every", String(options.compactEvery)] : []),
    ]);
    node.child = child;
    node.output = output;
    await waitForListening(child, output);
  };
  const routerPort = await findFreePort();
  const router = runProcess([routerMain, "--port", String(routerPort), "--nodes", peers]);
  const stop = async () => {
    await stopProcess(router.child);
    await Promise.all([...nodes.values()].map((node) => stopProcess(node.child)));
    await rm(root, { recursive: true, force: true });
  };
  try {
    await Promise.all([...nodes.values()].map(startNode));
    await waitForListening(router.child, router.output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    routerUrl: `http://127.0.0.1:${routerPort}`,
    nodes,
    async kill(id) {
      await stopProcess(nodes.get(id)!.child, "SIGKILL");
    },
    async restart(id) {
      await startNode(nodes.get(id)!);
    },
    stop,
  };
}

/** Pause between probes of `pollUntil`, and probes before it gives up (30 s in all). */
const pollIntervalMs = 25;
const maxPolls = 1_200;

/**
 * Resolves with the first value `probe` returns other than undefined (a probe that throws counts as
 * undefined: the cluster may be between leaders); fails after `maxPolls` probes.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let poll = 0; poll < maxPolls; poll++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Creates `table` with a string partition key `pk` and no sort key, on demand capacity. */
export async function createStringKeyTable(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}

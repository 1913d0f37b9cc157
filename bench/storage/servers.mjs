/**
 * Starts the benchmark targets as separate processes on free loopback ports, pinned to the server
 * core, and stops them again:
 * - "hakobune": our storage service on one node, the built `packages/storage/dist/main.js`, durable
 *   writes;
 * - "hakobune-3az": the same command with `--zones 3`, the replicated store: a request router in that
 *   process and three storage nodes as its child processes (one per zone), each write durable on two of
 *   three before it is acknowledged. The nodes inherit the router's pinning, so all four processes share
 *   the server core, unlike a real deployment with a machine per zone;
 * - "dynalite": the `dynalite` package's command line with `--path`, i.e. LevelDB on disk (LevelDB's
 *   default unsynced writes: they survive a process crash, not a power loss);
 * - "ceiling": `ceiling-server.mjs`, fixed responses (see that file).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { descendantProcesses, isStillRunning } from "./process-cpu.mjs";
import { createClient } from "./sdk-client.mjs";

export const targetNames = ["hakobune", "hakobune-3az", "dynalite", "ceiling"];

/** Storage nodes of the replicated target, one per availability zone. */
const replicatedZones = 3;

/** How long a target may take to answer its first request. Milliseconds. */
const startupTimeoutMs = 30_000;
/** Pause between readiness probes. Milliseconds. */
const readinessProbeIntervalMs = 100;
/**
 * How long a target may take to exit after SIGTERM before it is killed. Milliseconds. The replicated
 * target's router gives its nodes 10 s to stop before it kills them itself.
 */
const shutdownTimeoutMs = 15_000;
/** How much of a target's output is kept to explain a failed start. Bytes. */
const maxCapturedOutputBytes = 16_384;

const hakobuneMain = fileURLToPath(new URL("../../packages/storage/dist/main.js", import.meta.url));
const ceilingMain = fileURLToPath(new URL("./ceiling-server.mjs", import.meta.url));
const dynaliteCli = join(dirname(createRequire(import.meta.url).resolve("dynalite/package.json")), "cli.js");

/** The command prefix that pins a process to `cores` ("0", "1"), or nothing when pinning is off. */
export function pinnedCommand(cores, command, args) {
  return cores === undefined ? [command, args] : ["taskset", ["-c", cores, command, ...args]];
}

export function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function targetArguments(name, port, dataDir) {
  switch (name) {
    case "hakobune":
      return [hakobuneMain, "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir];
    case "hakobune-3az":
      return [
        hakobuneMain,
        "--zones",
        String(replicatedZones),
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--data-dir",
        dataDir,
      ];
    case "dynalite":
      return [
        dynaliteCli,
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--path",
        dataDir,
        "--createTableMs",
        "0",
      ];
    case "ceiling":
      return [ceilingMain, "--port", String(port), "--host", "127.0.0.1"];
    default:
      throw new Error(`unknown target ${JSON.stringify(name)}; known: ${targetNames.join(", ")}`);
  }
}

/** This environment minus the storage service's own settings, which would override the bench's flags and keys. */
function environmentWithoutStorageSettings() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("HAKOBUNE_STORAGE_")),
  );
}

/**
 * Starts target `name` pinned to `serverCores` and resolves once it answers ListTables through the SDK.
 * `environment` adds variables to the server's environment (inherited by the processes it starts).
 * The result's `pid` is the server's own process (taskset execs it): its CPU time, with that of every
 * process it started (the replicated target's storage nodes), is what is measured.
 */
export async function startTarget(name, { serverCores, credentials, environment = {} }) {
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), `bench-storage-${name}-`));
  const [command, args] = pinnedCommand(serverCores, process.execPath, targetArguments(name, port, dataDir));
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...environmentWithoutStorageSettings(), ...environment },
  });
  let output = "";
  const capture = (chunk) => {
    output = (output + chunk.toString("utf8")).slice(-maxCapturedOutputBytes);
  };
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  const stop = async () => {
    await stopProcessTree(child, name);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(endpoint, child, credentials);
  } catch (error) {
    await stop();
    throw new Error(`${name} did not start on ${endpoint}: ${error.message}\n${output}`);
  }
  return { name, endpoint, pid: child.pid, stop };
}

/** Resolves once the server at `endpoint` answers ListTables; fails when `child` exits first. */
export async function waitUntilReady(endpoint, child, credentials) {
  const client = createClient({ endpoint, credentials, concurrency: 1 });
  const deadline = Date.now() + startupTimeoutMs;
  let lastError;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`process exited early (code ${child.exitCode}, signal ${child.signalCode})`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        lastError = error;
      }
      await new Promise((resolve) => setTimeout(resolve, readinessProbeIntervalMs));
    }
    throw new Error(`not ready after ${startupTimeoutMs} ms: ${String(lastError)}`);
  } finally {
    client.destroy();
  }
}

/**
 * Stops `child` as `stopProcess` does, then kills whatever it started and left running (a router that
 * did not stop its storage nodes), so that no target outlives its measurement.
 */
async function stopProcessTree(child, name) {
  let descendants = [];
  try {
    descendants = descendantProcesses(child.pid);
  } catch {
    // The target has already exited; what it left behind can no longer be told from other processes.
  }
  await stopProcess(child);
  const leftBehind = descendants.filter(isStillRunning);
  for (const { pid } of leftBehind) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // It exited between the check and the kill.
    }
  }
  if (leftBehind.length > 0) {
    process.stderr.write(
      `warning: ${name} left ${leftBehind.length} process(es) running after it exited; killed ${leftBehind.map(({ pid }) => pid).join(", ")}\n`,
    );
  }
}

/** Stops `child` with SIGTERM (SIGKILL after a grace period) and resolves once it has exited. */
export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), shutdownTimeoutMs);
  await exited;
  clearTimeout(timer);
}

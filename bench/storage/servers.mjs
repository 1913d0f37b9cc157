/**
 * Starts the three benchmark targets as separate processes on free loopback ports, pinned to the
 * server core, and stops them again:
 * - "hakobune": our storage service, the built `packages/storage/dist/main.js`, durable writes;
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
import { createClient } from "./sdk-client.mjs";

export const targetNames = ["hakobune", "dynalite", "ceiling"];

/** How long a target may take to answer its first request. Milliseconds. */
const startupTimeoutMs = 30_000;
/** Pause between readiness probes. Milliseconds. */
const readinessProbeIntervalMs = 100;
/** How long a target may take to exit after SIGTERM before it is killed. Milliseconds. */
const shutdownTimeoutMs = 5_000;
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
 * The result's `pid` is the server's own process (taskset execs it), whose CPU time is measured.
 */
export async function startTarget(name, { serverCores, credentials }) {
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), `bench-storage-${name}-`));
  const [command, args] = pinnedCommand(serverCores, process.execPath, targetArguments(name, port, dataDir));
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: environmentWithoutStorageSettings(),
  });
  let output = "";
  const capture = (chunk) => {
    output = (output + chunk.toString("utf8")).slice(-maxCapturedOutputBytes);
  };
  child.stdout.on("data", capture);
  child.stderr.on("data", capture);
  const stop = async () => {
    await stopProcess(child);
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

/** Stops `child` with SIGTERM (SIGKILL after a grace period) and resolves once it has exited. */
export async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), shutdownTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a DynamoDB-compatible server as a real process on a free loopback port and hands back an AWS
 * SDK v3 client for it. Three kinds of target exist: "hakobune" (our storage server, run from the built
 * `dist/main.js`), "hakobune-3az" (the same command with `--zones 3`: a router and three replicated
 * storage nodes) and "dynamodb-local" (AWS's own emulator, the reference every conformance test is
 * first verified against). `STORAGE_TARGET` chooses the kind for the suite; the default is "hakobune".
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { findFreePort } from "./free-port.js";

export type TargetKind = "hakobune" | "hakobune-3az" | "dynamodb-local";

export interface Target {
  kind: TargetKind;
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** The credentials hakobune checks signatures against by default; DynamoDB Local accepts any. */
export const defaultCredentials = { accessKeyId: "hakobune", secretAccessKey: "hakobune-local-secret" };
export const region = "us-east-1";

/** How long a target may take to answer its first request. Java start-up dominates. Milliseconds. */
const startupTimeoutMs = 45_000;
/** Pause between readiness probes. Milliseconds. */
const readinessProbeIntervalMs = 100;
/** How long a stopped target may take to exit after SIGTERM before it is killed. Milliseconds. */
const shutdownTimeoutMs = 5_000;
/** How much of a target's output is kept to explain a failed start. Bytes. */
const maxCapturedOutputBytes = 16_384;

const hakobuneMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** The target kind chosen by `STORAGE_TARGET`, "hakobune" unless set. */
export function selectedTargetKind(): TargetKind {
  const kind = process.env.STORAGE_TARGET ?? "hakobune";
  if (kind !== "hakobune" && kind !== "hakobune-3az" && kind !== "dynamodb-local") {
    throw new Error(
      `STORAGE_TARGET must be "hakobune", "hakobune-3az" or "dynamodb-local", not ${JSON.stringify(kind)}`,
    );
  }
  return kind;
}

export interface ClientOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** An SDK client with no retries, so that every error reaches the test as the server sent it. */
export function createClient(endpoint: string, options: ClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: options.credentials ?? defaultCredentials,
    maxAttempts: 1,
  });
}

/**
 * Starts tried when the target finds its port taken: the port is picked free and then bound by the
 * child, and another test's process can bind it in between.
 */
const maxStartAttempts = 5;

export async function startTarget(kind: TargetKind = selectedTargetKind()): Promise<Target> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTargetOnce(kind);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= maxStartAttempts) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startTargetOnce(kind: TargetKind): Promise<Target> {
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let dataDir: string | undefined;
  let child: ChildProcess;
  if (kind === "dynamodb-local") {
    const emulatorDir = join(
      dirname(createRequire(import.meta.url).resolve("amplify-dynamodb-simulator/package.json")),
      "emulator",
    );
    // DynamoDB Local has no option to choose its listening address; it binds every interface. Its native
    // SQLite library is found next to sqlite4java.jar in DynamoDBLocal_lib, so no library path is given.
    child = spawn(
      "java",
      [
        "-jar",
        join(emulatorDir, "DynamoDBLocal.jar"),
        "-inMemory",
        "-disableTelemetry",
        "-port",
        String(port),
      ],
      { cwd: emulatorDir, stdio: ["ignore", "pipe", "pipe"] },
    );
  } else {
    dataDir = await mkdtemp(join(tmpdir(), "hakobune-storage-test-"));
    const zones = kind === "hakobune-3az" ? ["--zones", "3"] : [];
    child = spawn(process.execPath, [hakobuneMain, "--port", String(port), "--data-dir", dataDir, ...zones], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
  const output = captureOutput(child);
  const client = createClient(endpoint);
  const doc = DynamoDBDocumentClient.from(client);
  const stop = async (): Promise<void> => {
    client.destroy();
    await terminate(child);
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(kind, endpoint, client, child);
  } catch (error) {
    await stop();
    const message = `${kind} did not start on ${endpoint}: ${(error as Error).message}\n${output()}`;
    throw output().includes("EADDRINUSE") ? new PortTakenError(message) : new Error(message);
  }
  return { kind, endpoint, client, doc, stop };
}

function captureOutput(child: ChildProcess): () => string {
  let text = "";
  const append = (chunk: Buffer): void => {
    text = (text + chunk.toString("utf8")).slice(-maxCapturedOutputBytes);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return () => text;
}

async function waitUntilReady(
  kind: TargetKind,
  endpoint: string,
  client: DynamoDBClient,
  child: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + startupTimeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`process exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    try {
      if (kind !== "dynamodb-local") {
        const response = await fetch(`${endpoint}/healthz`);
        await response.arrayBuffer();
        if (response.status === 200) return;
        lastError = new Error(`GET /healthz answered ${response.status}`);
      } else {
        await client.send(new ListTablesCommand({}));
        return;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, readinessProbeIntervalMs));
  }
  throw new Error(`not ready after ${startupTimeoutMs} ms: ${String(lastError)}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), shutdownTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the real processes the end-to-end tests talk to: our storage service and the auth-center, each
 * on a free port of 127.0.0.1, from their built `dist/` entry points. Set HAKOBUNE_TEST_STORAGE_ENDPOINT
 * to run against a storage that is already running (each test file then uses a table of its own).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort as freePort } from "../../../../test/support/free-port.js";

const storageMain = fileURLToPath(new URL("../../../storage/dist/main.js", import.meta.url));
const authMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
/** Longest wait for a process to print that it listens. */
const startTimeoutMs = 30_000;

export { freePort };

export interface StartedProcess {
  child?: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function startProcess(script: string, args: string[], env: Record<string, string>, readyPattern: RegExp) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), startTimeoutMs);
    const check = () => {
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => output, ready, stop };
}

export interface Storage extends StartedProcess {
  endpoint: string;
  tableName: string;
}

export async function startStorage(tableName: string): Promise<Storage> {
  const existing = process.env.HAKOBUNE_TEST_STORAGE_ENDPOINT;
  if (existing) {
    return {
      endpoint: existing,
      tableName: `${tableName}-${Date.now()}`,
      output: () => "",
      stop: async () => {},
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), "hakobune-auth-test-"));
  const port = await freePort();
  const started = startProcess(
    storageMain,
    ["--port", String(port), "--data-dir", join(dataDir, "data")],
    {},
    /listening/,
  );
  await started.ready;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    tableName,
    child: started.child,
    output: started.output,
    stop: async () => {
      await started.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface AuthCenterProcess extends StartedProcess {
  issuer: string;
  port: number;
  /** The environment the process runs with, for calling the package's operations on the same storage. */
  env: Record<string, string>;
}

export async function startAuthCenterProcess(storage: Storage, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const env = {
    HAKOBUNE_AUTH_PORT: String(port),
    HAKOBUNE_AUTH_ISSUER: issuer,
    HAKOBUNE_STORAGE_ENDPOINT: storage.endpoint,
    HAKOBUNE_AUTH_TABLE: storage.tableName,
    HAKOBUNE_AUTH_SEED_DEMO: "1",
    LOG_LEVEL: "warn",
    ...extraEnv,
  };
  const started = startProcess(authMain, [], env, /auth-center: listening on/);
  await started.ready;
  return { child: started.child, output: started.output, stop: started.stop, issuer, port, env };
}

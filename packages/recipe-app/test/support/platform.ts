/**
 * The real platform for recipe-app's end-to-end tests, each part a child process on a free port of
 * 127.0.0.1 from its built `dist/` entry: storage, auth-center (with the demo account), pantry
 * (introspection mode) and a second pantry verifying JWTs locally, both subscribed to auth-center's
 * revocation events.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort as freePort } from "../../../../test/support/free-port.js";

const packages = new URL("../../../", import.meta.url);
const storageMain = fileURLToPath(new URL("storage/dist/main.js", packages));
const authCenterMain = fileURLToPath(new URL("auth-center/dist/main.js", packages));
const pantryMain = fileURLToPath(new URL("pantry/dist/main.js", packages));

/** Readiness probes per process, 100 ms apart. */
const maxReadinessProbes = 400;
/** Output kept per process to explain a failure, in characters. */
const maxOutputChars = 32_768;

export const demoAccount = { email: "demo@hakobune.local", password: "hakobune-demo-password" };
export const recipeImporter = { id: "recipe-importer", secret: "recipe-importer-demo-secret-change-me" };

interface Child {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface Platform {
  storage: Child;
  authCenter: Child & { issuer: string };
  pantry: Child;
  /** The same recipes, served by a pantry in `jwt` mode. */
  pantryJwt: Child;
  stop(): Promise<void>;
}

export async function startPlatform(): Promise<Platform> {
  const dataDir = await mkdtemp(join(tmpdir(), "recipe-app-e2e-"));
  const started: Child[] = [];
  try {
    const storagePort = await freePort();
    const storage = await startChild(
      [storageMain, "--port", String(storagePort), "--data-dir", join(dataDir, "storage")],
      {},
      `http://127.0.0.1:${storagePort}`,
      "/",
    );
    started.push(storage);
    const authPort = await freePort();
    const issuer = `http://localhost:${authPort}`;
    const authCenter = await startChild(
      [authCenterMain],
      {
        HAKOBUNE_AUTH_PORT: String(authPort),
        HAKOBUNE_AUTH_ISSUER: issuer,
        HAKOBUNE_STORAGE_ENDPOINT: storage.url,
        HAKOBUNE_AUTH_SEED_DEMO: "1",
      },
      `http://127.0.0.1:${authPort}`,
      "/healthz",
    );
    started.push(authCenter);
    const pantryPort = await freePort();
    const pantry = await startChild(
      [pantryMain],
      {
        HAKOBUNE_PANTRY_PORT: String(pantryPort),
        HAKOBUNE_AUTH_ISSUER: issuer,
        HAKOBUNE_STORAGE_ENDPOINT: storage.url,
        HAKOBUNE_PANTRY_TOKEN_MODE: "introspection",
      },
      `http://127.0.0.1:${pantryPort}`,
      "/healthz",
    );
    started.push(pantry);
    const pantryJwtPort = await freePort();
    const pantryJwt = await startChild(
      [pantryMain],
      {
        HAKOBUNE_PANTRY_PORT: String(pantryJwtPort),
        HAKOBUNE_AUTH_ISSUER: issuer,
        HAKOBUNE_STORAGE_ENDPOINT: storage.url,
        HAKOBUNE_PANTRY_TOKEN_MODE: "jwt",
      },
      `http://127.0.0.1:${pantryJwtPort}`,
      "/healthz",
    );
    started.push(pantryJwt);
    return {
      storage,
      authCenter: { ...authCenter, issuer },
      pantry,
      pantryJwt,
      async stop() {
        await stopAll(started);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll(started);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function stopAll(children: Child[]): Promise<void> {
  for (const child of [...children].reverse()) await child.stop();
}

export { freePort };

async function startChild(
  args: string[],
  env: Record<string, string>,
  url: string,
  readyPath: string,
): Promise<Child> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-maxOutputChars);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const handle: Child = { url, output: () => output, stop: () => stopChild(child) };
  for (let probe = 0; probe < maxReadinessProbes && child.exitCode === null; probe++) {
    try {
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status < 500) return handle;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await handle.stop();
  throw new Error(`${args[0]} did not start:\n${output}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The value of one series in Prometheus text (summed over series matching `labels`), 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

export async function metricsOf(child: Child): Promise<string> {
  return (await fetch(`${child.url}/metrics`)).text();
}

/**
 * Our storage server as a real child process (the built `packages/storage/dist/main.js`) on a port of
 * 127.0.0.1, with its data in a temporary folder that goes away with it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const storageMain = fileURLToPath(new URL("../../../storage/dist/main.js", import.meta.url));
/** Health probes before giving up, `probeIntervalMs` apart. */
const maxHealthProbes = 300;
const probeIntervalMs = 100;
/** Time the process gets to exit after SIGTERM before SIGKILL, in milliseconds. */
const stopTimeoutMs = 5_000;
/** Most output kept, in characters, to explain a failed start. */
const maxOutputChars = 16_384;

export interface StorageProcess {
  endpoint: string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now: the kernel picks one for a listener on port 0, which closes again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

export async function startStorage(port?: number): Promise<StorageProcess> {
  const chosenPort = port ?? (await freePort());
  const dataDir = await mkdtemp(join(tmpdir(), "storage-client-test-"));
  const child = spawn(process.execPath, [storageMain, "--port", String(chosenPort), "--data-dir", dataDir], {
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-maxOutputChars);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const endpoint = `http://127.0.0.1:${chosenPort}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  for (let probe = 0; probe < maxHealthProbes && child.exitCode === null; probe++) {
    try {
      const response = await fetch(`${endpoint}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
  }
  await stop();
  throw new Error(`storage did not start:\n${output}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs a service as a real child process (the built `dist/main.js`), waits until it answers on its port,
 * keeps the tail of its output to explain failures, and stops it with SIGTERM (SIGKILL if it lingers).
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Most output kept per process, in characters. */
const maxOutputChars = 32_768;
/** Readiness probes before giving up; 100 ms apart. */
const maxReadinessProbes = 300;
/** Time a process gets to exit after SIGTERM before SIGKILL, in milliseconds. */
const stopTimeoutMs = 5_000;

export interface ChildService {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startChildService(
  name: string,
  args: string[],
  env: Record<string, string>,
  url: string,
  readyPath = "/healthz",
): Promise<ChildService> {
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
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const service: ChildService = { url, output: () => output, stop: () => stop(child, exited) };
  for (let probe = 0; probe < maxReadinessProbes; probe++) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status < 500) return service;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await service.stop();
  throw new Error(`${name} did not start:\n${output}`);
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}

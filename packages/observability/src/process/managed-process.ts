/**
 * Runs one of the real binaries (Prometheus, Alertmanager) as a child process: its output goes to a log
 * file, the start waits until the HTTP readiness endpoint answers, and `stop()` ends it with SIGTERM and,
 * when it lingers, SIGKILL.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessStartError } from "../errors.js";

/** Time a process gets to answer its readiness endpoint, in milliseconds. */
export const defaultReadyTimeoutMs = 30_000;
/** Time a process gets to exit after SIGTERM before it is killed, in milliseconds. */
export const defaultStopTimeoutMs = 10_000;
/** Pause between readiness probes, in milliseconds. */
const readyPollIntervalMs = 100;
/** Longest a single readiness probe may take, in milliseconds. */
const readyProbeTimeoutMs = 1_000;
/** How much of the end of the log a start failure quotes, in bytes. */
export const maxLogTailBytes = 4_096;

export interface ManagedProcessOptions {
  /** Names the process in errors, e.g. `prometheus`. */
  name: string;
  command: string;
  args: readonly string[];
  /** Base URL the process serves, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Path answering 200 once the process is ready, e.g. `/-/ready`. */
  readyPath: string;
  /** File that receives the process's standard output and error (appended to). */
  logFile: string;
  /** Default: 30000 ms. */
  readyTimeoutMs?: number;
  /** Default: 10000 ms. */
  stopTimeoutMs?: number;
}

export interface ManagedProcess {
  /** Base URL the process serves. */
  readonly url: string;
  readonly pid: number;
  /** The file the process logs to. */
  readonly logFile: string;
  /** Resolves once the process has exited; later calls return the same promise. */
  stop(): Promise<void>;
}

export async function startManagedProcess(options: ManagedProcessOptions): Promise<ManagedProcess> {
  const { name, url, logFile } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
  const stopTimeoutMs = options.stopTimeoutMs ?? defaultStopTimeoutMs;
  // A Prometheus already on the port (Debian's package runs one on 9090) would answer our readiness
  // probes while ours exits, unable to bind: refuse up front instead.
  const { hostname, port } = new URL(url);
  if (await isPortTaken(hostname, Number(port))) {
    throw new ProcessStartError(`${name} cannot listen on ${hostname}:${port}: the port is in use`, "", null);
  }
  await mkdir(dirname(logFile), { recursive: true });
  const logFd = openSync(logFile, "a");
  const child = (() => {
    try {
      return spawn(options.command, options.args, { stdio: ["ignore", logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
  })();
  const exited = new Promise<string>((resolve) => {
    child.once("error", (error) => resolve(`could not be started: ${error.message}`));
    child.once("exit", (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
  });
  let exitReason: string | undefined;
  void exited.then((reason) => {
    exitReason = reason;
  });

  const deadline = performance.now() + readyTimeoutMs;
  while (!(await answersReady(`${url}${options.readyPath}`))) {
    if (exitReason !== undefined) {
      throw new ProcessStartError(
        `${name} ${exitReason} before it was ready`,
        await readLogTail(logFile),
        child.pid ?? null,
      );
    }
    if (performance.now() >= deadline) {
      await stopChild(child.pid, exited, stopTimeoutMs);
      throw new ProcessStartError(
        `${name} was not ready at ${url} within ${readyTimeoutMs} ms`,
        await readLogTail(logFile),
        child.pid ?? null,
      );
    }
    await sleep(readyPollIntervalMs);
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    logFile,
    stop() {
      stopping ??= stopChild(child.pid, exited, stopTimeoutMs);
      return stopping;
    },
  };
}

function isPortTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

async function answersReady(readyUrl: string): Promise<boolean> {
  try {
    const response = await fetch(readyUrl, { signal: AbortSignal.timeout(readyProbeTimeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

async function stopChild(
  pid: number | undefined,
  exited: Promise<string>,
  stopTimeoutMs: number,
): Promise<void> {
  if (pid === undefined) return;
  signal(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timed out">((resolve) => {
    timer = setTimeout(() => resolve("timed out"), stopTimeoutMs);
  });
  const outcome = await Promise.race([exited.then(() => "exited" as const), timedOut]);
  clearTimeout(timer);
  if (outcome === "exited") return;
  signal(pid, "SIGKILL");
  await exited;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

async function readLogTail(logFile: string): Promise<string> {
  try {
    const handle = await open(logFile, "r");
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxLogTailBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString("utf8").trim();
    } finally {
      await handle.close();
    }
  } catch {
    return "";
  }
}

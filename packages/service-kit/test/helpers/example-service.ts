/**
 * Runs the example service (fixtures/example-service.mjs, built on the compiled kit) as a child process
 * on a port of its own choosing, and reads its JSON log lines as they come.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";

const fixture = new URL("../fixtures/example-service.mjs", import.meta.url);

/** Longest wait for a log line or an exit before the test fails, in milliseconds. */
export const waitTimeoutMs = 20_000;

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ExampleService {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  #stderr = "";
  #waiters = new Set<() => void>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [fixture.pathname], {
      env: { ...process.env, EXAMPLE_PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    createInterface({ input: this.child.stdout }).on("line", (text) => {
      this.lines.push(parseLogLine(text));
      for (const wake of this.#waiters) wake();
    });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString("utf8");
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => resolve({ code, signal }));
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The first log line (already written or still to come) for which `matches` holds. */
  waitForLog(matches: (line: LogLine) => boolean, what: string): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find(matches);
        if (line === undefined) return;
        cleanUp();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`no log line ${what} within ${waitTimeoutMs} ms; stderr: ${this.#stderr}`));
      }, waitTimeoutMs);
      const cleanUp = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** The exit of the process, failing the test if it does not come within `waitTimeoutMs`. */
  async exit(): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no exit within ${waitTimeoutMs} ms`)), waitTimeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the process if it still runs (after a failed test). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

function parseLogLine(text: string): LogLine {
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return { msg: text, unparsed: true };
  }
}

/** Starts the example service and waits until it listens; returns it with its base URL. */
export async function startExampleService(
  env: Record<string, string> = {},
): Promise<{ service: ExampleService; url: string; port: number }> {
  const service = new ExampleService(env);
  const listening = await service.waitForLog(
    (line) => typeof line.msg === "string" && line.msg.startsWith("example listening at "),
    "saying the service listens",
  );
  const url = (listening.msg as string).slice("example listening at ".length);
  return { service, url, port: Number(new URL(url).port) };
}

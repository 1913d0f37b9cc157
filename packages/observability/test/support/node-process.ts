/**
 * Runs a Node.js script as a child process and waits for the URL it prints when it listens
 * (service-kit logs `<name> listening at <url>`), with a bounded wait.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Longest wait for the process to print its URL, in milliseconds. */
export const listenTimeoutMs = 20_000;

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startNodeProcess(script: URL, env: Record<string, string>): Promise<NodeProcess> {
  const child = spawn(process.execPath, [script.pathname], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = `${stderr}${chunk}`.slice(-4_096);
  });
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`${script.pathname} printed no URL within ${listenTimeoutMs} ms: ${stderr}`));
    }, listenTimeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${script.pathname} exited before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /listening at (https?:\/\/[^\s"]+)/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      resolve({ child, url: match[1]!, exited, kill });
    });
  });
}

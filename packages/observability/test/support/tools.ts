/**
 * Helpers the tests share: running the real promtool and amtool with a bounded time, temporary
 * directories, and free ports on 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort as freePort } from "../../../../test/support/free-port.js";

/** Longest a promtool or amtool run may take, in milliseconds. */
export const toolTimeoutMs = 30_000;
/** Largest output a tool run may produce before it is cut off, in bytes. */
const maxToolOutputBytes = 4 * 1024 * 1024;

export interface ToolResult {
  exitCode: number;
  output: string;
}

/** Runs `command args…`; a tool that cannot be started or times out gives exit code -1. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, timeout: toolTimeoutMs, maxBuffer: maxToolOutputBytes },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ exitCode, output: `${stdout}${stderr}${exitCode === -1 ? String(error?.message) : ""}` });
      },
    );
  });
}

/** A fresh temporary directory and the function that removes it. */
export async function temporaryDirectory(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `hakobune-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for binaries that cannot be given port 0). */
export { freePort };

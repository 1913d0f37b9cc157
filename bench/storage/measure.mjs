/**
 * The two measurements of one operation against one running target, each returning numbers or an Error:
 * - `measureSdk`: the SDK load process at a given concurrency (ops/s, p50, p99) and the server's CPU
 *   time per operation meanwhile;
 * - `measureWrk`: wrk's maximum throughput replaying pre-signed requests and the server's CPU time per
 *   operation meanwhile.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkPresignedRequests, presignRequests, rawHttpRequest } from "./presign.mjs";
import { cpuSecondsSince, sampleCpu } from "./process-cpu.mjs";
import { pinnedCommand } from "./servers.mjs";
import { parseWrkReport, runWrk, writeWrkScript } from "./wrk.mjs";

const sdkLoadMain = fileURLToPath(new URL("./sdk-load.mjs", import.meta.url));

/** Grace beyond warm-up plus measurement before a silent SDK load process is killed. Milliseconds. */
const sdkExitGraceMs = 30_000;
/** The SDK load process's output kept for parsing and for explaining a failure. Bytes. */
const maxSdkOutputBytes = 64 * 1024;

const microsecondsPerSecond = 1e6;

/**
 * Runs the SDK load for `operation` at `concurrency` against `target` and measures the server's CPU
 * between the load's "measuring" and "done" events.
 */
export function measureSdk(target, operation, concurrency, { timing, credentials, clientCores }) {
  const settings = {
    endpoint: target.endpoint,
    credentials,
    operation,
    concurrency,
    warmupMs: timing.sdkWarmupMs,
    durationMs: timing.sdkDurationMs,
    maxRequests: timing.sdkMaxRequests,
  };
  const [command, args] = pinnedCommand(clientCores, process.execPath, [
    sdkLoadMain,
    JSON.stringify(settings),
  ]);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let pending = "";
    let diagnostics = "";
    let cpuBefore;
    let result = new Error("the SDK load process ended without a result");
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      timing.sdkWarmupMs + timing.sdkDurationMs + sdkExitGraceMs,
    );
    const onEvent = (event) => {
      if (event.event === "measuring") {
        cpuBefore = sampleCpu(target.pid);
      } else if (event.event === "done") {
        const cpuSeconds = cpuSecondsSince(cpuBefore);
        const { requests, elapsedMs, opsPerSecond, p50Ms, p99Ms } = event;
        result = {
          requests,
          elapsedMs,
          opsPerSecond,
          p50Ms,
          p99Ms,
          cpuMicrosPerOp: (cpuSeconds * microsecondsPerSecond) / requests,
        };
      } else if (event.event === "failed") {
        result = new Error(event.message);
      }
    };
    child.stdout.on("data", (chunk) => {
      pending += chunk.toString("utf8");
      if (pending.length > maxSdkOutputBytes) pending = pending.slice(-maxSdkOutputBytes);
      for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          result = new Error(`unexpected output from the SDK load process: ${line.slice(0, 200)}`);
          continue;
        }
        try {
          onEvent(event);
        } catch (error) {
          // The server vanished between two samples of its CPU time.
          result = error;
        }
      }
    });
    child.stderr.on("data", (chunk) => {
      diagnostics = (diagnostics + chunk.toString("utf8")).slice(-maxSdkOutputBytes);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (!(result instanceof Error) && code !== 0) {
        result = new Error(`the SDK load process exited with ${code ?? signal}: ${diagnostics}`);
      }
      if (result instanceof Error && diagnostics) result.message += `\n${diagnostics}`;
      resolve(result);
    });
  });
}

/** Pre-signs `presignedCount` requests, checks a few, and runs wrk with them while measuring server CPU. */
export async function measureWrk(target, operation, { timing, credentials, clientCores }) {
  const workDir = await mkdtemp(join(tmpdir(), "bench-storage-wrk-"));
  try {
    const signed = await presignRequests(target.endpoint, operation, timing.presignedCount, credentials);
    await checkPresignedRequests(target.endpoint, operation, signed);
    const scriptPath = join(workDir, `${operation}.lua`);
    await writeWrkScript(scriptPath, signed.map(rawHttpRequest));
    // The same load, unmeasured, first: a server's JIT compiler is still busy for seconds after the
    // SDK runs, and that one-off cost would otherwise land on the measured run.
    await runWrk({
      endpoint: target.endpoint,
      scriptPath,
      durationSeconds: timing.wrkWarmupSeconds,
      clientCores,
    });
    const cpuBefore = sampleCpu(target.pid);
    const report = await runWrk({
      endpoint: target.endpoint,
      scriptPath,
      durationSeconds: timing.wrkDurationSeconds,
      clientCores,
    });
    const cpuSeconds = cpuSecondsSince(cpuBefore);
    const parsed = parseWrkReport(report);
    if (parsed instanceof Error) return parsed;
    return { ...parsed, cpuMicrosPerOp: (cpuSeconds * microsecondsPerSecond) / parsed.requests };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

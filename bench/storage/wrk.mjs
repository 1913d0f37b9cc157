/**
 * Maximum throughput under wrk, a load generator that costs almost nothing: wrk replays pre-signed raw
 * requests round-robin from a Lua table, on one thread pinned to the client core, for a bounded
 * duration. A run with any non-2xx answer or socket error is rejected rather than quoted.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { pinnedCommand } from "./servers.mjs";

/** Connections wrk keeps open, matching the SDK's highest concurrency. */
export const wrkConnections = 32;
/** How long wrk waits for one answer before counting a timeout. Seconds. */
const wrkRequestTimeoutSeconds = 5;
/** Grace beyond the run's duration before a silent wrk is killed. Milliseconds. */
const wrkExitGraceMs = 15_000;
/** wrk's report, kept for parsing and for explaining a failure. Bytes. */
const maxWrkOutputBytes = 64 * 1024;

/** A Lua string literal for `text` that keeps every byte, CR and LF included. */
function luaString(text) {
  let literal = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    if (byte === 0x22 || byte === 0x5c) literal += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) literal += String.fromCharCode(byte);
    else literal += `\\${String(byte).padStart(3, "0")}`;
  }
  return `${literal}"`;
}

/** Writes the wrk script that replays `rawRequests` round-robin to `scriptPath`. */
export async function writeWrkScript(scriptPath, rawRequests) {
  const script = [
    "-- Generated: replays pre-signed requests round-robin.",
    "local requests = {",
    ...rawRequests.map((raw) => `  ${luaString(raw)},`),
    "}",
    "local count = #requests",
    "local position = 0",
    "request = function()",
    "  position = position % count + 1",
    "  return requests[position]",
    "end",
    "",
  ].join("\n");
  await writeFile(scriptPath, script);
}

const latencyUnitsMs = { us: 1e-3, ms: 1, s: 1000 };

function parseLatencyMs(report, label) {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(report);
  return match ? Number(match[1]) * latencyUnitsMs[match[2]] : undefined;
}

/** The numbers of a wrk report, or an Error saying why the run cannot be quoted. */
export function parseWrkReport(report) {
  const totals = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m)/m.exec(report);
  if (!totals) return new Error(`wrk printed no totals:\n${report}`);
  const requests = Number(totals[1]);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const errorCount = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(report)?.[1] ?? 0);
  if (non2xx > 0) return new Error(`wrk got ${non2xx} non-2xx answers of ${requests}`);
  if (errorCount > 0) return new Error(`wrk saw ${errorCount} socket errors: ${socketErrors[0]}`);
  const requestsPerSecond = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(report)?.[1]);
  if (!Number.isFinite(requestsPerSecond) || requests === 0)
    return new Error(`wrk completed no requests:\n${report}`);
  return {
    requests,
    opsPerSecond: requestsPerSecond,
    p50Ms: parseLatencyMs(report, "50%"),
    p99Ms: parseLatencyMs(report, "99%"),
  };
}

/** Runs wrk against `endpoint` with `scriptPath` for `durationSeconds` and resolves with its report. */
export function runWrk({ endpoint, scriptPath, durationSeconds, clientCores }) {
  const args = [
    "-t1",
    `-c${wrkConnections}`,
    `-d${durationSeconds}s`,
    `--timeout`,
    `${wrkRequestTimeoutSeconds}s`,
    "--latency",
    "-s",
    scriptPath,
    `${endpoint}/`,
  ];
  const [command, commandArgs] = pinnedCommand(clientCores, "wrk", args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const capture = (chunk) => {
      output = (output + chunk.toString("utf8")).slice(-maxWrkOutputBytes);
    };
    child.stdout.on("data", capture);
    child.stderr.on("data", capture);
    const timer = setTimeout(() => child.kill("SIGKILL"), durationSeconds * 1000 + wrkExitGraceMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wrk exited with ${code ?? signal}:\n${output}`));
      else resolve(output);
    });
  });
}

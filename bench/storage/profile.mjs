#!/usr/bin/env node
/**
 * Where our store spends its CPU on one operation: starts `packages/storage/dist/main.js` under
 * `node --cpu-prof`, loads the benchmark's dataset, replays pre-signed requests with wrk (the same
 * workload and pinning as run.mjs), stops the server and prints the functions with the most self time.
 * The full `.cpuprofile` stays under bench/results/ for Chrome DevTools or speedscope.
 *
 *   node bench/storage/profile.mjs --operation get [--duration-seconds 5] [--top 40]
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prepareDataset } from "./dataset.mjs";
import { measureWrk } from "./measure.mjs";
import { benchCredentials } from "./sdk-client.mjs";
import { findFreePort, pinnedCommand, stopProcess, waitUntilReady } from "./servers.mjs";
import { operationNames } from "./workload.mjs";

/** Upper bound on --duration-seconds. */
const maxDurationSeconds = 60;
/** Upper bound on --top. */
const maxTopFunctions = 500;
/** Pre-signed requests replayed round-robin, as in a full benchmark run. */
const presignedCount = 1_000;

const hakobuneMain = fileURLToPath(new URL("../../packages/storage/dist/main.js", import.meta.url));
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

function parseOptions() {
  const { values } = parseArgs({
    options: {
      operation: { type: "string", default: "get" },
      "duration-seconds": { type: "string", default: "5" },
      top: { type: "string", default: "40" },
    },
    strict: true,
  });
  const durationSeconds = Number(values["duration-seconds"]);
  const top = Number(values.top);
  if (!operationNames.includes(values.operation)) {
    throw new Error(`--operation is one of ${operationNames.join(", ")}`);
  }
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > maxDurationSeconds) {
    throw new Error(`--duration-seconds takes a whole number from 1 to ${maxDurationSeconds}`);
  }
  if (!Number.isInteger(top) || top < 1 || top > maxTopFunctions) {
    throw new Error(`--top takes a whole number from 1 to ${maxTopFunctions}`);
  }
  return { operation: values.operation, durationSeconds, top };
}

/**
 * Self time per function (name, file and line), largest first, as shares of the samples taken in the
 * profile's last `windowSeconds`: the wrk run, which ends just before the server is stopped, rather
 * than the start-up and the loading of the dataset.
 */
function selfTimes(profile, windowSeconds) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const windowStart = profile.endTime - windowSeconds * 1e6;
  const hits = new Map();
  let timestamp = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, index) => {
    timestamp += profile.timeDeltas[index];
    if (timestamp < windowStart) return;
    hits.set(id, (hits.get(id) ?? 0) + 1);
    total++;
  });
  const perFunction = new Map();
  for (const [id, count] of hits) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url.replace(/^.*\/(packages|node_modules)\//, "$1/");
    const label = `${functionName || "(anonymous)"} ${file}${file ? `:${lineNumber + 1}` : ""}`;
    perFunction.set(label, (perFunction.get(label) ?? 0) + count);
  }
  return [...perFunction].sort((a, b) => b[1] - a[1]).map(([label, count]) => [label, count / total]);
}

async function main() {
  const options = parseOptions();
  const pinned = availableParallelism() >= 2;
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), "bench-storage-profile-"));
  const profileDir = join(resultsDir, `profile-${options.operation}-${Date.now()}`);
  await mkdir(profileDir, { recursive: true });
  const serverArgs = [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`, hakobuneMain];
  serverArgs.push("--port", String(port), "--data-dir", dataDir);
  const [command, args] = pinnedCommand(pinned ? "0" : undefined, process.execPath, serverArgs);
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  try {
    await waitUntilReady(endpoint, child, benchCredentials);
    await prepareDataset(endpoint, benchCredentials);
    const timing = { presignedCount, wrkDurationSeconds: options.durationSeconds };
    const result = await measureWrk({ endpoint, pid: child.pid }, options.operation, {
      timing,
      credentials: benchCredentials,
      clientCores: pinned ? "1" : undefined,
    });
    if (result instanceof Error) throw result;
    process.stdout.write(
      `${options.operation}: ${Math.round(result.opsPerSecond)} ops/s, ${result.cpuMicrosPerOp.toFixed(1)} CPU µs/op\n`,
    );
  } finally {
    await stopProcess(child);
    await rm(dataDir, { recursive: true, force: true });
  }
  const [file] = (await readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`the server wrote no profile into ${profileDir}`);
  const profile = JSON.parse(await readFile(join(profileDir, file), "utf8"));
  for (const [label, share] of selfTimes(profile, options.durationSeconds).slice(0, options.top)) {
    process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${label}\n`);
  }
  process.stdout.write(`profile: ${join(profileDir, file)}\n`);
}

await main();

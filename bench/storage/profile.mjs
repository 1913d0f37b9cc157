#!/usr/bin/env node
/**
 * Where our store spends its CPU on one operation: starts the store (one node, or the three-zone
 * cluster: the router and its storage nodes) with every process under `node --cpu-prof`, loads the
 * benchmark's dataset, replays pre-signed requests with wrk (the same workload and pinning as
 * run.mjs), stops the store and prints, per process, its share of the CPU and the functions with the
 * most self time. The full `.cpuprofile` files stay under bench/results/ for Chrome DevTools or
 * speedscope.
 *
 *   node bench/storage/profile.mjs --operation get [--target hakobune-3az] [--duration-seconds 5] [--top 40]
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prepareDataset } from "./dataset.mjs";
import { measureWrk } from "./measure.mjs";
import { benchCredentials } from "./sdk-client.mjs";
import { startTarget } from "./servers.mjs";
import { operationNames } from "./workload.mjs";

/** Upper bound on --duration-seconds. */
const maxDurationSeconds = 60;
/** Upper bound on --top. */
const maxTopFunctions = 500;
/** Pre-signed requests replayed round-robin, as in a full benchmark run. */
const presignedCount = 1_000;

/** Targets that can be profiled: ours. */
const profiledTargets = ["hakobune", "hakobune-3az"];
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

function parseOptions() {
  const { values } = parseArgs({
    options: {
      operation: { type: "string", default: "get" },
      target: { type: "string", default: "hakobune" },
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
  if (!profiledTargets.includes(values.target)) {
    throw new Error(`--target is one of ${profiledTargets.join(", ")}`);
  }
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > maxDurationSeconds) {
    throw new Error(`--duration-seconds takes a whole number from 1 to ${maxDurationSeconds}`);
  }
  if (!Number.isInteger(top) || top < 1 || top > maxTopFunctions) {
    throw new Error(`--top takes a whole number from 1 to ${maxTopFunctions}`);
  }
  return { operation: values.operation, target: values.target, durationSeconds, top };
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
    if (timestamp < windowStart || byId.get(id).callFrame.functionName === "(idle)") return;
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

/** Busy (not idle) samples of a profile taken in its last `windowSeconds`. */
function samplesInWindow(profile, windowSeconds) {
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id),
  );
  const windowStart = profile.endTime - windowSeconds * 1e6;
  let timestamp = profile.startTime;
  let count = 0;
  profile.samples.forEach((id, index) => {
    timestamp += profile.timeDeltas[index];
    if (timestamp >= windowStart && !idle.has(id)) count++;
  });
  return count;
}

async function main() {
  const options = parseOptions();
  const pinned = availableParallelism() >= 2;
  const profileDir = join(resultsDir, `profile-${options.target}-${options.operation}-${Date.now()}`);
  await mkdir(profileDir, { recursive: true });
  const target = await startTarget(options.target, {
    serverCores: pinned ? "0" : undefined,
    credentials: benchCredentials,
    environment: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
  });
  try {
    await prepareDataset(target.endpoint, benchCredentials);
    const timing = { presignedCount, wrkDurationSeconds: options.durationSeconds };
    const result = await measureWrk(target, options.operation, {
      timing: { ...timing, wrkWarmupSeconds: 1 },
      credentials: benchCredentials,
      clientCores: pinned ? "1" : undefined,
    });
    if (result instanceof Error) throw result;
    process.stdout.write(
      `${options.target} ${options.operation}: ${Math.round(result.opsPerSecond)} ops/s, ${result.cpuMicrosPerOp.toFixed(1)} CPU µs/op\n`,
    );
  } finally {
    await target.stop();
  }
  const files = (await readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error(`the store wrote no profile into ${profileDir}`);
  const profiles = await Promise.all(
    files.map(async (file) => {
      const profile = JSON.parse(await readFile(join(profileDir, file), "utf8"));
      // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile
      const pid = Number(file.split(".")[3]);
      return { file, pid, profile, samples: samplesInWindow(profile, options.durationSeconds) };
    }),
  );
  const allSamples = profiles.reduce((sum, { samples }) => sum + samples, 0);
  for (const { file, pid, profile, samples } of profiles.sort((a, b) => b.samples - a.samples)) {
    const role = pid === target.pid ? "the server" : "a child";
    process.stdout.write(
      `\n${role} (pid ${pid}): ${((samples / allSamples) * 100).toFixed(1)}% of the busy samples\n`,
    );
    for (const [label, share] of selfTimes(profile, options.durationSeconds).slice(0, options.top)) {
      process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${label}\n`);
    }
    process.stdout.write(`profile: ${join(profileDir, file)}\n`);
  }
}

await main();

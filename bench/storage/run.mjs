#!/usr/bin/env node
/**
 * The storage benchmark: our store on one node and across three zones, dynalite and a fixed-response
 * ceiling, side by side in one run on one machine with the same workload (200-byte items; put, get,
 * and a query returning 10 items). For every repeat, target and operation it measures, with the
 * server (every process of it) pinned to one core and every client to another:
 * 1. through the AWS SDK v3 in its own process at concurrency 1 and 32: ops/s, p50, p99, and the
 *    server's CPU time per operation (summed over its processes);
 * 2. with wrk replaying pre-signed requests: maximum ops/s and the server's CPU time per operation.
 * It prints medians across repeats with ratios between targets, and saves everything as JSON
 * under bench/results/. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prepareDataset } from "./dataset.mjs";
import { measureSdk, measureWrk } from "./measure.mjs";
import { formatReport, ratios, summarize, verdicts } from "./report.mjs";
import { benchCredentials } from "./sdk-client.mjs";
import { startTarget, targetNames } from "./servers.mjs";
import { operationNames } from "./workload.mjs";

/** Concurrencies of the SDK measurement. */
const sdkConcurrencies = [1, 32];
/** Upper bound on --repeat, so a typo cannot book the machine for hours. */
const maxRepeats = 20;
/** Core the servers run on, and core the clients (SDK load, wrk) run on, for `taskset -c`. */
const serverCores = "0";
const clientCores = "1";

/** Run lengths and bounds: `full` by default, `quick` with --quick. */
const timings = {
  full: {
    sdkWarmupMs: 1_000,
    sdkDurationMs: 3_000,
    sdkMaxRequests: 500_000,
    wrkWarmupSeconds: 3,
    wrkDurationSeconds: 3,
    presignedCount: 1_000,
    defaultRepeats: 3,
  },
  quick: {
    sdkWarmupMs: 300,
    sdkDurationMs: 1_000,
    sdkMaxRequests: 100_000,
    wrkWarmupSeconds: 1,
    wrkDurationSeconds: 1,
    presignedCount: 200,
    defaultRepeats: 1,
  },
};

const usage = `Usage: node bench/storage/run.mjs [--quick] [--repeat N] [--targets ${targetNames.join(",")}]
                                  [--operations ${operationNames.join(",")}]
  --quick        short runs (about 1 s per measurement) and 1 repeat unless --repeat is given
  --repeat N     repeat every measurement N times (1..${maxRepeats}) and quote medians (default 3)
  --targets      comma-separated targets to run (default: all)
  --operations   comma-separated operations to run (default: all)`;

function fail(message) {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

function parseList(text, known, flag) {
  const chosen = text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = chosen.filter((item) => !known.includes(item));
  if (chosen.length === 0 || unknown.length > 0)
    fail(`${flag} takes a comma-separated subset of ${known.join(",")}`);
  return known.filter((item) => chosen.includes(item));
}

function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        quick: { type: "boolean", default: false },
        repeat: { type: "string" },
        targets: { type: "string", default: targetNames.join(",") },
        operations: { type: "string", default: operationNames.join(",") },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error.message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const timing = values.quick ? timings.quick : timings.full;
  const repeats = values.repeat === undefined ? timing.defaultRepeats : Number(values.repeat);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > maxRepeats) {
    fail(`--repeat takes a whole number from 1 to ${maxRepeats}, not ${JSON.stringify(values.repeat)}`);
  }
  return {
    quick: values.quick,
    repeats,
    timing,
    targets: parseList(values.targets, targetNames, "--targets"),
    operations: parseList(values.operations, operationNames, "--operations"),
  };
}

function commandExists(command) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function progress(message) {
  process.stderr.write(`${message}\n`);
}

/** Measures every operation against one target; failures become `{ error }` entries, not aborts. */
async function benchmarkTarget(name, repeat, options, context, runs, errors) {
  let target;
  try {
    target = await startTarget(name, { serverCores: context.serverCores, credentials: benchCredentials });
    const loaded = await prepareDataset(target.endpoint, benchCredentials);
    progress(`[repeat ${repeat}] ${name}: started on ${target.endpoint}, ${loaded} items loaded`);
  } catch (error) {
    errors.push(`repeat ${repeat}, ${name}: ${error.message.split("\n")[0]}`);
    progress(`[repeat ${repeat}] ${name}: FAILED to start: ${error.message}`);
    await target?.stop();
    return;
  }
  try {
    for (const operation of options.operations) {
      const measurements = {};
      const record = (label, result) => {
        if (result instanceof Error) {
          measurements[label] = { error: result.message };
          errors.push(`repeat ${repeat}, ${name}, ${operation}, ${label}: ${result.message.split("\n")[0]}`);
          progress(`[repeat ${repeat}] ${name} ${operation} ${label}: FAILED: ${result.message}`);
        } else {
          measurements[label] = result;
          progress(
            `[repeat ${repeat}] ${name} ${operation} ${label}: ${Math.round(result.opsPerSecond)} ops/s, ` +
              `${result.cpuMicrosPerOp.toFixed(1)} CPU µs/op`,
          );
        }
      };
      for (const concurrency of sdkConcurrencies) {
        record(`sdk${concurrency}`, await measureSdk(target, operation, concurrency, context));
      }
      record("wrk", await measureWrk(target, operation, context));
      runs.push({ repeat, target: name, operation, measurements });
    }
  } finally {
    await target.stop();
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const pinning = availableParallelism() >= 2 && commandExists("taskset");
  if (!pinning) progress("warning: fewer than 2 cores or no taskset: server and clients are not pinned");
  if (!commandExists("wrk")) progress("warning: wrk is not installed: the wrk columns will be empty");
  const context = {
    timing: options.timing,
    credentials: benchCredentials,
    serverCores: pinning ? serverCores : undefined,
    clientCores: pinning ? clientCores : undefined,
  };
  const startedAt = new Date();
  const loadAverageBefore = loadavg();
  const runs = [];
  const errors = [];
  for (let repeat = 1; repeat <= options.repeats; repeat++) {
    // Rotating the order spreads slow drifts in the machine's load over every target.
    const shift = (repeat - 1) % options.targets.length;
    const order = [...options.targets.slice(shift), ...options.targets.slice(0, shift)];
    for (const name of order) await benchmarkTarget(name, repeat, options, context, runs, errors);
  }
  const summary = summarize(runs, options.operations, options.targets);
  const ratioSummary = ratios(summary);
  const checks = verdicts(summary);
  process.stdout.write(formatReport({ summary, ratioSummary, checks, repeats: options.repeats, errors }));

  const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const resultsPath = `${resultsDir}storage-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`;
  const machine = {
    cpuModel: cpus()[0]?.model,
    cores: availableParallelism(),
    node: process.version,
    loadAverageBefore,
    loadAverageAfter: loadavg(),
    pinned: pinning ? { serverCores, clientCores } : false,
  };
  const settings = {
    quick: options.quick,
    repeats: options.repeats,
    timing: options.timing,
    sdkConcurrencies,
  };
  await writeFile(
    resultsPath,
    `${JSON.stringify({ startedAt, machine, settings, summary, ratios: ratioSummary, checks, errors, runs }, null, 2)}\n`,
  );
  progress(`results written to ${resultsPath}`);
  if (errors.length > 0) process.exitCode = 1;
}

await main();

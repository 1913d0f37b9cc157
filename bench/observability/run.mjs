/**
 * What do metrics cost? Runs the same route on a service-kit service with metrics and on the same service
 * with `metrics: false`, with plain Fastify as a reference line, in the same run, under wrk, and prints
 * throughput, the server's CPU time per request, and the ratios. The metrics cost is the share of
 * throughput lost to them, 1 - (CPU per request without metrics / CPU per request with metrics), with a
 * target under 10%. CPU time per request is the verdict because a shared machine moves req/s around far
 * more than it moves CPU time.
 *
 * Usage: node bench/observability/run.mjs [--quick] [--repeat N]. Needs wrk (Debian package `wrk`);
 * pins servers to core 0 and wrk to core 1 with taskset when there are two cores. See README.md here.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** Target of the issue: metrics may cost at most this share of throughput. */
const maxMetricsCost = 0.1;
const variants = ["fastify", "service-kit-no-metrics", "service-kit"];
const withMetrics = "service-kit";
const withoutMetrics = "service-kit-no-metrics";
/** Connections wrk keeps open. */
const wrkConnections = 32;
/** How long wrk waits for one answer before counting a timeout, in seconds (the machine is shared). */
const wrkRequestTimeoutSeconds = 5;
/** Largest `--repeat`. */
const maxRepeats = 20;
/** Longest wait for a server to print its URL, in milliseconds. */
const serverStartTimeoutMs = 20_000;
/** Grace beyond a wrk run's duration before it is killed, in milliseconds. */
const wrkExitGraceMs = 15_000;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const clockTicksPerSecond = 100;

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, repeat: { type: "string" } },
});
const repeats = Number(values.repeat ?? (values.quick ? 1 : 3));
if (!Number.isInteger(repeats) || repeats < 1 || repeats > maxRepeats) {
  console.error(`--repeat must be an integer from 1 to ${maxRepeats}, got ${values.repeat}`);
  process.exit(2);
}
const warmUpSeconds = values.quick ? 1 : 2;
const measureSeconds = values.quick ? 2 : 5;

function commandExists(command) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (!commandExists("wrk")) {
  console.error("wrk is not installed: sudo apt-get install wrk");
  process.exit(1);
}
const pinning = availableParallelism() >= 2 && commandExists("taskset");
if (!pinning) console.error("warning: fewer than 2 cores or no taskset: server and wrk are not pinned");
const pinned = (core, command, args) =>
  pinning ? ["taskset", ["-c", core, command, ...args]] : [command, args];

function startServer(variant) {
  const script = fileURLToPath(new URL("./server.mjs", import.meta.url));
  const [command, args] = pinned("0", process.execPath, [script, variant]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${variant} did not start within ${serverStartTimeoutMs} ms`));
    }, serverStartTimeoutMs);
    child.once("exit", (code) => reject(new Error(`${variant} exited with ${code} before listening`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const match = /^listening (\S+)$/.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        url: match[1],
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners("exit");
            child.once("exit", done);
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

function wrk(url, seconds) {
  const [command, args] = pinned("1", "wrk", [
    "-t1",
    `-c${wrkConnections}`,
    `-d${seconds}s`,
    "--timeout",
    `${wrkRequestTimeoutSeconds}s`,
    url,
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let report = "";
    child.stdout.on("data", (chunk) => {
      report += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), seconds * 1000 + wrkExitGraceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      const requestsPerSecond = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(report)?.[1]);
      const requests = Number(/^\s*(\d+) requests in/m.exec(report)?.[1]);
      const failures = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(report);
      if (failures !== null) reject(new Error(`wrk saw failures against ${url}: ${failures[0]}`));
      else if (!Number.isFinite(requestsPerSecond) || !(requests > 0)) {
        reject(new Error(`wrk printed no throughput:\n${report}`));
      } else resolve({ requestsPerSecond, requests });
    });
  });
}

/** CPU time the process has used so far (user + system), in microseconds. */
async function cpuMicroseconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond) * 1e6;
}

const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const samples = Object.fromEntries(variants.map((variant) => [variant, []]));
const cpuSamples = Object.fromEntries(variants.map((variant) => [variant, []]));
for (let repeat = 0; repeat < repeats; repeat++) {
  // Rotating the order spreads a slow stretch of the shared machine over the variants.
  const order = variants.map((_, index) => variants[(index + repeat) % variants.length]);
  for (const variant of order) {
    const server = await startServer(variant);
    try {
      const url = `${server.url}/hello`;
      const body = await (await fetch(url)).json();
      if (body.hello !== "world") throw new Error(`${variant} answered ${JSON.stringify(body)}`);
      // The pair differs by metrics alone: make sure the switch is where the variant says it is.
      const metricsStatus = (await fetch(`${server.url}/metrics`)).status;
      if (metricsStatus !== (variant === withMetrics ? 200 : 404)) {
        throw new Error(`${variant} answered GET /metrics with ${metricsStatus}`);
      }
      await wrk(url, warmUpSeconds);
      const cpuBefore = await cpuMicroseconds(server.pid);
      const { requestsPerSecond, requests } = await wrk(url, measureSeconds);
      const cpuPerRequest = ((await cpuMicroseconds(server.pid)) - cpuBefore) / requests;
      samples[variant].push(requestsPerSecond);
      cpuSamples[variant].push(cpuPerRequest);
      console.error(
        `repeat ${repeat + 1}/${repeats} ${variant}: ${Math.round(requestsPerSecond)} req/s, ${cpuPerRequest.toFixed(1)} CPU µs/req`,
      );
    } finally {
      await server.stop();
    }
  }
}

const medians = Object.fromEntries(variants.map((variant) => [variant, median(samples[variant])]));
const cpuMedians = Object.fromEntries(variants.map((variant) => [variant, median(cpuSamples[variant])]));
// Throughput of a CPU-bound server is the inverse of its CPU time per request.
const metricsCost = 1 - cpuMedians[withoutMetrics] / cpuMedians[withMetrics];
const metricsCostByThroughput = 1 - medians[withMetrics] / medians[withoutMetrics];
// The pair also runs back to back within each repeat; the median of the per-repeat costs cancels much of
// a neighbour's load that comes and goes between repeats.
const pairedMetricsCosts = cpuSamples[withMetrics].map(
  (withCpu, repeat) => 1 - cpuSamples[withoutMetrics][repeat] / withCpu,
);
const pairedMetricsCost = median(pairedMetricsCosts);
const kitRatio = cpuMedians.fastify / cpuMedians[withMetrics];
const kitWithoutMetricsRatio = cpuMedians.fastify / cpuMedians[withoutMetrics];
console.log(
  `\nGET /hello, wrk 1 thread ${wrkConnections} connections, ${measureSeconds} s, median of ${repeats}`,
);
console.log("variant                    req/s  req/s vs fastify  CPU µs/req  throughput by CPU vs fastify");
for (const variant of variants) {
  console.log(
    [
      variant.padEnd(23),
      String(Math.round(medians[variant])).padStart(8),
      (medians[variant] / medians.fastify).toFixed(3).padStart(17),
      cpuMedians[variant].toFixed(1).padStart(11),
      (cpuMedians.fastify / cpuMedians[variant]).toFixed(3).padStart(29),
    ].join(" "),
  );
}
const percent = (share) => `${(share * 100).toFixed(1)}%`;
const verdict = (share) => (share < maxMetricsCost ? "met" : "NOT met");
console.log(
  `\nmetrics cost (target under ${percent(maxMetricsCost)}): ${percent(metricsCost)} by CPU per request ` +
    `(${verdict(metricsCost)}), ${percent(metricsCostByThroughput)} by req/s (${verdict(metricsCostByThroughput)})`,
);
console.log(
  `metrics cost per repeat, paired: ${pairedMetricsCosts.map(percent).join(" ")}; median ${percent(pairedMetricsCost)}`,
);
console.log(
  `metrics cost per request: ${(cpuMedians[withMetrics] - cpuMedians[withoutMetrics]).toFixed(1)} CPU µs`,
);
console.log(
  `service-kit/fastify = ${kitRatio.toFixed(3)} by CPU per request (everything the kit adds, metrics included); ` +
    `without metrics ${kitWithoutMetricsRatio.toFixed(3)}`,
);

const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));
await mkdir(resultsDir, { recursive: true });
const resultsPath = `${resultsDir}observability-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
await writeFile(
  resultsPath,
  `${JSON.stringify(
    {
      repeats,
      measureSeconds,
      wrkConnections,
      pinning,
      samples,
      medians,
      cpuSamples,
      cpuMedians,
      metricsCost,
      metricsCostByThroughput,
      pairedMetricsCosts,
      pairedMetricsCost,
      kitRatio,
      kitWithoutMetricsRatio,
    },
    null,
    2,
  )}\n`,
);
console.error(`results written to ${resultsPath}`);

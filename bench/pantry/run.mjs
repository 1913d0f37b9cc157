#!/usr/bin/env node
/**
 * The pantry benchmark: authenticated GET /recipes/:id throughput, side by side in one run, for pantry
 * with no authentication, with local JWT verification (no cache), with introspection at auth-center (no
 * cache), and with introspection behind the verification cache (pantry's default) — plus local JWT
 * verification behind the cache, for reference. Storage, auth-center and every pantry run as real
 * processes pinned to one core; wrk, the load generator, runs on another. Prints medians across repeats
 * and the ratios the issue sets targets for (cached ≥ 90 % of unauthenticated, ≥ 5× uncached
 * introspection), and saves everything as JSON under bench/results/. See bench/README.md.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("../../", import.meta.url));
const mains = {
  storage: join(root, "packages/storage/dist/main.js"),
  authCenter: join(root, "packages/auth-center/dist/main.js"),
  pantry: join(root, "packages/pantry/dist/main.js"),
};
/** Core the servers run on, and core wrk runs on, for `taskset -c`. */
const serverCores = "0";
const clientCores = "1";
/** Upper bound on --repeat, so a typo cannot book the machine for hours. */
const maxRepeats = 20;
/** Readiness probes per process, 100 ms apart. */
const maxReadinessProbes = 400;
/** wrk's open connections and threads. */
const connections = 32;
const threads = 1;
/**
 * Distinct access tokens the requests rotate through, as from that many people: one token alone would
 * flatter the uncached modes, whose concurrent identical verifications the cache would otherwise share.
 */
const tokenCount = 100;

const timings = {
  full: { warmupSeconds: 1, durationSeconds: 3, defaultRepeats: 3 },
  quick: { warmupSeconds: 1, durationSeconds: 1, defaultRepeats: 1 },
};

/** The pantries compared: name, what it shows, and the environment that configures it. */
const targets = [
  { name: "none", label: "no authentication", env: { HAKOBUNE_PANTRY_INSECURE_NO_AUTH: "1" } },
  {
    name: "jwt",
    label: "local JWT verification, no cache",
    env: { HAKOBUNE_PANTRY_TOKEN_MODE: "jwt", HAKOBUNE_PANTRY_TOKEN_CACHE_MAX_ENTRIES: "0" },
  },
  {
    name: "introspection",
    label: "introspection, no cache",
    env: { HAKOBUNE_PANTRY_TOKEN_MODE: "introspection", HAKOBUNE_PANTRY_TOKEN_CACHE_MAX_ENTRIES: "0" },
  },
  { name: "cached", label: "introspection + cache", env: { HAKOBUNE_PANTRY_TOKEN_MODE: "introspection" } },
  { name: "jwt-cached", label: "local JWT + cache", env: { HAKOBUNE_PANTRY_TOKEN_MODE: "jwt" } },
];

const usage = `Usage: node bench/pantry/run.mjs [--quick] [--repeat N]
  --quick      1 s per measurement and 1 repeat unless --repeat is given
  --repeat N   repeat every measurement N times (1..${maxRepeats}) and quote medians (default 3)`;

function fail(message) {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

const progress = (message) => process.stderr.write(`${message}\n`);

function commandExists(command) {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children = [];

async function startProcess(name, args, env, url, readyPath, pin) {
  const command = pin ? "taskset" : process.execPath;
  const commandArgs = pin ? ["-c", serverCores, process.execPath, ...args] : args;
  const child = spawn(command, commandArgs, {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-16_384);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  children.push(child);
  for (let probe = 0; probe < maxReadinessProbes && child.exitCode === null; probe++) {
    try {
      const response = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status < 500) return { url, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not start:\n${output}`);
}

async function stopAll() {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** A client-credentials token of the recipe-importer service for pantry, with both recipe scopes. */
async function serviceToken(authCenterUrl) {
  const response = await fetch(`${authCenterUrl}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from("recipe-importer:recipe-importer-demo-secret-change-me").toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      scope: "recipes:read recipes:write",
      resource: "urn:hakobune:pantry",
    }),
  });
  const body = await response.json();
  if (typeof body.access_token !== "string")
    throw new Error(`no token from auth-center: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function createRecipe(pantryUrl, token) {
  const response = await fetch(`${pantryUrl}/recipes`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      title: "Benchmark miso soup",
      description: "Read over and over.",
      ingredients: [
        { name: "dashi", quantity: 600, unit: "ml" },
        { name: "miso", quantity: 3, unit: "tbsp" },
      ],
      steps: ["Heat the dashi.", "Dissolve the miso."],
      tags: ["bench"],
    }),
  });
  if (response.status !== 201)
    throw new Error(`creating the recipe failed: ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

/** A wrk script sending each request with the next of `tokens`, round robin. */
async function writeTokenScript(dir, tokens) {
  const file = join(dir, "tokens.lua");
  const list = tokens.map((token) => JSON.stringify(token)).join(",\n  ");
  await writeFile(
    file,
    `local tokens = {\n  ${list}\n}\nlocal index = 0\nrequest = function()\n  index = index % #tokens + 1\n` +
      `  return wrk.format("GET", nil, { ["authorization"] = "Bearer " .. tokens[index] })\nend\n`,
  );
  return file;
}

/** One wrk run; returns requests per second, or a failure when any answer was not 2xx. */
function runWrk(url, script, seconds, pin) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "-s", script, url];
  const command = pin ? "taskset" : "wrk";
  const text = execFileSync(command, pin ? ["-c", clientCores, "wrk", ...args] : args, { encoding: "utf8" });
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const failures = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const socketErrors = /Socket errors:.*/.exec(text)?.[0];
  if (failures > 0 || !Number.isFinite(rate))
    return { failure: `${failures} non-2xx answers; ${socketErrors ?? ""}`.trim() };
  return { requestsPerSecond: rate };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, repeat: { type: "string" } } });
  const timing = values.quick ? timings.quick : timings.full;
  const repeats = values.repeat === undefined ? timing.defaultRepeats : Number(values.repeat);
  if (!Number.isInteger(repeats) || repeats < 1 || repeats > maxRepeats)
    fail(`--repeat must be 1..${maxRepeats}`);
  if (!commandExists("wrk")) fail("wrk is not installed (Debian package wrk)");
  const pin = availableParallelism() >= 2 && commandExists("taskset");
  if (!pin) progress("warning: fewer than 2 cores or no taskset: servers and wrk are not pinned");

  const dataDir = await mkdtemp(join(tmpdir(), "hakobune-bench-pantry-"));
  try {
    const storagePort = await freePort();
    const storage = await startProcess(
      "storage",
      [mains.storage, "--port", String(storagePort), "--data-dir", join(dataDir, "storage")],
      {},
      `http://127.0.0.1:${storagePort}`,
      "/",
      pin,
    );
    const authPort = await freePort();
    const issuer = `http://127.0.0.1:${authPort}`;
    const authCenter = await startProcess(
      "auth-center",
      [mains.authCenter],
      {
        HAKOBUNE_AUTH_PORT: String(authPort),
        HAKOBUNE_AUTH_ISSUER: issuer,
        HAKOBUNE_STORAGE_ENDPOINT: storage.url,
      },
      issuer,
      "/healthz",
      pin,
    );
    const pantries = {};
    for (const target of targets) {
      const port = await freePort();
      pantries[target.name] = await startProcess(
        `pantry (${target.name})`,
        [mains.pantry],
        {
          HAKOBUNE_PANTRY_PORT: String(port),
          HAKOBUNE_AUTH_ISSUER: issuer,
          HAKOBUNE_STORAGE_ENDPOINT: storage.url,
          ...target.env,
        },
        `http://127.0.0.1:${port}`,
        "/healthz",
        pin,
      );
    }
    const tokens = [];
    for (let index = 0; index < tokenCount; index++) tokens.push(await serviceToken(authCenter.url));
    const script = await writeTokenScript(dataDir, tokens);
    const recipeId = await createRecipe(pantries.cached.url, tokens[0]);
    progress(`servers up (pinned: ${pin}); measuring ${repeats} × ${timing.durationSeconds} s per target`);

    const samples = Object.fromEntries(targets.map((target) => [target.name, []]));
    const failures = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      // Each repeat starts one target later, so that a drifting machine favours none of them.
      const order = targets.map((_, index) => targets[(index + repeat) % targets.length]);
      for (const target of order) {
        const url = `${pantries[target.name].url}/recipes/${recipeId}`;
        runWrk(url, script, timing.warmupSeconds, pin);
        const result = runWrk(url, script, timing.durationSeconds, pin);
        if (result.failure) failures.push({ target: target.name, repeat, failure: result.failure });
        else samples[target.name].push(result.requestsPerSecond);
        progress(
          `  repeat ${repeat + 1} ${target.name.padEnd(13)} ${result.requestsPerSecond?.toFixed(0) ?? result.failure}`,
        );
      }
    }

    const medians = Object.fromEntries(
      targets.map((target) => [
        target.name,
        samples[target.name].length > 0 ? median(samples[target.name]) : undefined,
      ]),
    );
    const ratio = (a, b) => (medians[a] !== undefined && medians[b] ? medians[a] / medians[b] : undefined);
    const ratios = {
      cachedOverNone: ratio("cached", "none"),
      cachedOverIntrospection: ratio("cached", "introspection"),
      jwtOverNone: ratio("jwt", "none"),
      jwtCachedOverNone: ratio("jwt-cached", "none"),
    };
    const verdicts = {
      "cached ≥ 0.90 × none": ratios.cachedOverNone !== undefined && ratios.cachedOverNone >= 0.9,
      "cached ≥ 5 × introspection":
        ratios.cachedOverIntrospection !== undefined && ratios.cachedOverIntrospection >= 5,
    };

    const lines = [
      "",
      `pantry: GET /recipes/:id, wrk -t${threads} -c${connections}, ${tokenCount} tokens, ${timing.durationSeconds} s × ${repeats}, medians`,
      "",
      "| target        | what                              | requests/s |",
      "| ------------- | --------------------------------- | ---------- |",
      ...targets.map(
        (target) =>
          `| ${target.name.padEnd(13)} | ${target.label.padEnd(33)} | ${(medians[target.name]?.toFixed(0) ?? "-").padStart(10)} |`,
      ),
      "",
      ...Object.entries(ratios).map(([name, value]) => `${name.padEnd(24)} ${value?.toFixed(2) ?? "-"}`),
      "",
      ...Object.entries(verdicts).map(([name, ok]) => `${ok ? "PASS" : "FAIL"}  ${name}`),
      ...(failures.length > 0
        ? ["", "failures:", ...failures.map((f) => `  ${f.target} #${f.repeat + 1}: ${f.failure}`)]
        : []),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);

    const resultsDir = join(root, "bench/results");
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `pantry-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), pinned: pin };
    await writeFile(
      file,
      `${JSON.stringify({ timing, repeats, machine, samples, medians, ratios, verdicts, failures }, null, 2)}\n`,
    );
    progress(`saved ${file}`);
  } finally {
    await stopAll();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();

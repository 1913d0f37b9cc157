#!/usr/bin/env node
/**
 * The auth-center benchmark: in one run, against a real auth-center on a real storage process,
 * 1. the token endpoint issuing client_credentials JWTs (`POST /token`),
 * 2. introspection of one such JWT (`POST /token/introspection`),
 * 3. and, as the ceiling, verifying the same JWT locally with jose against the JWKS —
 * what a resource server does when it does not call the auth-center at all.
 * Each network measurement is a closed loop of `--concurrency` requests in flight for `--duration-ms`
 * after a warm-up; answers are checked (a JWT, `active: true`). It prints ops/s, p50, p99 and the ratio
 * to the local ceiling, and saves the numbers as JSON under bench/results/. See bench/README.md.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLocalJWKSet, jwtVerify } from "jose";

const storageMain = fileURLToPath(new URL("../../packages/storage/dist/main.js", import.meta.url));
const authMain = fileURLToPath(new URL("../../packages/auth-center/dist/main.js", import.meta.url));
const resultsDir = fileURLToPath(new URL("../results/", import.meta.url));

const importer = { id: "recipe-importer", secret: "recipe-importer-demo-secret-change-me" };
const pantry = { id: "pantry", secret: "pantry-demo-secret-change-me" };
const resource = "urn:hakobune:pantry";

/** How long a process may take to print that it listens. Milliseconds. */
const startupTimeoutMs = 30_000;
/** Bounds on the options, so that a typo cannot book the machine for hours. */
const maxDurationMs = 120_000;
const maxConcurrency = 256;
/** Latency samples kept per measurement (a reservoir beyond that). */
const maxLatencySamples = 100_000;

const usage = `Usage: node bench/auth/run.mjs [--quick] [--duration-ms N] [--concurrency N] [--storage-endpoint URL]
  --quick              1 s per measurement instead of 5 s
  --duration-ms N      measurement length per operation (default 5000; 0.3 × that is warm-up)
  --concurrency N      requests in flight for the network measurements (default 16)
  --storage-endpoint   use a storage that is already running instead of starting ours`;

function fail(message) {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function integerOption(text, name, min, max) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be an integer between ${min} and ${max}`);
  return value;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startProcess(script, args, env, readyPattern) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk) => {
    output = (output + chunk).slice(-16_384);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start:\n${output}`)),
      startupTimeoutMs,
    );
    child.stdout.on("data", () => {
      if (readyPattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { ready, stop };
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** Runs `operation` in a closed loop with `concurrency` in flight; returns ops/s and latency percentiles. */
async function closedLoop(operation, { concurrency, warmupMs, durationMs }) {
  const latencies = [];
  let completed = 0;
  let measuring = false;
  let stopAt = Date.now() + warmupMs;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const started = performance.now();
      await operation();
      if (!measuring) continue;
      const elapsed = performance.now() - started;
      completed++;
      if (latencies.length < maxLatencySamples) latencies.push(elapsed);
      else latencies[Math.floor(Math.random() * completed) % maxLatencySamples] = elapsed;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  measuring = true;
  const begin = performance.now();
  stopAt = Date.now() + durationMs;
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    opsPerSecond: completed / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    requests: completed,
  };
}

function basic(client) {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64")}`;
}

async function issueToken(issuer) {
  const response = await fetch(new URL("/token", issuer), {
    method: "POST",
    headers: { authorization: basic(importer), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "recipes:read", resource }),
  });
  const body = await response.json();
  if (response.status !== 200 || typeof body.access_token !== "string")
    throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function introspect(issuer, token) {
  const response = await fetch(new URL("/token/introspection", issuer), {
    method: "POST",
    headers: { authorization: basic(pantry), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
  const body = await response.json();
  if (body.active !== true) throw new Error(`introspection: ${response.status} ${JSON.stringify(body)}`);
}

function format(result, ceiling) {
  const ratio = ceiling ? `${(result.opsPerSecond / ceiling).toFixed(4)}` : "1";
  return [
    result.name.padEnd(34),
    result.opsPerSecond.toFixed(0).padStart(10),
    result.p50Ms.toFixed(3).padStart(9),
    result.p99Ms.toFixed(3).padStart(9),
    ratio.padStart(10),
  ].join(" ");
}

async function main() {
  const { values } = (() => {
    try {
      return parseArgs({
        options: {
          quick: { type: "boolean" },
          "duration-ms": { type: "string" },
          concurrency: { type: "string" },
          "storage-endpoint": { type: "string" },
          help: { type: "boolean" },
        },
        strict: true,
      });
    } catch (error) {
      fail(error.message);
    }
  })();
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const durationMs =
    integerOption(values["duration-ms"], "--duration-ms", 100, maxDurationMs) ?? (values.quick ? 1000 : 5000);
  const concurrency = integerOption(values.concurrency, "--concurrency", 1, maxConcurrency) ?? 16;
  const timing = { concurrency, warmupMs: Math.round(durationMs * 0.3), durationMs };

  const stops = [];
  const dataDir = await mkdtemp(join(tmpdir(), "bench-auth-"));
  try {
    let storageEndpoint = values["storage-endpoint"];
    if (!storageEndpoint) {
      const port = await freePort();
      const storage = startProcess(
        storageMain,
        ["--port", String(port), "--data-dir", join(dataDir, "storage")],
        {},
        /listening/,
      );
      stops.push(storage.stop);
      await storage.ready;
      storageEndpoint = `http://127.0.0.1:${port}`;
    }
    const port = await freePort();
    const issuer = `http://localhost:${port}`;
    const auth = startProcess(
      authMain,
      [],
      {
        HAKOBUNE_AUTH_PORT: String(port),
        HAKOBUNE_AUTH_ISSUER: issuer,
        HAKOBUNE_STORAGE_ENDPOINT: storageEndpoint,
        HAKOBUNE_AUTH_TABLE: `bench-auth-${Date.now()}`,
        LOG_LEVEL: "warn",
      },
      /auth-center: listening on/,
    );
    stops.unshift(auth.stop);
    await auth.ready;

    const token = await issueToken(issuer);
    const jwks = createLocalJWKSet(await (await fetch(new URL("/jwks", issuer))).json());
    const verifyLocally = async () => {
      const { payload } = await jwtVerify(token, jwks, { issuer, audience: resource });
      if (payload.client_id !== importer.id) throw new Error("local verification: wrong client_id");
    };

    process.stdout.write(
      `auth-center bench: ${durationMs} ms per measurement, ${concurrency} in flight, storage ${values["storage-endpoint"] ? storageEndpoint : "ours"}\n`,
    );
    const results = [];
    results.push({
      name: "token endpoint (client_credentials)",
      ...(await closedLoop(() => issueToken(issuer), timing)),
    });
    results.push({
      name: "introspection (JWT access token)",
      ...(await closedLoop(() => introspect(issuer, token), timing)),
    });
    results.push({
      name: "local JWT verification (jose)",
      ...(await closedLoop(verifyLocally, { ...timing, concurrency: 1 })),
    });
    const ceiling = results[2].opsPerSecond;

    process.stdout.write(
      `\n${"measurement".padEnd(34)} ${"ops/s".padStart(10)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)} ${"÷ local".padStart(10)}\n`,
    );
    for (const result of results) process.stdout.write(`${format(result, ceiling)}\n`);
    process.stdout.write(
      `\nA resource server that verifies locally does ${(ceiling / results[1].opsPerSecond).toFixed(0)}× the checks of one that introspects every request.\n`,
    );

    await mkdir(resultsDir, { recursive: true });
    const file = join(
      resultsDir,
      `auth-${new Date().toISOString().replaceAll(":", "-").replace(".", "-")}.json`,
    );
    await writeFile(
      file,
      `${JSON.stringify({ durationMs, concurrency, cpus: cpus().length, results }, null, 2)}\n`,
    );
    process.stdout.write(`saved ${file}\n`);
  } finally {
    for (const stop of stops) await stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();

#!/usr/bin/env node
/**
 * The SDK load generator, run as its own process (pinned to the client core) so that its CPU never
 * counts against a server: `node sdk-load.mjs '<json settings>'` with settings { endpoint, credentials,
 * operation, concurrency, warmupMs, durationMs, maxRequests }. It keeps `concurrency` requests in
 * flight, first for the warm-up, then for the measurement, and writes one JSON line per event to
 * stdout: {"event":"measuring"} when the measurement starts, then {"event":"done", ...results}. The
 * parent samples the server's CPU time at those two lines. The first failed or wrong response ends the
 * run with {"event":"failed","message":…}.
 */
import { commandClasses, createClient } from "./sdk-client.mjs";
import { percentile } from "./stats.mjs";
import { operationRequest, unexpectedOutput } from "./workload.mjs";

const settings = JSON.parse(process.argv[2] ?? "{}");
const { endpoint, credentials, operation, concurrency, warmupMs, durationMs, maxRequests } = settings;
const client = createClient({ endpoint, credentials, concurrency });

let requestNumber = 0;

async function send() {
  const { command, input } = operationRequest(operation, requestNumber++);
  const output = await client.send(new commandClasses[command](input));
  const problem = unexpectedOutput(operation, output);
  if (problem !== undefined) throw new Error(problem);
}

/** Runs `concurrency` loops until `durationMs` passes or `requestLimit` requests start; records latencies. */
async function runFor(durationMs, requestLimit, latenciesMs) {
  const startedNs = process.hrtime.bigint();
  const deadlineNs = startedNs + BigInt(durationMs) * 1_000_000n;
  let started = 0;
  const loop = async () => {
    while (started < requestLimit && process.hrtime.bigint() < deadlineNs) {
      started++;
      const sentNs = process.hrtime.bigint();
      await send();
      if (latenciesMs !== undefined) latenciesMs.push(Number(process.hrtime.bigint() - sentNs) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { requests: started, elapsedMs: Number(process.hrtime.bigint() - startedNs) / 1e6 };
}

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

try {
  await runFor(warmupMs, maxRequests, undefined);
  emit({ event: "measuring" });
  const latenciesMs = [];
  const { requests, elapsedMs } = await runFor(durationMs, maxRequests, latenciesMs);
  latenciesMs.sort((a, b) => a - b);
  emit({
    event: "done",
    requests,
    elapsedMs,
    opsPerSecond: requests / (elapsedMs / 1000),
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
  });
} catch (error) {
  emit({ event: "failed", message: `${error.name}: ${error.message}` });
  process.exitCode = 1;
} finally {
  client.destroy();
}

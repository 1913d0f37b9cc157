#!/usr/bin/env node
/**
 * The ceiling: a plain `node:http` server that reads each request body and answers a fixed,
 * pre-serialized DynamoDB-shaped response chosen by the `X-Amz-Target` header. It checks no signature,
 * parses no JSON and stores nothing, so no Node server speaking the same protocol can be cheaper.
 * Run: `node ceiling-server.mjs --port <p> [--host 127.0.0.1]`.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { cannedResponses } from "./workload.mjs";

/** The request bodies the ceiling accepts before it answers 413; the workload's are far smaller. Bytes. */
const maxBodyBytes = 64 * 1024;
const targetPrefix = "DynamoDB_20120810.";

const { values } = parseArgs({
  options: { port: { type: "string" }, host: { type: "string", default: "127.0.0.1" } },
  strict: true,
});
if (values.port === undefined || !/^\d+$/.test(values.port)) {
  process.stderr.write("ceiling: --port <number> is required\n");
  process.exit(2);
}

const bodies = new Map(
  Object.entries(cannedResponses()).map(([operation, body]) => [
    `${targetPrefix}${operation}`,
    Buffer.from(JSON.stringify(body)),
  ]),
);
const unknownOperation = Buffer.from(
  JSON.stringify({
    __type: "com.amazon.coral.service#UnknownOperationException",
    message: "Unknown operation",
  }),
);

function answer(response, status, body) {
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": body.length,
    "x-amzn-requestid": "ceiling",
  });
  response.end(body);
}

const server = createServer((request, response) => {
  let receivedBytes = 0;
  request.on("data", (chunk) => {
    receivedBytes += chunk.length;
    if (receivedBytes > maxBodyBytes) request.destroy();
  });
  request.on("end", () => {
    const body = bodies.get(request.headers["x-amz-target"]);
    if (body === undefined) answer(response, 400, unknownOperation);
    else answer(response, 200, body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`ceiling: listening on http://${values.host}:${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

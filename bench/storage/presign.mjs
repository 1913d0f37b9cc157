/**
 * Pre-signed requests for wrk. The AWS SDK signs each request of the workload exactly as it would send
 * it, but a capturing request handler keeps the signed HTTP request instead of sending it. Signatures
 * embed X-Amz-Date and servers accept 15 minutes of clock skew, so requests are signed right before
 * each wrk run. A few of them are then sent once and their answers checked, so that wrk never measures
 * a server busy rejecting requests.
 */
import { request as httpRequest } from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { benchCredentials, commandClasses, region } from "./sdk-client.mjs";
import { operationRequest, unexpectedOutput } from "./workload.mjs";

/** Pre-signed requests that are sent once and checked before wrk replays them all. */
const checkedRequestCount = 3;
/** How long one checking request may take. Milliseconds. */
const checkTimeoutMs = 5_000;
/** The largest checking response read. Bytes. */
const maxCheckedResponseBytes = 1024 * 1024;

class CapturedRequest extends Error {
  constructor(request) {
    super("captured");
    this.request = request;
  }
}

/** The first `count` requests of `operation` as signed { path, headers, body } for `endpoint`. */
export async function presignRequests(endpoint, operation, count, credentials = benchCredentials) {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request) => {
        throw new CapturedRequest(request);
      },
    },
  });
  const signed = [];
  try {
    for (let n = 0; n < count; n++) {
      const { command, input } = operationRequest(operation, n);
      try {
        await client.send(new commandClasses[command](input));
        throw new Error("the capturing request handler was bypassed");
      } catch (error) {
        if (!(error instanceof CapturedRequest)) throw error;
        const { path, headers, body } = error.request;
        signed.push({ path, headers: { ...headers }, body: bodyText(body) });
      }
    }
  } finally {
    client.destroy();
  }
  return signed;
}

/** The SDK hands the serialized body over as bytes (or, in older versions, a string). */
function bodyText(body) {
  if (typeof body === "string") return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
}

/** `signed` as the bytes of a raw HTTP/1.1 request. */
export function rawHttpRequest({ path, headers, body }) {
  const lines = [`POST ${path} HTTP/1.1`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Sends a few of `signed` to `endpoint` and throws unless each is answered as the workload expects. */
export async function checkPresignedRequests(endpoint, operation, signed) {
  const step = Math.max(1, Math.floor(signed.length / checkedRequestCount));
  for (let i = 0; i < signed.length && i < step * checkedRequestCount; i += step) {
    const { status, body } = await send(endpoint, signed[i]);
    if (status !== 200) throw new Error(`pre-signed ${operation} answered ${status}: ${body.slice(0, 300)}`);
    const problem = unexpectedOutput(operation, JSON.parse(body));
    if (problem !== undefined) throw new Error(`pre-signed ${operation}: ${problem}`);
  }
}

function send(endpoint, { path, headers, body }) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, endpoint), {
      method: "POST",
      headers,
      timeout: checkTimeoutMs,
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${checkTimeoutMs} ms`)));
    request.on("error", reject);
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        text += chunk;
        if (text.length > maxCheckedResponseBytes) response.destroy(new Error("response too large"));
      });
      response.on("error", reject);
      response.on("end", () => resolve({ status: response.statusCode, body: text }));
    });
    request.end(body);
  });
}

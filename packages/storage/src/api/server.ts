/**
 * The storage service's HTTP front door: DynamoDB's JSON 1.0 protocol on `POST /`, plus `GET /healthz`
 * and `GET /metrics`. Built on node:http rather than a framework because every microsecond of this path
 * is paid on every storage call of the platform.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";
import { StorageEngine } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import { StorageMetrics } from "./metrics.js";
import { type OperationName, operations } from "./operations/index.js";
import { RequestIds } from "./request-ids.js";
import { SerializedOutput } from "./serialized-output.js";
import { type Credentials, DEFAULT_CREDENTIALS, SignatureVerifier } from "./sigv4.js";

/** DynamoDB's own cap on a request body (BatchWriteItem may carry 16 MB). */
export const maxRequestBytes = 16 * 1024 * 1024;
/** Time allowed for in-flight requests to finish at shutdown before connections are cut. */
export const defaultDrainTimeoutMs = 10_000;

const targetPrefix = "DynamoDB_20120810.";
const errorTypePrefix = "com.amazonaws.dynamodb.v20120810#";
const jsonContentType = "application/x-amz-json-1.0";

export interface StorageServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to bind. Default "127.0.0.1". */
  host?: string;
  /** Folder for the store's files (created when missing). */
  dataDir: string;
  /** Access keys whose SigV4 signatures are accepted. Default: `[DEFAULT_CREDENTIALS]`. */
  credentials?: Credentials[];
  /** Partitions a new table starts with. Default 4. */
  initialPartitionsPerTable?: number;
}

export interface StorageServer {
  url: string;
  port: number;
  engine: StorageEngine;
  close(drainTimeoutMs?: number): Promise<void>;
}

/** Raised by `readRequestBody` on a body larger than `maxRequestBytes`. */
export class RequestTooLargeError extends Error {
  readonly code = "REQUEST_TOO_LARGE";
  override readonly name = "RequestTooLargeError";

  constructor() {
    super(`Request body exceeds ${maxRequestBytes} bytes.`);
  }
}

/**
 * Collects a DynamoDB API request's body and calls `done` once: with the body, or with a
 * `RequestTooLargeError` for a body over `maxRequestBytes` (declared or sent), or with the stream's
 * error. A callback rather than a promise, so that a request is answered in the same tick as its body
 * ends.
 */
function collectRequestBody(
  request: IncomingMessage,
  done: (error: Error | undefined, body: Buffer) => void,
) {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > maxRequestBytes) {
    done(new RequestTooLargeError(), emptyBody);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: Error | undefined, body: Buffer) => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  const collect = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxRequestBytes) {
      chunks.push(chunk);
      return;
    }
    // Stop keeping the body but leave the connection up, so the client can read the 413 first.
    request.off("data", collect);
    chunks.length = 0;
    finish(new RequestTooLargeError(), emptyBody);
  };
  request.on("data", collect);
  request.on("end", () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  request.on("error", (error) => finish(error, emptyBody));
}

const emptyBody = Buffer.alloc(0);

/**
 * Reads a DynamoDB API request's body, refusing one over `maxRequestBytes` (declared or sent) with a
 * `RequestTooLargeError`.
 */
export function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    collectRequestBody(request, (error, body) => (error ? reject(error) : resolve(body)));
  });
}

/**
 * Answers with `body`. It stays a string all the way: node:http then sends head and body in one write,
 * where a Buffer body would take a second write (a `writev`) per response.
 */
function send(
  response: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  contentType: string,
) {
  response.writeHead(status, [
    "content-type",
    contentType,
    "content-length",
    Buffer.byteLength(body),
    "x-amzn-requestid",
    requestId,
    "x-amz-crc32",
    crc32(body),
  ]);
  response.end(body);
}

function sendError(response: ServerResponse, error: DynamoError, requestId: string) {
  const body: Record<string, unknown> = { __type: errorTypePrefix + error.type, message: error.message };
  if (error.extra) Object.assign(body, error.extra);
  send(response, error.status, JSON.stringify(body), requestId, jsonContentType);
}

/** What one API request is, for its metrics: known once its target and body have been read. */
interface ApiCall {
  operation: string;
  table: string;
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}

/** Opens the store in `dataDir` and serves it on `port`. */
export async function startStorageServer(options: StorageServerOptions): Promise<StorageServer> {
  const engine = await StorageEngine.open({
    dataDir: options.dataDir,
    initialPartitionsPerTable: options.initialPartitionsPerTable ?? 4,
  });
  const verifier = new SignatureVerifier(options.credentials ?? [DEFAULT_CREDENTIALS]);
  const metrics = new StorageMetrics(engine);
  const context = { engine, metrics };
  const requestIds = new RequestIds();
  let shuttingDown = false;

  /**
   * Checks the signature, parses the body and runs the operation. Throws what the client should get;
   * returns the operation's output, or the promise of it for an operation that waits (a write).
   */
  function runApiCall(request: IncomingMessage, body: Buffer, call: ApiCall): unknown {
    const target = String(request.headers["x-amz-target"] ?? "");
    verifier.verify(request.method ?? "POST", request.url ?? "/", request.headers, body);
    if (!target.startsWith(targetPrefix) || !Object.hasOwn(operations, target.slice(targetPrefix.length))) {
      throw new DynamoError("UnknownOperationException", "An unknown operation was requested.");
    }
    const operation = target.slice(targetPrefix.length) as OperationName;
    call.operation = operation;
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch {
      throw new DynamoError("SerializationException", "The request body is not valid JSON.");
    }
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new DynamoError("SerializationException", "The request body must be a JSON object.");
    }
    const record = input as Record<string, unknown>;
    if (typeof record.TableName === "string") call.table = record.TableName;
    return operations[operation](context, record);
  }

  function answerOutput(
    response: ServerResponse,
    requestId: string,
    call: ApiCall,
    startedAtMs: number,
    output: unknown,
  ) {
    let body: string;
    try {
      body = output instanceof SerializedOutput ? output.json : JSON.stringify(output);
    } catch (error) {
      answerFailure(response, requestId, call, startedAtMs, error);
      return;
    }
    send(response, 200, body, requestId, jsonContentType);
    metrics.observe(call.operation, call.table, "ok", (performance.now() - startedAtMs) / 1000);
  }

  function answerFailure(
    response: ServerResponse,
    requestId: string,
    call: ApiCall,
    startedAtMs: number,
    error: unknown,
  ) {
    let outcome: string;
    if (error instanceof RequestTooLargeError) {
      outcome = "RequestTooLarge";
      // The rest of the body is never read: the connection closes once the answer is sent.
      response.setHeader("connection", "close");
      sendError(response, new DynamoError("RequestTooLarge", error.message, 413), requestId);
    } else if (error instanceof DynamoError) {
      outcome = error.type;
      sendError(response, error, requestId);
    } else {
      outcome = "InternalServerError";
      const entry = { level: "error", requestId, operation: call.operation, error: String(error) };
      console.error(JSON.stringify(entry));
      sendError(response, new DynamoError("InternalServerError", "Internal server error", 500), requestId);
    }
    metrics.observe(call.operation, call.table, outcome, (performance.now() - startedAtMs) / 1000);
  }

  function handleApi(request: IncomingMessage, response: ServerResponse, requestId: string) {
    const startedAtMs = performance.now();
    const call: ApiCall = { operation: "unknown", table: "" };
    collectRequestBody(request, (error, body) => {
      if (error) {
        answerFailure(response, requestId, call, startedAtMs, error);
        return;
      }
      let output: unknown;
      try {
        output = runApiCall(request, body, call);
      } catch (failure) {
        answerFailure(response, requestId, call, startedAtMs, failure);
        return;
      }
      if (isPromise(output)) {
        output.then(
          (value) => answerOutput(response, requestId, call, startedAtMs, value),
          (failure) => answerFailure(response, requestId, call, startedAtMs, failure),
        );
      } else {
        answerOutput(response, requestId, call, startedAtMs, output);
      }
    });
  }

  const server: Server = createServer((request, response) => {
    const requestId = requestIds.next();
    if (shuttingDown) response.setHeader("connection", "close");
    if (request.method === "POST" && (request.url === "/" || request.url?.startsWith("/?"))) {
      handleApi(request, response, requestId);
      return;
    }
    if (request.method === "GET" && request.url === "/healthz") {
      send(response, 200, JSON.stringify({ status: "ok" }), requestId, "application/json");
      return;
    }
    if (request.method === "GET" && request.url === "/metrics") {
      metrics.render().then(
        (text) => send(response, 200, text, requestId, metrics.contentType),
        (error) => send(response, 500, String(error), requestId, "text/plain"),
      );
      return;
    }
    send(
      response,
      404,
      JSON.stringify({
        error: { code: "NOT_FOUND", message: `No route for ${request.method} ${request.url}.` },
      }),
      requestId,
      "application/json",
    );
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    engine,
    async close(drainTimeoutMs = defaultDrainTimeoutMs) {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
      await closed;
      clearTimeout(timer);
      await engine.close();
    },
  };
}

/**
 * The storage service's HTTP front door: DynamoDB's JSON 1.0 protocol on `POST /`, plus `GET /healthz`
 * and `GET /metrics`. Built on our own lean HTTP/1.1 layer (src/http/) rather than node:http or a
 * framework because every microsecond of this path is paid on every storage call of the platform.
 */
import { crc32 } from "node:zlib";
import { StorageEngine } from "../engine/index.js";
import { DynamoError } from "../errors.js";
import type { HttpProtocolError } from "../http/errors.js";
import { type Exchange, Http1Server } from "../http/http1-server.js";
import type { ParsedRequest } from "../http/request-parser.js";
import { StorageMetrics } from "./metrics.js";
import { type OperationName, operations } from "./operations/index.js";
import { RequestIds } from "./request-ids.js";
import { SerializedOutput } from "./serialized-output.js";
import { type Credentials, DEFAULT_CREDENTIALS, SignatureVerifier } from "./sigv4.js";

/** DynamoDB's own cap on a request body (BatchWriteItem may carry 16 MB). */
export const maxRequestBytes = 16 * 1024 * 1024;
/** Time allowed for in-flight requests to finish at shutdown before connections are cut. */
export const defaultDrainTimeoutMs = 10_000;
/** An idle keep-alive connection is closed after this long (above common client pools' idle timeouts). */
const keepAliveTimeoutMs = 65_000;

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

function send(exchange: Exchange, status: number, body: string, requestId: string, contentType: string) {
  exchange.respond(
    status,
    `content-type: ${contentType}\r\nx-amzn-requestid: ${requestId}\r\nx-amz-crc32: ${crc32(body)}\r\n`,
    body,
  );
}

function errorBody(error: DynamoError): string {
  const body: Record<string, unknown> = { __type: errorTypePrefix + error.type, message: error.message };
  if (error.extra) Object.assign(body, error.extra);
  return JSON.stringify(body);
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

  /**
   * Checks the signature, parses the body and runs the operation. Throws what the client should get;
   * returns the operation's output, or the promise of it for an operation that waits (a write).
   */
  function runApiCall(request: ParsedRequest, call: ApiCall): unknown {
    const body = request.body;
    const target = request.headers["x-amz-target"] ?? "";
    verifier.verify(request.method, request.url, request.headers, body);
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
    exchange: Exchange,
    requestId: string,
    call: ApiCall,
    startedAtMs: number,
    output: unknown,
  ) {
    let body: string;
    try {
      body = output instanceof SerializedOutput ? output.json : JSON.stringify(output);
    } catch (error) {
      answerFailure(exchange, requestId, call, startedAtMs, error);
      return;
    }
    send(exchange, 200, body, requestId, jsonContentType);
    metrics.observe(call.operation, call.table, "ok", (performance.now() - startedAtMs) / 1000);
  }

  function answerFailure(
    exchange: Exchange,
    requestId: string,
    call: ApiCall,
    startedAtMs: number,
    error: unknown,
  ) {
    let outcome: string;
    let answer: DynamoError;
    if (error instanceof DynamoError) {
      outcome = error.type;
      answer = error;
    } else {
      outcome = "InternalServerError";
      const entry = { level: "error", requestId, operation: call.operation, error: String(error) };
      console.error(JSON.stringify(entry));
      answer = new DynamoError("InternalServerError", "Internal server error", 500);
    }
    send(exchange, answer.status, errorBody(answer), requestId, jsonContentType);
    metrics.observe(call.operation, call.table, outcome, (performance.now() - startedAtMs) / 1000);
  }

  function handleApi(request: ParsedRequest, exchange: Exchange, requestId: string) {
    const startedAtMs = performance.now();
    const call: ApiCall = { operation: "unknown", table: "" };
    let output: unknown;
    try {
      output = runApiCall(request, call);
    } catch (failure) {
      answerFailure(exchange, requestId, call, startedAtMs, failure);
      return;
    }
    if (isPromise(output)) {
      output.then(
        (value) => answerOutput(exchange, requestId, call, startedAtMs, value),
        (failure) => answerFailure(exchange, requestId, call, startedAtMs, failure),
      );
    } else {
      answerOutput(exchange, requestId, call, startedAtMs, output);
    }
  }

  function handle(request: ParsedRequest, exchange: Exchange) {
    const requestId = requestIds.next();
    const { method, url } = request;
    if (method === "POST" && (url === "/" || url.startsWith("/?"))) {
      handleApi(request, exchange, requestId);
      return;
    }
    const isRead = method === "GET" || method === "HEAD";
    if (isRead && url === "/healthz") {
      send(exchange, 200, JSON.stringify({ status: "ok" }), requestId, "application/json");
      return;
    }
    if (isRead && url === "/metrics") {
      metrics.render().then(
        (text) => send(exchange, 200, text, requestId, metrics.contentType),
        (error) => send(exchange, 500, String(error), requestId, "text/plain"),
      );
      return;
    }
    const message = `No route for ${method} ${url}.`;
    send(
      exchange,
      404,
      JSON.stringify({ error: { code: "NOT_FOUND", message } }),
      requestId,
      "application/json",
    );
  }

  /** A request the HTTP layer refuses: a body over the bound is DynamoDB's error, the rest plain HTTP ones. */
  function refuse(error: HttpProtocolError) {
    const requestId = requestIds.next();
    let body: string;
    let contentType = "application/json";
    if (error.code === "REQUEST_TOO_LARGE") {
      metrics.observe("unknown", "", "RequestTooLarge", 0);
      body = errorBody(new DynamoError("RequestTooLarge", error.message, 413));
      contentType = jsonContentType;
    } else {
      body = JSON.stringify({ error: { code: error.code, message: error.message } });
    }
    return {
      headerLines: `content-type: ${contentType}\r\nx-amzn-requestid: ${requestId}\r\nx-amz-crc32: ${crc32(body)}\r\n`,
      body,
    };
  }

  const server = new Http1Server({ handle, refuse }, { maxBodyBytes: maxRequestBytes, keepAliveTimeoutMs });
  const address = await server.listen(options.port, options.host ?? "127.0.0.1");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    engine,
    async close(drainTimeoutMs = defaultDrainTimeoutMs) {
      await server.close(drainTimeoutMs);
      await engine.close();
    },
  };
}

/**
 * The HTTP/1.1 client of node-to-node calls: `requestNode` sends one request over a `NodeConnections`
 * pool of kept-alive sockets and reads the answer with a parser of its own. The callers are the
 * router and the storage nodes, and the server is always a storage node's internal API (on the
 * store's own HTTP/1.1 server), so the client needs only what that server sends (a status line, headers, a body sized by
 * `content-length`, by chunks, or by the end of the connection) — and it skips the per-request
 * machinery of `node:http`'s client (outgoing and incoming message streams, header validation, agent
 * events), which cost a router several times the CPU of its own work per forwarded request. Bounded by
 * a socket timeout rather than a per-request timer or abort signal.
 */
import { connect, type Socket } from "node:net";

/** Raised when a node request's socket stays silent for the request's `timeoutMs`. */
export class NodeRequestTimeoutError extends Error {
  readonly code = "NODE_REQUEST_TIMEOUT";
  override readonly name = "NodeRequestTimeoutError";
}

/** Raised when a node's answer is larger than the request's `maxResponseBytes`. */
export class NodeResponseTooLargeError extends Error {
  readonly code = "NODE_RESPONSE_TOO_LARGE";
  override readonly name = "NodeResponseTooLargeError";
}

/** Raised when a node's answer is not HTTP/1.1 this client can read, or the connection ends inside it. */
export class NodeResponseError extends Error {
  readonly code = "NODE_RESPONSE_INVALID";
  override readonly name = "NodeResponseError";
}

/** Where a node's internal API listens, parsed once from its base URL. */
export interface NodeAddress {
  hostname: string;
  port: number;
  /** The base URL's path, without a trailing slash ("" for most). */
  basePath: string;
}

export function nodeAddress(baseUrl: string): NodeAddress {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:") throw new RangeError(`a node URL must be http://, got ${baseUrl}`);
  return {
    // A bracketed IPv6 literal is given to the socket without its brackets.
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? 80 : Number(url.port),
    basePath: url.pathname.replace(/\/$/, ""),
  };
}

export interface NodeRequestOptions {
  method: "GET" | "POST";
  path: string;
  /** Header names in lower case; `host` and `content-length` are set by the client. */
  headers?: Record<string, string>;
  body?: string;
  /** Time the socket may stay silent (connecting, or waiting for the answer) before the request fails. */
  timeoutMs: number;
  /** Largest answer accepted. Default `defaultMaxNodeResponseBytes`. */
  maxResponseBytes?: number;
}

export interface NodeResponse {
  status: number;
  body: string;
}

/** A node request in flight: its answer, and a way to give up on it. */
export interface InFlightNodeRequest {
  readonly answer: Promise<NodeResponse>;
  /** Fails the request with `error` (its socket is destroyed, never reused). No-op once answered. */
  abort(error: Error): void;
}

/** The default bound on a node's answer: as large as an internal body may be. */
export const defaultMaxNodeResponseBytes = 256 * 1024 * 1024;
/** Largest status line plus headers accepted from a node. */
const maxResponseHeadBytes = 64 * 1024;

export interface NodeConnectionsOptions {
  /** Sockets open at once to one node; further requests wait, in order, for one to be free. */
  maxConnectionsPerNode: number;
}

/** A request waiting for a socket, or using one. */
interface Exchange {
  address: NodeAddress;
  head: string;
  body: Buffer | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
  resolve: (response: NodeResponse) => void;
  reject: (error: Error) => void;
  settled: boolean;
  socket: Socket | undefined;
}

/** The sockets to one node: idle ones, how many are open, and the requests waiting for one. */
interface NodePool {
  idle: Socket[];
  /** Every socket open to the node, idle or carrying a request. */
  open: Set<Socket>;
  /** Bounded by the callers' own concurrency: each waits for its answer before sending more. */
  waiting: Exchange[];
}

/**
 * Kept-alive sockets to storage nodes, at most `maxConnectionsPerNode` to each, one request at a time
 * per socket (no pipelining: a slow answer never holds up another).
 */
export class NodeConnections {
  readonly #maxConnectionsPerNode: number;
  readonly #pools = new Map<string, NodePool>();
  #destroyed = false;

  constructor(options: NodeConnectionsOptions) {
    if (!Number.isInteger(options.maxConnectionsPerNode) || options.maxConnectionsPerNode < 1) {
      throw new RangeError(
        `maxConnectionsPerNode must be a positive integer, got ${options.maxConnectionsPerNode}`,
      );
    }
    this.#maxConnectionsPerNode = options.maxConnectionsPerNode;
  }

  /** Closes every socket; requests in flight or waiting fail. */
  destroy(): void {
    this.#destroyed = true;
    for (const pool of this.#pools.values()) {
      // A socket carrying a request fails it as it closes.
      for (const socket of pool.open) socket.destroy();
      pool.idle = [];
      for (const exchange of pool.waiting.splice(0)) fail(exchange, new Error("the connections were closed"));
    }
  }

  /** Sends `exchange` on a free socket to its node, opening one if the bound allows, else queues it. */
  start(exchange: Exchange): void {
    if (this.#destroyed) {
      fail(exchange, new Error("the connections were closed"));
      return;
    }
    const pool = this.#pool(exchange.address);
    const socket = pool.idle.pop();
    if (socket !== undefined) {
      this.#send(pool, socket, exchange);
    } else if (pool.open.size < this.#maxConnectionsPerNode) {
      const fresh = connect({ host: exchange.address.hostname, port: exchange.address.port });
      fresh.setNoDelay(true);
      pool.open.add(fresh);
      fresh.once("close", () => {
        pool.open.delete(fresh);
        const at = pool.idle.indexOf(fresh);
        if (at >= 0) pool.idle.splice(at, 1);
        this.#next(pool);
      });
      // An idle socket's error (the node closed it) only removes it; a busy one's fails its request.
      fresh.on("error", () => undefined);
      this.#send(pool, fresh, exchange);
    } else {
      pool.waiting.push(exchange);
    }
  }

  #pool(address: NodeAddress): NodePool {
    const key = `${address.hostname}:${address.port}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = { idle: [], open: new Set(), waiting: [] };
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Hands the socket freed by an answer to the next waiting request, or keeps it idle. */
  #release(pool: NodePool, socket: Socket): void {
    if (this.#destroyed) {
      socket.destroy();
      return;
    }
    const next = pool.waiting.shift();
    if (next !== undefined) this.#send(pool, socket, next);
    else pool.idle.push(socket);
  }

  /** After a socket closed: a waiting request may open a new one. */
  #next(pool: NodePool): void {
    const next = pool.waiting.shift();
    if (next !== undefined) this.start(next);
  }

  #send(pool: NodePool, socket: Socket, exchange: Exchange): void {
    if (exchange.settled) {
      this.#release(pool, socket);
      return;
    }
    exchange.socket = socket;
    const reader = new ResponseReader(exchange.maxResponseBytes, exchange.address.hostname);
    const cleanUp = () => {
      socket.setTimeout(0);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onClose);
      socket.off("error", onError);
      socket.off("timeout", onTimeout);
    };
    const finish = (response: NodeResponse, keep: boolean) => {
      cleanUp();
      exchange.socket = undefined;
      if (exchange.settled) {
        socket.destroy();
        return;
      }
      exchange.settled = true;
      exchange.resolve(response);
      if (keep) this.#release(pool, socket);
      else socket.destroy();
    };
    const abandon = (error: Error) => {
      cleanUp();
      exchange.socket = undefined;
      socket.destroy();
      fail(exchange, error);
    };
    const onData = (chunk: Buffer) => {
      let outcome: ReadOutcome;
      try {
        outcome = reader.push(chunk);
      } catch (error) {
        abandon(error as Error);
        return;
      }
      if (outcome !== undefined) finish(outcome.response, outcome.keepAlive);
    };
    const onEnd = () => {
      const response = reader.end();
      if (response === undefined)
        abandon(new NodeResponseError("the node closed the connection before answering"));
      else finish(response, false);
    };
    const onClose = () => abandon(new NodeResponseError("the node's answer was cut short"));
    const onError = (error: Error) => abandon(error);
    const onTimeout = () => abandon(new NodeRequestTimeoutError(`no answer within ${exchange.timeoutMs} ms`));
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onClose);
    socket.once("error", onError);
    socket.once("timeout", onTimeout);
    socket.setTimeout(exchange.timeoutMs);
    if (exchange.body === undefined) socket.write(exchange.head);
    else {
      socket.cork();
      socket.write(exchange.head);
      socket.write(exchange.body);
      socket.uncork();
    }
  }
}

function fail(exchange: Exchange, error: Error): void {
  if (exchange.settled) return;
  exchange.settled = true;
  exchange.reject(error);
}

type ReadOutcome = { response: NodeResponse; keepAlive: boolean } | undefined;

/**
 * Reads one HTTP/1.1 answer from the bytes of a socket: the status line and headers, then a body
 * sized by `content-length`, sent in chunks, or (neither given) running to the end of the connection.
 */
class ResponseReader {
  readonly #maxResponseBytes: number;
  readonly #node: string;
  #buffered: Buffer[] = [];
  #bufferedBytes = 0;
  #status = 0;
  #keepAlive = true;
  /** After the head: the body's length, "chunked", or "to-end" (until the connection closes). */
  #framing: number | "chunked" | "to-end" | undefined;

  constructor(maxResponseBytes: number, node: string) {
    this.#maxResponseBytes = maxResponseBytes;
    this.#node = node;
  }

  /** Takes the next bytes; returns the answer once it is complete (bytes past it are not expected). */
  push(chunk: Buffer): ReadOutcome {
    this.#buffered.push(chunk);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes > this.#maxResponseBytes + maxResponseHeadBytes) {
      throw new NodeResponseTooLargeError(`a node answered over ${this.#maxResponseBytes} bytes`);
    }
    if (this.#framing === undefined && !this.#readHead()) return undefined;
    return this.#readBody();
  }

  /** The connection ended: the answer, if it was complete or ran to the end. */
  end(): NodeResponse | undefined {
    if (this.#framing !== "to-end") return undefined;
    return { status: this.#status, body: this.#bytes().toString("utf8") };
  }

  #bytes(): Buffer {
    if (this.#buffered.length !== 1) this.#buffered = [Buffer.concat(this.#buffered, this.#bufferedBytes)];
    return this.#buffered[0]!;
  }

  #consume(count: number): void {
    const rest = this.#bytes().subarray(count);
    this.#buffered = [rest];
    this.#bufferedBytes = rest.length;
  }

  #readHead(): boolean {
    const bytes = this.#bytes();
    const end = bytes.indexOf("\r\n\r\n");
    if (end < 0) {
      if (bytes.length > maxResponseHeadBytes) {
        throw new NodeResponseError(`node ${this.#node} sent a head over ${maxResponseHeadBytes} bytes`);
      }
      return false;
    }
    const lines = bytes.toString("latin1", 0, end).split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? "");
    if (statusLine === null) throw new NodeResponseError(`node ${this.#node} sent no HTTP status line`);
    this.#status = Number(statusLine[2]);
    this.#keepAlive = statusLine[1] === "1";
    let length: number | undefined;
    let chunked = false;
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!;
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === "content-length") {
        length = Number(value);
        if (!Number.isSafeInteger(length) || length < 0) {
          throw new NodeResponseError(`node ${this.#node} sent content-length ${value}`);
        }
      } else if (name === "transfer-encoding") chunked = value.endsWith("chunked");
      else if (name === "connection") this.#keepAlive = value !== "close";
    }
    this.#consume(end + 4);
    const bodiless = this.#status === 204 || this.#status === 304 || this.#status < 200;
    if (chunked) this.#framing = "chunked";
    else if (length !== undefined) this.#framing = length;
    else if (bodiless) this.#framing = 0;
    else {
      this.#framing = "to-end";
      this.#keepAlive = false;
    }
    if (typeof this.#framing === "number" && this.#framing > this.#maxResponseBytes) {
      throw new NodeResponseTooLargeError(`a node answered over ${this.#maxResponseBytes} bytes`);
    }
    return true;
  }

  #readBody(): ReadOutcome {
    const framing = this.#framing;
    if (framing === "to-end") {
      if (this.#bufferedBytes > this.#maxResponseBytes) {
        throw new NodeResponseTooLargeError(`a node answered over ${this.#maxResponseBytes} bytes`);
      }
      return undefined;
    }
    if (typeof framing === "number") {
      if (this.#bufferedBytes < framing) return undefined;
      const body = this.#bytes().toString("utf8", 0, framing);
      return { response: { status: this.#status, body }, keepAlive: this.#keepAlive };
    }
    return this.#readChunks();
  }

  /** A chunked body: complete once the last (empty) chunk and its trailer have arrived. */
  #readChunks(): ReadOutcome {
    const bytes = this.#bytes();
    const parts: Buffer[] = [];
    let size = 0;
    let at = 0;
    for (;;) {
      const lineEnd = bytes.indexOf("\r\n", at);
      if (lineEnd < 0) return undefined;
      const chunkBytes = Number.parseInt(bytes.toString("latin1", at, lineEnd), 16);
      if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 0) {
        throw new NodeResponseError(`node ${this.#node} sent a malformed chunk`);
      }
      if (chunkBytes === 0) {
        // The last chunk's line, then trailer lines (none from our nodes), then an empty line.
        if (bytes.indexOf("\r\n\r\n", lineEnd) < 0) return undefined;
        const body = Buffer.concat(parts, size).toString("utf8");
        return { response: { status: this.#status, body }, keepAlive: this.#keepAlive };
      }
      const dataStart = lineEnd + 2;
      if (bytes.length < dataStart + chunkBytes + 2) return undefined;
      size += chunkBytes;
      if (size > this.#maxResponseBytes) {
        throw new NodeResponseTooLargeError(`a node answered over ${this.#maxResponseBytes} bytes`);
      }
      parts.push(bytes.subarray(dataStart, dataStart + chunkBytes));
      at = dataStart + chunkBytes + 2;
    }
  }
}

/**
 * Sends one request to a node over `connections`. Connection errors reject with the socket's own
 * error (its `code`, e.g. ECONNREFUSED, tells whether the request can have been sent).
 */
export function requestNode(
  connections: NodeConnections,
  address: NodeAddress,
  options: NodeRequestOptions,
): InFlightNodeRequest {
  let exchange: Exchange | undefined;
  const answer = new Promise<NodeResponse>((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
    let head = `${options.method} ${address.basePath}${options.path} HTTP/1.1\r\nhost: ${host}:${address.port}\r\n`;
    for (const name in options.headers) head += `${name}: ${options.headers[name]}\r\n`;
    head += `content-length: ${body?.length ?? 0}\r\n\r\n`;
    exchange = {
      address,
      head,
      body,
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes ?? defaultMaxNodeResponseBytes,
      resolve,
      reject,
      settled: false,
      socket: undefined,
    };
  });
  connections.start(exchange!);
  return {
    answer,
    abort(error: Error) {
      if (exchange === undefined || exchange.settled) return;
      fail(exchange, error);
      exchange.socket?.destroy();
    },
  };
}

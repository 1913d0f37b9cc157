/**
 * A lean HTTP/1.1 server on `node:net` for request/response APIs with small string answers: keep-alive,
 * pipelining (answered in order, one request in flight per connection), Content-Length and chunked
 * request bodies, `Expect: 100-continue`, bounds on every buffer and wait, and graceful close. It gives
 * the handler a plain request (method, target, lower-case headers, whole body) and writes each answer as
 * one string (head and body in one socket write), without node:http's per-request stream objects.
 */
import { STATUS_CODES } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { HttpProtocolError } from "./errors.js";
import { type ParsedRequest, RequestParser, type RequestParserLimits } from "./request-parser.js";

export interface Http1ServerOptions extends Partial<RequestParserLimits> {
  /** Header bytes of one request. Default 16384 (node:http's). `maxHeaderCount` default 100. */
  maxHeaderBytes?: number;
  /**
   * Parsed requests that may wait behind the one in flight on a connection; reading pauses at the bound
   * (and while the client leaves our answers unread). Default 32.
   */
  maxPipelinedRequests?: number;
  /** An idle keep-alive connection is closed after this long. Milliseconds. Default 65000. */
  keepAliveTimeoutMs?: number;
  /** A request's head must arrive within this long of its first byte, or 408. Milliseconds. Default 60000. */
  headersTimeoutMs?: number;
  /** A whole request must arrive within this long of its first byte, or 408. Milliseconds. Default 300000. */
  requestTimeoutMs?: number;
  /**
   * Another protocol on the same port: a connection whose first bytes are `preface` is handed to
   * `accept` (with what followed the preface) and is no longer this server's, except that `close`
   * destroys it once the drain time is up.
   */
  upgrade?: { preface: Buffer; accept: (socket: Socket, rest: Buffer) => void };
}

/** How a refused request is answered: the handler's own error shape for `error`. */
export interface RefusalAnswer {
  headerLines: string;
  body: string;
}

export interface Http1Handler {
  /** Answers `request` by calling `exchange.respond` exactly once, now or later. */
  handle(request: ParsedRequest, exchange: Exchange): void;
  /** The answer to a request the HTTP layer refuses; the connection closes after it. */
  refuse(error: HttpProtocolError): RefusalAnswer;
}

/** The one request in flight on a connection, and the way to answer it. */
export interface Exchange {
  /**
   * Sends the answer. `headerLines` are extra `name: value\r\n` lines; Content-Length, Date and
   * Connection are added here. HEAD requests get the head only.
   */
  respond(status: number, headerLines: string, body: string): void;
}

const defaultMaxHeaderBytes = 16 * 1024;
const defaultMaxHeaderCount = 100;
const defaultMaxBodyBytes = 1024 * 1024;
const defaultMaxPipelinedRequests = 32;
const defaultKeepAliveTimeoutMs = 65_000;
const defaultHeadersTimeoutMs = 60_000;
const defaultRequestTimeoutMs = 300_000;
/**
 * How long a connection being closed keeps reading (and dropping) what the client still sends, so that
 * the client reads our last answer rather than a reset. Milliseconds.
 */
const maxLingerMs = 5_000;
/** The timer that enforces the timeouts runs this often at most. Milliseconds. */
const maxTimeoutCheckIntervalMs = 1_000;
/** ...and this often at least, however short the timeouts. Milliseconds. */
const minTimeoutCheckIntervalMs = 10;

/** The Date header's value, rebuilt at most once a second. */
let dateText = "";
let dateSecond = -1;
function currentDate(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

class Connection implements Exchange {
  readonly #socket: Socket;
  readonly #server: Http1Server;
  readonly #parser: RequestParser;
  readonly #waiting: ParsedRequest[] = [];
  #inFlight: ParsedRequest | undefined;
  /** A refusal to send once the requests before it are answered. */
  #refusal: HttpProtocolError | undefined;
  #paused = false;
  /** Set while the client is not reading our answers: no next request starts until they drain. */
  #awaitingDrain = false;
  #closed = false;
  #partialSinceMs = 0;
  /** The first bytes, held while they may still turn out to be the upgrade's preface. */
  #sniffed: Buffer | undefined;
  idleSinceMs = Date.now();

  constructor(socket: Socket, server: Http1Server) {
    this.#socket = socket;
    this.#server = server;
    this.#parser = new RequestParser(server.limits);
    if (server.upgrade !== undefined) this.#sniffed = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("error", () => this.destroy());
    socket.on("close", () => {
      this.#closed = true;
      server.forget(this);
    });
    socket.on("end", () => this.#endReceived());
  }

  get idle(): boolean {
    return this.#inFlight === undefined && this.#waiting.length === 0 && !this.#parser.hasPartialRequest;
  }

  #receive(received: Buffer): void {
    if (this.#refusal !== undefined || this.#closed) return;
    let chunk = received;
    if (this.#sniffed !== undefined) {
      const { preface, accept } = this.#server.upgrade!;
      const bytes = Buffer.concat([this.#sniffed, chunk]);
      const compared = Math.min(bytes.length, preface.length);
      if (bytes.subarray(0, compared).equals(preface.subarray(0, compared))) {
        if (bytes.length < preface.length) {
          this.#sniffed = bytes;
          return;
        }
        this.#closed = true;
        this.#socket.removeAllListeners("data");
        this.#socket.removeAllListeners("end");
        this.#server.forget(this);
        this.#server.adopt(this.#socket);
        accept(this.#socket, bytes.subarray(preface.length));
        return;
      }
      this.#sniffed = undefined;
      chunk = bytes;
    }
    if (!this.#parser.hasPartialRequest) this.#partialSinceMs = Date.now();
    this.#parser.append(chunk);
    this.#pump();
  }

  /** The client has sent all it will: answer what is complete, then close. */
  #endReceived(): void {
    if (this.idle && !this.#closed) this.#finish();
  }

  /** Parses what it can into the waiting line, then starts the next request if none is in flight. */
  #pump(): void {
    while (this.#refusal === undefined && this.#waiting.length < this.#server.maxPipelinedRequests) {
      let request: ParsedRequest | undefined;
      try {
        request = this.#parser.next();
      } catch (error) {
        if (!(error instanceof HttpProtocolError)) throw error;
        this.#refusal = error;
        break;
      }
      if (request === undefined) break;
      this.#waiting.push(request);
      if (this.#parser.hasPartialRequest) this.#partialSinceMs = Date.now();
    }
    this.#setPaused(this.#waiting.length >= this.#server.maxPipelinedRequests);
    this.#startNext();
  }

  #setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) this.#socket.pause();
    else this.#socket.resume();
  }

  #startNext(): void {
    if (this.#inFlight !== undefined || this.#awaitingDrain || this.#closed) return;
    const request = this.#waiting.shift();
    if (request !== undefined) {
      this.#inFlight = request;
      if (this.#paused) this.#pump();
      this.#server.handler.handle(request, this);
      return;
    }
    if (this.#refusal !== undefined) {
      this.#sendRefusal(this.#refusal);
      return;
    }
    if (this.#parser.takeContinueExpectation()) this.#socket.write("HTTP/1.1 100 Continue\r\n\r\n");
    if (this.idle) {
      this.idleSinceMs = Date.now();
      if (this.#socket.readableEnded || this.#server.closing) this.#finish();
    }
  }

  respond(status: number, headerLines: string, body: string): void {
    const request = this.#inFlight;
    if (request === undefined || this.#closed) return;
    this.#inFlight = undefined;
    const keepAlive = request.keepAlive && !this.#server.closing;
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n${headerLines}content-length: ${Buffer.byteLength(body)}\r\ndate: ${currentDate()}\r\n${keepAlive ? this.#server.keepAliveLines : "connection: close\r\n"}\r\n`;
    const flushed = this.#socket.write(request.method === "HEAD" ? head : head + body);
    if (!keepAlive) {
      this.#finish();
      return;
    }
    if (!flushed) {
      // A client that pipelines without reading would otherwise make us buffer every answer.
      this.#awaitingDrain = true;
      this.#socket.once("drain", () => {
        this.#awaitingDrain = false;
        this.#pump();
      });
      return;
    }
    this.#startNext();
  }

  #sendRefusal(error: HttpProtocolError): void {
    const answer = this.#server.handler.refuse(error);
    const head = `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Unknown"}\r\n${answer.headerLines}content-length: ${Buffer.byteLength(answer.body)}\r\ndate: ${currentDate()}\r\nconnection: close\r\n\r\n`;
    this.#socket.write(head + answer.body);
    this.#finish();
  }

  /** Ends the connection after what has been written; the rest of what the client sends is dropped. */
  #finish(): void {
    this.#closed = true;
    this.#socket.end();
    this.#socket.resume();
    setTimeout(() => this.#socket.destroy(), maxLingerMs).unref();
  }

  /** Enforces the timeouts; called by the server's timer. */
  checkTimeouts(nowMs: number): void {
    if (this.#closed) return;
    if (this.idle) {
      if (nowMs - this.idleSinceMs > this.#server.keepAliveTimeoutMs) this.destroy();
      return;
    }
    // Only a request the server is waiting for can be late; one queued behind a busy server is not.
    if (this.#inFlight !== undefined || this.#waiting.length > 0 || this.#refusal !== undefined) return;
    const waitedMs = nowMs - this.#partialSinceMs;
    const late = this.#parser.headComplete
      ? waitedMs > this.#server.requestTimeoutMs
      : waitedMs > this.#server.headersTimeoutMs;
    if (late) {
      this.#refusal = new HttpProtocolError("REQUEST_TIMEOUT", "The request did not arrive in time.");
      this.#sendRefusal(this.#refusal);
    }
  }

  /** Closes after the request in flight, or now when there is none. */
  closeWhenIdle(): void {
    if (this.idle && !this.#closed) this.#finish();
  }

  destroy(): void {
    this.#closed = true;
    this.#socket.destroy();
  }
}

/** An HTTP/1.1 server for `handler`; `listen` it, then `close` it. */
export class Http1Server {
  readonly handler: Http1Handler;
  readonly limits: RequestParserLimits;
  readonly maxPipelinedRequests: number;
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveLines: string;
  closing = false;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  /** Connections handed to the upgrade's protocol. */
  readonly #adopted = new Set<Socket>();
  readonly upgrade: Http1ServerOptions["upgrade"];
  readonly #timer: NodeJS.Timeout;

  constructor(handler: Http1Handler, options: Http1ServerOptions = {}) {
    this.handler = handler;
    this.limits = {
      maxHeaderBytes: options.maxHeaderBytes ?? defaultMaxHeaderBytes,
      maxHeaderCount: options.maxHeaderCount ?? defaultMaxHeaderCount,
      maxBodyBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
    };
    this.maxPipelinedRequests = options.maxPipelinedRequests ?? defaultMaxPipelinedRequests;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? defaultKeepAliveTimeoutMs;
    this.headersTimeoutMs = options.headersTimeoutMs ?? defaultHeadersTimeoutMs;
    this.requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
    this.upgrade = options.upgrade;
    this.keepAliveLines = `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(this.keepAliveTimeoutMs / 1000)}\r\n`;
    this.#server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      if (this.closing) {
        socket.destroy();
        return;
      }
      this.#connections.add(new Connection(socket, this));
    });
    const shortestMs = Math.min(this.keepAliveTimeoutMs, this.headersTimeoutMs, this.requestTimeoutMs);
    const intervalMs = Math.max(
      minTimeoutCheckIntervalMs,
      Math.min(maxTimeoutCheckIntervalMs, shortestMs / 4),
    );
    this.#timer = setInterval(() => this.#checkTimeouts(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Listens on `port` (0 for a free one) and resolves with the bound address. `reusePort` lets other
   * processes listen on the same port (SO_REUSEPORT), the kernel spreading connections between them.
   */
  listen(
    port: number,
    host: string,
    options: { reusePort?: boolean } = {},
  ): Promise<{ address: string; family: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ port, host, reusePort: options.reusePort ?? false }, () => {
        this.#server.off("error", reject);
        resolve(this.#server.address() as { address: string; family: string; port: number });
      });
    });
  }

  forget(connection: Connection): void {
    this.#connections.delete(connection);
  }

  /** Keeps `socket`, handed to the upgrade's protocol, to destroy it at `close`. */
  adopt(socket: Socket): void {
    this.#adopted.add(socket);
    socket.once("close", () => this.#adopted.delete(socket));
  }

  #checkTimeouts(): void {
    const nowMs = Date.now();
    for (const connection of this.#connections) connection.checkTimeouts(nowMs);
  }

  /**
   * Stops accepting connections, lets requests in flight finish (their answers say `connection: close`),
   * closes idle connections at once and cuts the rest after `drainTimeoutMs`.
   */
  async close(drainTimeoutMs: number): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) connection.closeWhenIdle();
    const cut = setTimeout(() => {
      for (const connection of this.#connections) connection.destroy();
      for (const socket of this.#adopted) socket.destroy();
    }, drainTimeoutMs);
    await closed;
    clearTimeout(cut);
    clearInterval(this.#timer);
  }
}

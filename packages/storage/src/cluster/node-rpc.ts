/**
 * Node RPC: the internal API's requests multiplexed over one TCP connection per node, for the router's
 * forwarded DynamoDB requests. HTTP/1.1 answers in order, so each request in flight needs a socket of
 * its own, and every request and every answer costs a socket write and a read on both sides. Here a
 * request carries an id and answers come back in any order, so everything the caller sends to a node
 * in one turn of the event loop leaves in one write, and everything a node answers in one turn (a
 * replication round's writes are applied together) comes back in one.
 *
 * A connection opens with `rpcPreface`, which the node's HTTP server recognises (see `Http1Server`'s
 * `upgrade`) before handing the socket over; after it, both sides send frames:
 *
 *     u32 length of what follows · u32 request id · u8 kind · payload          (little-endian)
 *     request  (kind 1): u8 method (0 GET, 1 POST) · u16 path length · path ·
 *                        u8 header count · (u8 name length · name · u16 value length · value)* · body
 *     response (kind 2): u16 status · body
 *
 * The requests are the internal API's own (same paths, headers and bodies), handled by the same code
 * as over HTTP.
 */
import { connect, type Socket } from "node:net";
import type { Exchange } from "../http/http1-server.js";
import type { ParsedRequest } from "../http/request-parser.js";
import type { InFlightNodeRequest, NodeAddress, NodeRequestOptions, NodeResponse } from "./node-http.js";
import {
  defaultMaxNodeResponseBytes,
  NodeRequestTimeoutError,
  NodeResponseTooLargeError,
} from "./node-http.js";

/** The first bytes a client sends on a node RPC connection (not the start of any HTTP request). */
export const rpcPreface = Buffer.from("HAKOBUNE-RPC/1\r\n");

/** Raised when a connection cannot take more requests in flight: the request was never sent. */
export class NodeClientBusyError extends Error {
  readonly code = "NODE_CLIENT_BUSY";
  override readonly name = "NodeClientBusyError";
}

/** Raised for the requests in flight on a connection that closed or failed before answering them. */
export class NodeConnectionClosedError extends Error {
  readonly code = "NODE_CONNECTION_CLOSED";
  override readonly name = "NodeConnectionClosedError";
}

const requestKind = 1;
const responseKind = 2;
/** Bytes before a frame's payload: length, id, kind. */
const frameHeadBytes = 9;
/** Largest frame either side accepts: a body as large as the internal API takes, and its head. */
export const maxRpcFrameBytes = 256 * 1024 * 1024 + 64 * 1024;
/** Requests in flight on one connection, from the client's side; more are refused (never sent). */
export const maxRpcRequestsInFlight = 16_384;
/** Requests one server connection runs at once; it stops reading past that until some are answered. */
export const maxRpcRequestsRunning = 4_096;

/** Reassembles frames from a byte stream, copying a frame's chunks together once it is whole. */
class FrameReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes the next frame needs in all (its length field included), once that field has arrived. */
  #needed = 0;

  /** Adds `chunk` and returns the whole frames now complete (each from its id on), or throws when one is too large. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered < 4 || this.#buffered < this.#needed) return [];
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#buffered);
    const frames: Buffer[] = [];
    let offset = 0;
    this.#needed = 0;
    while (bytes.length - offset >= 4) {
      const length = bytes.readUInt32LE(offset);
      if (length < frameHeadBytes - 4 || length > maxRpcFrameBytes) {
        throw new RangeError(`a node RPC frame of ${length} bytes is out of bounds`);
      }
      if (bytes.length - offset - 4 < length) {
        this.#needed = 4 + length;
        break;
      }
      frames.push(bytes.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    const rest = bytes.subarray(offset);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return frames;
  }
}

function requestFrame(id: number, address: NodeAddress, options: NodeRequestOptions): Buffer {
  const path = Buffer.from(`${address.basePath}${options.path}`);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers = Object.entries(options.headers ?? {}).map(([name, value]) => [
    Buffer.from(name),
    Buffer.from(value),
  ]);
  let size = frameHeadBytes + 1 + 2 + path.length + 1 + (body?.length ?? 0);
  for (const [name, value] of headers) size += 1 + name!.length + 2 + value!.length;
  const frame = Buffer.allocUnsafe(size);
  frame.writeUInt32LE(size - 4, 0);
  frame.writeUInt32LE(id, 4);
  frame[8] = requestKind;
  let at = frameHeadBytes;
  frame[at++] = options.method === "GET" ? 0 : 1;
  frame.writeUInt16LE(path.length, at);
  at += 2;
  at += path.copy(frame, at);
  frame[at++] = headers.length;
  for (const [name, value] of headers) {
    frame[at++] = name!.length;
    at += name!.copy(frame, at);
    frame.writeUInt16LE(value!.length, at);
    at += 2;
    at += value!.copy(frame, at);
  }
  if (body) body.copy(frame, at);
  return frame;
}

/** The request in a request frame (from its id on). */
function parseRequest(frame: Buffer): { id: number; request: ParsedRequest } {
  const id = frame.readUInt32LE(0);
  let at = 5;
  const method = frame[at++] === 0 ? "GET" : "POST";
  const pathLength = frame.readUInt16LE(at);
  at += 2;
  const url = frame.toString("utf8", at, at + pathLength);
  at += pathLength;
  const headerCount = frame[at++]!;
  const headers: Record<string, string> = {};
  for (let k = 0; k < headerCount; k++) {
    const nameLength = frame[at++]!;
    const name = frame.toString("latin1", at, at + nameLength);
    at += nameLength;
    const valueLength = frame.readUInt16LE(at);
    at += 2;
    headers[name] = frame.toString("utf8", at, at + valueLength);
    at += valueLength;
  }
  if (at > frame.length) throw new RangeError("a node RPC request frame ends inside its head");
  return { id, request: { method, url, headers, body: frame.subarray(at), keepAlive: true } };
}

function responseFrame(id: number, status: number, body: string): Buffer {
  const length = Buffer.byteLength(body);
  const frame = Buffer.allocUnsafe(frameHeadBytes + 2 + length);
  frame.writeUInt32LE(frame.length - 4, 0);
  frame.writeUInt32LE(id, 4);
  frame[8] = responseKind;
  frame.writeUInt16LE(status, 9);
  frame.write(body, 11, "utf8");
  return frame;
}

/** Writes the frames queued on `socket` in one write, at the end of the current turn of the event loop. */
class FrameWriter {
  readonly #socket: Socket;
  #queued: Buffer[] = [];
  #scheduled = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  write(frame: Buffer): void {
    this.#queued.push(frame);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const frames = this.#queued;
      this.#queued = [];
      if (this.#socket.destroyed || frames.length === 0) return;
      this.#socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    });
  }
}

/**
 * Serves node RPC on `socket` (its preface already read; `initial` is what followed it) with the
 * internal API's `handle`. A malformed or oversized frame closes the connection.
 */
export function serveRpcConnection(
  socket: Socket,
  initial: Buffer,
  handle: (request: ParsedRequest, exchange: Exchange) => void,
): void {
  const reader = new FrameReader();
  const writer = new FrameWriter(socket);
  let running = 0;
  let paused = false;
  const receive = (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      let parsed: { id: number; request: ParsedRequest };
      try {
        if (frame[4] !== requestKind) throw new RangeError("not a request frame");
        parsed = parseRequest(frame);
      } catch {
        socket.destroy();
        return;
      }
      running++;
      let answered = false;
      handle(parsed.request, {
        respond(status, _headerLines, body) {
          if (answered) return;
          answered = true;
          running--;
          if (paused && running < maxRpcRequestsRunning) {
            paused = false;
            socket.resume();
          }
          if (!socket.destroyed) writer.write(responseFrame(parsed.id, status, body));
        },
      });
    }
    if (running >= maxRpcRequestsRunning && !paused) {
      paused = true;
      socket.pause();
    }
  };
  socket.on("data", receive);
  socket.on("error", () => socket.destroy());
  if (initial.length > 0) receive(initial);
}

interface Call {
  id: number;
  resolve: (response: NodeResponse) => void;
  reject: (error: Error) => void;
  maxResponseBytes: number;
  timer: NodeJS.Timeout;
}

/** One multiplexed connection to one node. */
class RpcConnection {
  readonly #socket: Socket;
  readonly #writer: FrameWriter;
  readonly #reader = new FrameReader();
  readonly #calls = new Map<number, Call>();
  readonly #onClose: () => void;
  #nextId = 1;
  #closed = false;

  constructor(address: NodeAddress, onClose: () => void) {
    this.#onClose = onClose;
    this.#socket = connect({ host: address.hostname, port: address.port, noDelay: true });
    this.#writer = new FrameWriter(this.#socket);
    this.#socket.write(rpcPreface);
    this.#socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    this.#socket.on("error", (error) => this.#close(error));
    this.#socket.on("close", () =>
      this.#close(new NodeConnectionClosedError("the node closed the connection")),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  get inFlight(): number {
    return this.#calls.size;
  }

  send(address: NodeAddress, options: NodeRequestOptions): InFlightNodeRequest {
    const id = this.#nextId;
    this.#nextId = this.#nextId === 0xffffffff ? 1 : this.#nextId + 1;
    let call: Call | undefined;
    const answer = new Promise<NodeResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        // An answer this late says the connection is stuck (a frozen node, a cut link): start afresh.
        this.#close(new NodeRequestTimeoutError(`a node request got no answer in ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      call = {
        id,
        resolve,
        reject,
        maxResponseBytes: options.maxResponseBytes ?? defaultMaxNodeResponseBytes,
        timer,
      };
    });
    this.#calls.set(id, call!);
    this.#writer.write(requestFrame(id, address, options));
    return {
      answer,
      abort: (error: Error) => {
        if (!this.#calls.has(id)) return;
        // Given up on because the node looks unreachable: so is every request on this connection.
        this.#close(error);
      },
    };
  }

  destroy(error: Error): void {
    this.#close(error);
  }

  #receive(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.#close(error as Error);
      return;
    }
    for (const frame of frames) {
      const id = frame.readUInt32LE(0);
      const call = this.#calls.get(id);
      // An answer to a request given up on arrives late: nothing waits for it.
      if (call === undefined || frame[4] !== responseKind || frame.length < 7) continue;
      this.#calls.delete(id);
      clearTimeout(call.timer);
      if (frame.length - 7 > call.maxResponseBytes) {
        call.reject(new NodeResponseTooLargeError(`a node answered over ${call.maxResponseBytes} bytes`));
        continue;
      }
      call.resolve({ status: frame.readUInt16LE(5), body: frame.toString("utf8", 7) });
    }
  }

  #close(error: Error): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#socket.destroy();
    // A connect error (before anything was sent) keeps its code, e.g. ECONNREFUSED: the caller can tell.
    for (const call of this.#calls.values()) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.#calls.clear();
    this.#onClose();
  }
}

/** Node RPC connections, one per node, opened on first use and again after one closes. */
export class RpcConnections {
  readonly #connections = new Map<string, RpcConnection>();
  #destroyed = false;

  /** Sends one request to the node at `address`; see `requestNode` for the errors. */
  request(address: NodeAddress, options: NodeRequestOptions): InFlightNodeRequest {
    if (this.#destroyed) return rejected(new NodeConnectionClosedError("the connections were closed"));
    const key = `${address.hostname}:${address.port}`;
    let connection = this.#connections.get(key);
    if (connection === undefined || connection.closed) {
      const fresh = new RpcConnection(address, () => {
        if (this.#connections.get(key) === fresh) this.#connections.delete(key);
      });
      connection = fresh;
      this.#connections.set(key, fresh);
    }
    if (connection.inFlight >= maxRpcRequestsInFlight) {
      return rejected(
        new NodeClientBusyError(`${maxRpcRequestsInFlight} requests are in flight to the node`),
      );
    }
    return connection.send(address, options);
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): void {
    this.#destroyed = true;
    for (const connection of this.#connections.values()) {
      connection.destroy(new NodeConnectionClosedError("the connections were closed"));
    }
    this.#connections.clear();
  }
}

function rejected(error: Error): InFlightNodeRequest {
  return { answer: Promise.reject(error), abort: () => undefined };
}

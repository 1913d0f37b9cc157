/**
 * Node-to-node HTTP: `requestNode`, the one way cluster code calls another process's internal API
 * (over a caller's keep-alive `Agent`, bounded by a socket timeout rather than a per-request timer or
 * abort signal), and `PeerTransport`, the transport of Raft messages built on it: one bounded queue per
 * peer, drained by at most one request at a time, so that whatever queues up while a request is in
 * flight — or within the same turn of the event loop — leaves as one batch. The network is allowed to
 * lose messages — Raft resends — so a full queue drops the oldest messages and a failed request is not
 * retried.
 */
import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from "node:http";
import type { Message } from "../replication/index.js";
import { encodeBatch, type GroupMessage } from "./wire.js";

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

/**
 * Sends one request to a node over `agent`. Connection errors reject with the socket's own error (its
 * `code`, e.g. ECONNREFUSED, tells whether the request can have been sent).
 */
export function requestNode(
  agent: Agent,
  address: NodeAddress,
  options: NodeRequestOptions,
): InFlightNodeRequest {
  let clientRequest: ClientRequest | undefined;
  let settled = false;
  let fail: (error: Error) => void = () => undefined;
  /** Fails the request with `error` and drops its connection, whatever state it is in. */
  const giveUp = (error: Error) => {
    fail(error);
    clientRequest?.destroy();
  };
  const answer = new Promise<NodeResponse>((resolve, reject) => {
    fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const payload = options.body === undefined ? undefined : Buffer.from(options.body);
    const maxResponseBytes = options.maxResponseBytes ?? defaultMaxNodeResponseBytes;
    clientRequest = httpRequest(
      {
        agent,
        hostname: address.hostname,
        port: address.port,
        path: address.basePath + options.path,
        method: options.method,
        headers:
          payload === undefined
            ? options.headers
            : { ...options.headers, "content-length": String(payload.length) },
        timeout: options.timeoutMs,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            giveUp(new NodeResponseTooLargeError(`a node answered over ${maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => {
          if (settled) return;
          settled = true;
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        });
        response.on("error", fail);
        // An answer cut short (connection lost or destroyed) closes without its end.
        response.on("close", () => fail(new Error("the node's answer was cut short")));
      },
    );
    clientRequest.on("timeout", () =>
      giveUp(new NodeRequestTimeoutError(`no answer within ${options.timeoutMs} ms`)),
    );
    clientRequest.on("error", fail);
    clientRequest.end(payload);
  });
  return {
    answer,
    abort(error: Error) {
      if (!settled) giveUp(error);
    },
  };
}

export interface TransportOptions {
  nodeId: string;
  /** Base URL of each other node, by node id. */
  peerUrls: ReadonlyMap<string, string>;
  /** Messages queued per peer before the oldest are dropped. Default 4096. */
  maxQueuedMessages?: number;
  /** Messages sent in one request at most. Default 512. */
  maxMessagesPerRequest?: number;
  /** Time a request's socket may stay silent before the request fails. Default 2000 ms. */
  requestTimeoutMs?: number;
  /** Pause after a failed request before the next one to that peer. Default 100 ms. */
  failureBackoffMs?: number;
}

/** The path a node receives message batches on. */
export const raftMessagesPath = "/cluster/raft";

/**
 * Connections kept open to one peer: a peer's queue has one request in flight at a time, so one
 * connection carries it; the second covers a connection being replaced after a failure.
 */
const maxConnectionsPerPeer = 2;

interface PeerQueue {
  address: NodeAddress;
  messages: GroupMessage[];
  /** A drain is scheduled or running. */
  sending: boolean;
  dropped: number;
}

export class PeerTransport {
  readonly #nodeId: string;
  readonly #peers = new Map<string, PeerQueue>();
  readonly #maxQueuedMessages: number;
  readonly #maxMessagesPerRequest: number;
  readonly #requestTimeoutMs: number;
  readonly #failureBackoffMs: number;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: maxConnectionsPerPeer });
  #closed = false;

  constructor(options: TransportOptions) {
    this.#nodeId = options.nodeId;
    for (const [id, url] of options.peerUrls) {
      this.#peers.set(id, { address: nodeAddress(url), messages: [], sending: false, dropped: 0 });
    }
    this.#maxQueuedMessages = options.maxQueuedMessages ?? 4096;
    this.#maxMessagesPerRequest = options.maxMessagesPerRequest ?? 512;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    this.#failureBackoffMs = options.failureBackoffMs ?? 100;
  }

  /** Messages dropped so far because a peer's queue was full, by peer. */
  droppedMessages(): Record<string, number> {
    return Object.fromEntries([...this.#peers].map(([id, peer]) => [id, peer.dropped]));
  }

  send(group: string, messages: readonly Message[]): void {
    if (this.#closed) return;
    for (const message of messages) {
      const peer = this.#peers.get(message.to);
      if (!peer) continue;
      peer.messages.push({ group, message });
      const excess = peer.messages.length - this.#maxQueuedMessages;
      if (excess > 0) {
        peer.messages.splice(0, excess);
        peer.dropped += excess;
      }
      if (!peer.sending) {
        peer.sending = true;
        // Every group ticks in the same turn: waiting for its end sends their messages as one batch.
        setImmediate(() => void this.#drain(peer));
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.messages.length = 0;
    this.#agent.destroy();
  }

  async #drain(peer: PeerQueue): Promise<void> {
    try {
      while (!this.#closed && peer.messages.length > 0) {
        const batch = peer.messages.splice(0, this.#maxMessagesPerRequest);
        try {
          await requestNode(this.#agent, peer.address, {
            method: "POST",
            path: raftMessagesPath,
            headers: { "content-type": "application/json" },
            body: encodeBatch({ from: this.#nodeId, messages: batch }),
            timeoutMs: this.#requestTimeoutMs,
          }).answer;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, this.#failureBackoffMs));
        }
      }
    } finally {
      peer.sending = false;
    }
  }
}

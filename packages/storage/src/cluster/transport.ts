/**
 * Node-to-node transport of Raft messages over HTTP keep-alive (the runtime's `fetch`): one bounded
 * queue per peer, drained by at most one request at a time, so that whatever queues up while a request
 * is in flight leaves as one batch. The network is allowed to lose messages — Raft resends — so a full
 * queue drops the oldest messages and a failed request is not retried.
 */
import type { Message } from "../replication/index.js";
import { encodeBatch, type GroupMessage } from "./wire.js";

export interface TransportOptions {
  nodeId: string;
  /** Base URL of each other node, by node id. */
  peerUrls: ReadonlyMap<string, string>;
  /** Messages queued per peer before the oldest are dropped. Default 4096. */
  maxQueuedMessages?: number;
  /** Messages sent in one request at most. Default 512. */
  maxMessagesPerRequest?: number;
  /** Time allowed for one request. Default 2000 ms. */
  requestTimeoutMs?: number;
  /** Pause after a failed request before the next one to that peer. Default 100 ms. */
  failureBackoffMs?: number;
}

/** The path a node receives message batches on. */
export const raftMessagesPath = "/cluster/raft";

interface PeerQueue {
  url: string;
  messages: GroupMessage[];
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
  #closed = false;

  constructor(options: TransportOptions) {
    this.#nodeId = options.nodeId;
    for (const [id, url] of options.peerUrls) {
      this.#peers.set(id, { url, messages: [], sending: false, dropped: 0 });
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
      if (!peer.sending) void this.#drain(peer);
    }
  }

  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.messages.length = 0;
  }

  async #drain(peer: PeerQueue): Promise<void> {
    peer.sending = true;
    try {
      while (!this.#closed && peer.messages.length > 0) {
        const batch = peer.messages.splice(0, this.#maxMessagesPerRequest);
        try {
          const response = await fetch(peer.url + raftMessagesPath, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: encodeBatch({ from: this.#nodeId, messages: batch }),
            signal: AbortSignal.timeout(this.#requestTimeoutMs),
          });
          await response.arrayBuffer();
        } catch {
          await new Promise((resolve) => setTimeout(resolve, this.#failureBackoffMs));
        }
      }
    } finally {
      peer.sending = false;
    }
  }
}

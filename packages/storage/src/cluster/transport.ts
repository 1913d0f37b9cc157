/**
 * Node-to-node HTTP: `requestNode` (from `node-http.ts`, re-exported here), the one way cluster code
 * calls another process's internal API, and `PeerTransport`, the transport of Raft messages built on
 * it: one bounded queue per peer, drained by at most one request at a time, so that whatever queues
 * up while a request is in flight — or within the same turn of the event loop — leaves as one batch. The receiver answers a
 * batch with its own messages to the sender that the batch caused (a follower's append replies, once
 * persisted), so that a round of replication costs one request per follower rather than two: the
 * receiver takes them from its queue with `takeQueued`, and the sender hands them to `onReplies`. The
 * network is allowed to lose messages — Raft resends — so a full queue drops the oldest messages and a
 * failed request is not retried.
 */
import type { Message } from "../replication/index.js";
import { type NodeAddress, NodeConnections, nodeAddress, requestNode } from "./node-http.js";
import { decodeBatch, encodeBatch, type GroupMessage, type MessageBatch } from "./wire.js";

export {
  defaultMaxNodeResponseBytes,
  type InFlightNodeRequest,
  type NodeAddress,
  NodeConnections,
  type NodeRequestOptions,
  NodeRequestTimeoutError,
  type NodeResponse,
  NodeResponseError,
  NodeResponseTooLargeError,
  nodeAddress,
  requestNode,
} from "./node-http.js";

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
  /** Receives the messages a peer sent back in the answer to a batch (its `from` is that peer). */
  onReplies?: (batch: MessageBatch) => void;
}

/**
 * How far back a peer's queue is searched for the last message of the same group, to fold a new
 * append (or append response) into it (see `coalesce`).
 */
const maxCoalesceLookback = 16;
/** Entries and data bytes one folded append may carry: Raft's own bounds on one append, by default. */
const maxCoalescedEntries = 64;
const maxCoalescedBytes = 1024 * 1024;

/**
 * `next` folded into `previous`, both queued for the same peer and group, or undefined when they must
 * travel apart. The leader sends an append per proposal; the appends of one term whose entries run on
 * (the second starts where the first ends) travel as one, so the follower steps, persists and answers
 * once. Two successful append responses of one term travel as the later, whose index covers the
 * earlier (the leader frees every append in flight up to it). Anything else — rejections, heartbeats
 * with read contexts, votes — is left as it is.
 */
export function coalesce(previous: Message, next: Message): Message | undefined {
  if (previous.term !== next.term || previous.from !== next.from) return undefined;
  if (previous.type === "append" && next.type === "append") {
    const lastTerm = previous.entries.at(-1)?.term ?? previous.prevLogTerm;
    if (
      next.prevLogIndex !== previous.prevLogIndex + previous.entries.length ||
      next.prevLogTerm !== lastTerm
    ) {
      return undefined;
    }
    const entries = [...previous.entries, ...next.entries];
    if (entries.length > maxCoalescedEntries) return undefined;
    let bytes = 0;
    for (const entry of entries) bytes += entry.data.length;
    if (bytes > maxCoalescedBytes) return undefined;
    return { ...next, prevLogIndex: previous.prevLogIndex, prevLogTerm: previous.prevLogTerm, entries };
  }
  if (previous.type === "appendResponse" && next.type === "appendResponse") {
    if (!previous.success || !next.success) return undefined;
    return next.index >= previous.index ? next : previous;
  }
  return undefined;
}

/** The path a node receives message batches on. */
export const raftMessagesPath = "/cluster/raft";

/**
 * Connections kept open to one peer: a peer's queue has one request in flight at a time, so one
 * connection carries it; the second covers a connection being replaced after a failure.
 */
const maxConnectionsPerPeer = 2;

interface PeerQueue {
  id: string;
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
  readonly #onReplies: (batch: MessageBatch) => void;
  readonly #connections = new NodeConnections({ maxConnectionsPerNode: maxConnectionsPerPeer });
  #closed = false;

  constructor(options: TransportOptions) {
    this.#nodeId = options.nodeId;
    for (const [id, url] of options.peerUrls) {
      this.#peers.set(id, { id, address: nodeAddress(url), messages: [], sending: false, dropped: 0 });
    }
    this.#maxQueuedMessages = options.maxQueuedMessages ?? 4096;
    this.#maxMessagesPerRequest = options.maxMessagesPerRequest ?? 512;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 2000;
    this.#failureBackoffMs = options.failureBackoffMs ?? 100;
    this.#onReplies = options.onReplies ?? (() => undefined);
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
      if (this.#fold(peer, group, message)) continue;
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

  /** Folds `message` into the last queued message of `group` for `peer` when `coalesce` allows. */
  #fold(peer: PeerQueue, group: string, message: Message): boolean {
    const queue = peer.messages;
    for (let at = queue.length - 1; at >= Math.max(0, queue.length - maxCoalesceLookback); at--) {
      const queued = queue[at]!;
      if (queued.group !== group) continue;
      const folded = coalesce(queued.message, message);
      if (folded === undefined) return false;
      queue[at] = { group, message: folded };
      return true;
    }
    return false;
  }

  /**
   * Takes the messages queued for `peerId` (at most one request's worth), for the answer to a batch
   * that peer sent: they travel back on its request instead of in a request of their own.
   */
  takeQueued(peerId: string): GroupMessage[] {
    const peer = this.#peers.get(peerId);
    if (!peer || this.#closed) return [];
    return peer.messages.splice(0, this.#maxMessagesPerRequest);
  }

  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) peer.messages.length = 0;
    this.#connections.destroy();
  }

  async #drain(peer: PeerQueue): Promise<void> {
    try {
      while (!this.#closed && peer.messages.length > 0) {
        const batch = peer.messages.splice(0, this.#maxMessagesPerRequest);
        let replies: MessageBatch | undefined;
        try {
          const answer = await requestNode(this.#connections, peer.address, {
            method: "POST",
            path: raftMessagesPath,
            headers: { "content-type": "application/json" },
            body: encodeBatch({ from: this.#nodeId, messages: batch }),
            timeoutMs: this.#requestTimeoutMs,
          }).answer;
          if (answer.status === 200 && answer.body.length > 0) replies = decodeBatch(answer.body);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, this.#failureBackoffMs));
        }
        if (replies?.from === peer.id && !this.#closed) this.#onReplies(replies);
      }
    } finally {
      peer.sending = false;
    }
  }
}

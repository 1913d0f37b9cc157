/**
 * The leader's queue of linearizable read requests (the read-index protocol, Raft dissertation §6.4).
 *
 * A read is registered with the leader's commit index at the time it arrives. The leader then sends a
 * heartbeat round carrying the request's id; once a majority (the leader included) echoes that id at
 * the leader's term, no other leader with a newer term can have committed anything before the round
 * began, so the recorded commit index covers every write acknowledged before the read arrived. The
 * caller serves the read once its state machine has applied that index. A majority answering the
 * round for one request also confirms every request registered before it.
 *
 * A new leader's commit index may lag behind entries committed by its predecessor until it commits an
 * entry of its own term, so requests arriving before that wait in `#awaitingTermCommit`.
 *
 * Only voters count, and they are counted against the leader's configuration when the answer arrives:
 * single-server changes keep every majority of it overlapping every majority that could elect
 * another leader, whether the change is committed or not.
 */
import { type Configuration, quorumOf } from "./configuration.js";
import type { NodeId } from "./messages.js";

/** A confirmed read: serve request `requestId` once the state machine has applied `index`. */
export interface ReadState {
  readonly requestId: string;
  readonly index: number;
}

interface PendingRead {
  readonly requestId: string;
  readonly index: number;
  readonly acks: Set<NodeId>;
}

export class ReadIndexQueue {
  readonly #pending: PendingRead[] = [];
  readonly #awaitingTermCommit: string[] = [];
  readonly #ids = new Set<string>();

  get size(): number {
    return this.#ids.size;
  }

  has(requestId: string): boolean {
    return this.#ids.has(requestId);
  }

  /** The newest registered request, which a heartbeat round should carry; undefined when none. */
  newestPending(): string | undefined {
    return this.#pending.at(-1)?.requestId;
  }

  awaitTermCommit(requestId: string): void {
    this.#ids.add(requestId);
    this.#awaitingTermCommit.push(requestId);
  }

  /** Registers a request at `commitIndex`, acknowledged so far by `self` only. */
  register(requestId: string, commitIndex: number, self: NodeId): void {
    this.#ids.add(requestId);
    this.#pending.push({ requestId, index: commitIndex, acks: new Set([self]) });
  }

  /** Moves requests that waited for the first commit of the term into the queue at `commitIndex`. */
  registerAwaiting(commitIndex: number, self: NodeId): boolean {
    if (this.#awaitingTermCommit.length === 0) return false;
    for (const requestId of this.#awaitingTermCommit.splice(0)) {
      this.#pending.push({ requestId, index: commitIndex, acks: new Set([self]) });
    }
    return true;
  }

  /**
   * Records that `from` echoed `requestId`. Returns the reads this confirms (oldest first), removed
   * from the queue, once a majority of the voters of `config` have echoed it.
   */
  acknowledge(requestId: string, from: NodeId, config: Configuration): ReadState[] {
    const position = this.#pending.findIndex((read) => read.requestId === requestId);
    if (position < 0) return [];
    const read = this.#pending[position]!;
    read.acks.add(from);
    let voterAcks = 0;
    for (const voter of config.voters) if (read.acks.has(voter)) voterAcks++;
    if (voterAcks < quorumOf(config)) return [];
    const confirmed = this.#pending.splice(0, position + 1);
    for (const done of confirmed) this.#ids.delete(done.requestId);
    return confirmed.map(({ requestId: id, index }) => ({ requestId: id, index }));
  }

  /** Empties the queue (the node stopped leading); returns the ids of the abandoned requests. */
  drain(): string[] {
    const abandoned = [...this.#awaitingTermCommit, ...this.#pending.map((read) => read.requestId)];
    this.#pending.length = 0;
    this.#awaitingTermCommit.length = 0;
    this.#ids.clear();
    return abandoned;
  }
}
